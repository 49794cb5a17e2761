/**
 * The contract check every HTTP test's answer goes through (see helpers.ts): the answer must be one its route
 * declares (src/http/api/), for that status, with a body that matches the declared schema. Answers for paths no
 * route declares (an unknown path, a 405, /openapi.json) must still be the one error shape when they are errors.
 */
import type { RouteConfig } from '@hono/zod-openapi';
import type { z } from 'zod';
import { ErrorBody } from '../../src/http/api/errors.ts';
import type { TicketdApp } from '../../src/http/app.ts';

interface Declared {
  route: RouteConfig;
  pattern: RegExp;
}

const declaredByApp = new WeakMap<TicketdApp, Declared[]>();

/** The routes the app documents, read from its OpenAPI registry. @example declaredRoutes(app).length */
export function declaredRoutes(app: TicketdApp): RouteConfig[] {
  return declared(app).map((d) => d.route);
}

function declared(app: TicketdApp): Declared[] {
  let list = declaredByApp.get(app);
  if (list === undefined) {
    list = [];
    for (const definition of app.openAPIRegistry.definitions) {
      if (definition.type !== 'route') continue;
      const { route } = definition;
      const source = route.path.replaceAll(/\{[^}]+\}/g, '[^/]+');
      list.push({ route, pattern: new RegExp(`^${source}/?$`) });
    }
    declaredByApp.set(app, list);
  }
  return list;
}

/**
 * Throws unless the answer is one the declarations allow.
 *
 * @example
 * checkContract(app, 'GET', '/v1/customers/c-1', 200, 'application/json', body);
 */
export function checkContract(
  app: TicketdApp, method: string, path: string, status: number, contentType: string, body: unknown,
): void {
  const { pathname } = new URL(path, 'http://localhost');
  const wanted = method === 'HEAD' ? 'get' : method.toLowerCase();
  const match = declared(app).find((d) => d.route.method === wanted && d.pattern.test(pathname));
  const what = `${method} ${path} → ${status} ${JSON.stringify(body).slice(0, 300)}`;
  if (match === undefined) {
    if (status >= 400 && method !== 'HEAD') expectMatch(ErrorBody, body, what);
    return;
  }
  const response = (match.route.responses as Record<string, { content?: Record<string, { schema?: unknown }> }>)[String(status)];
  if (response === undefined) throw new Error(`contract: ${match.route.method} ${match.route.path} declares no ${status}: ${what}`);
  if (method === 'HEAD' || response.content === undefined) return;
  // An answer of another declared type (the event feed's stream beside its JSON page) is not JSON to check.
  const media = contentType.includes('application/json') || !Object.keys(response.content).some((type) => contentType.startsWith(type))
    ? response.content['application/json']
    : undefined;
  if (media === undefined) {
    if (!Object.keys(response.content).some((type) => contentType.startsWith(type))) {
      throw new Error(`contract: ${contentType} is not declared: ${what}`);
    }
    return;
  }
  if (!contentType.includes('application/json')) throw new Error(`contract: expected JSON, got ${contentType}: ${what}`);
  expectMatch(media.schema as z.ZodType, body, what);
}

function expectMatch(schema: z.ZodType, body: unknown, what: string): void {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issues = result.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`contract: the answer does not match its declared schema (${issues}): ${what}`);
  }
}
