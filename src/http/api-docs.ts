/**
 * The API's own description: `GET /openapi.json` (OpenAPI 3.1, generated from the route declarations of
 * src/http/api/, the same ones that validate the requests) and `GET /docs` (Swagger UI reading it, its script and
 * styles served by ticketd under `/docs/assets/`: no CDN). All public, like the health checks.
 */
import { swaggerUI } from '@hono/swagger-ui';
import type { MiddlewareHandler } from 'hono';
import { packageVersion } from '../platform/version.ts';
import type { AppEnv, TicketdApp } from './app-env.ts';
import { DOCS_ASSET_FILES, docsAssetsDir, readDocsAssets, type DocsAssetName, type DocsAssets } from './docs-assets.ts';
import { errorBody, HttpError } from './http-error.ts';

export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';

const DESCRIPTION = 'Ticket machines send taps; each is validated, priced and charged, and the customer is told at ' +
  'once over Server-Sent Events. Every error is `{ "error": { "code", "message" } }`; each operation lists its codes. ' +
  'Every route but /health, /ready, /openapi.json, /docs and the payment provider\'s signed webhook needs ' +
  '`Authorization: Bearer <token>`.';

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
      info: { title: 'ticketd', version: packageVersion(), description: DESCRIPTION },
      security: [{ bearer: [] }],
    });
    return c.json(document, 200);
  });
  // The page and its files need the files read: at the first request for either, not at start.
  let docs: { assets: DocsAssets; page: MiddlewareHandler<AppEnv> } | undefined;
  const loadDocs = (): NonNullable<typeof docs> => {
    if (docs !== undefined) return docs;
    let assets: DocsAssets;
    try {
      assets = readDocsAssets(docsAssetsDir());
    } catch {
      throw new HttpError(503, 'docs_unavailable', "Swagger UI's files (swagger-ui-dist) are not installed; /openapi.json still is");
    }
    const baseUrl = `${DOCS_PATH}/assets/${assets.digest}`;
    docs = { assets, page: swaggerUI({ url: OPENAPI_PATH, title: 'ticketd API', baseUrl }) };
    return docs;
  };
  app.get(DOCS_PATH, (c, next) => loadDocs().page(c, next));
  // swagger-ui's page asks for `<baseUrl>/swagger-ui-dist/<file>`.
  app.get(`${DOCS_PATH}/assets/:digest/swagger-ui-dist/:file`, (c) => {
    const { assets } = loadDocs();
    const name = c.req.param('file') as DocsAssetName;
    const bytes = assets.files.get(name);
    if (c.req.param('digest') !== assets.digest || bytes === undefined) {
      return c.json(errorBody('not_found', `no route ${c.req.method} ${c.req.path}`), 404);
    }
    // The digest is in the path: these bytes never change under this URL.
    c.header('Cache-Control', 'public, max-age=31536000, immutable');
    c.header('Content-Type', DOCS_ASSET_FILES[name]);
    return c.body(new Uint8Array(bytes), 200);
  });
  for (const path of [OPENAPI_PATH, DOCS_PATH]) {
    app.all(path, (c) => {
      c.header('Allow', 'GET, HEAD');
      return c.json(errorBody('method_not_allowed', `${c.req.method} is not allowed here; allowed: GET, HEAD`), 405);
    });
  }
}
