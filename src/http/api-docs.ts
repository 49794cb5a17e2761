/**
 * The API's own description: `GET /openapi.json` (OpenAPI 3.1, generated from the route declarations of
 * src/http/api/, the same ones that validate the requests) and `GET /docs` (Swagger UI reading it; its page loads
 * the Swagger UI script and styles from a CDN). Both are public, like the health checks.
 */
import { swaggerUI } from '@hono/swagger-ui';
import type { TicketdApp } from './app-env.ts';
import { errorBody } from './http-error.ts';

export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';

const DESCRIPTION = 'Ticket machines send taps; each is validated, priced and charged, and the customer is told at ' +
  'once over Server-Sent Events. Every error is `{ "error": { "code", "message" } }`; each operation lists its codes. ' +
  'Every route but /health, /ready, /openapi.json and /docs needs `Authorization: Bearer <token>`.';

/**
 * Adds the two routes; call it after every documented route is registered.
 *
 * @example
 * addApiDocs(app); // GET /openapi.json → { openapi: '3.1.0', paths: { '/v1/taps': … } }
 */
export function addApiDocs(app: TicketdApp): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  // The routes do not change once the app is built: the document is generated once, on the first request.
  let document: ReturnType<TicketdApp['getOpenAPI31Document']> | undefined;
  app.get(OPENAPI_PATH, (c) => {
    document ??= app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: { title: 'ticketd', version: '0.1.0', description: DESCRIPTION },
      security: [{ bearer: [] }],
    });
    return c.json(document, 200);
  });
  app.get(DOCS_PATH, swaggerUI({ url: OPENAPI_PATH, title: 'ticketd API' }));
  for (const path of [OPENAPI_PATH, DOCS_PATH]) {
    app.all(path, (c) => {
      c.header('Allow', 'GET, HEAD');
      return c.json(errorBody('method_not_allowed', `${c.req.method} is not allowed here; allowed: GET, HEAD`), 405);
    });
  }
}
