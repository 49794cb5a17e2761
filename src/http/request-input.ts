/**
 * The JSON body of a request, read once by the `jsonBody` middleware of every route that takes one: 415
 * `unsupported_media_type` unless it says `Content-Type: application/json` (a charset parameter is fine), 400
 * `invalid_json` unless it is UTF-8 JSON. What the body must hold is the route's schema's business (src/http/api/).
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env.ts';
import { HttpError } from './http-error.ts';

/** `application/json` with optional parameters, as the validator of @hono/zod-openapi reads a JSON media type. */
const JSON_MEDIA_TYPE = /^application\/json(;\s*[a-zA-Z0-9-]+=[^;]+)*$/i;

/**
 * Fatal, unlike `c.req.text()`, which puts U+FFFD where bytes are not UTF-8: a name sent with such bytes would be
 * stored as something the client never sent. A leading byte order mark is still dropped.
 */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads and parses the body; the value is `c.get('jsonBody')`. The text is also left in hono's body cache, where
 * the zod validator of the route reads it: it parses it again, which costs a few microseconds for the small admin
 * bodies; `POST /v1/taps`, the one large body, has no zod validator and uses the value directly.
 *
 * @example
 * app.on('PUT', '/v1/rides/:id', jsonBody, handler);
 */
export const jsonBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  const type = c.req.header('content-type');
  if (type === undefined || !JSON_MEDIA_TYPE.test(type)) {
    throw new HttpError(415, 'unsupported_media_type', 'the body must be JSON, sent with Content-Type: application/json');
  }
  let text: string;
  try {
    text = utf8.decode(await c.req.arrayBuffer());
  } catch {
    throw new HttpError(400, 'invalid_json', 'request body is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'invalid_json', 'request body is not valid JSON');
  }
  c.set('jsonBody', value);
  // hono keeps promises in its body cache, whatever its type says.
  (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(text);
  await next();
};
