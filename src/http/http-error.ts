/**
 * The one error shape of the HTTP API: `{ "error": { "code", "message" } }` with a 4xx/5xx status. Route code throws
 * an `HttpError` (or lets an EngineError or InputError through); `app.onError` turns any of them into the response.
 */
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Codes this layer itself answers with; engine and input errors add their own (see error-response.ts). */
export type HttpErrorCode =
  | 'not_found'
  | 'method_not_allowed'
  | 'invalid_json'
  | 'unsupported_media_type'
  | 'body_too_large'
  | 'unknown_tap'
  | 'unknown_customer'
  | 'unknown_dead_letter'
  | 'unknown_machine'
  | 'unknown_token'
  | 'unknown_show'
  | 'unknown_booking'
  | 'unknown_payment'
  | 'unknown_top_up'
  | 'topup_conflict'
  | 'payments_unavailable'
  | 'payments_busy'
  | 'provider_refused'
  | 'invalid_signature'
  | 'invalid_body'
  | 'invalid_field'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'too_many_streams'
  | 'engine_timeout'
  | 'shutting_down'
  | 'sse_unavailable'
  | 'docs_unavailable'
  | 'web_unavailable'
  | 'csrf_failed'
  | 'accounts_unavailable'
  | 'not_a_session'
  | 'internal';

/**
 * An answer that is an error, with a stable `code`.
 *
 * @example
 * throw new HttpError(404, 'unknown_tap', `no tap 'tap-9'`);
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: HttpErrorCode,
    message: string,
    /** Extra response headers, e.g. `Retry-After`. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details?: Readonly<Record<string, unknown>> };
}

/**
 * The body of every error response.
 *
 * @example
 * errorBody('invalid_json', 'body is not JSON'); // { error: { code: 'invalid_json', message: 'body is not JSON' } }
 */
export function errorBody(code: string, message: string, details?: Readonly<Record<string, unknown>>): ErrorBody {
  return { error: { code, message, ...(details !== undefined && { details }) } };
}
