/**
 * The HTTP client of `ticketd onsale`: one JSON request to the server as a result (an answer with its status and
 * body, or a network error), never an exception. Every request has a timeout; a 429 or 503 (`overloaded`) is sent
 * again after its Retry-After (capped) and a network error after a short backoff, a bounded number of times. Only
 * requests that are safe to repeat come here: GETs, PUTs, and POSTs that carry an Idempotency-Key.
 */

import { parseRetryAfterMs } from './batch-sender.ts';
import { fetchText, isRecord, parseJson, type RetryingRequestOptions } from './http-client.ts';
import { sleep } from './cli-clock.ts';

/** `retryAttemptsMax` counts retries of 429/503 answers and network errors alike. */
export interface OnsaleHttpOptions extends RetryingRequestOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:8080`. */
  url: string;
}

export interface OnsaleRequest {
  method: 'GET' | 'PUT' | 'POST';
  /** Path and query, e.g. `/v1/bookings`. */
  path: string;
  body?: unknown;
  idempotencyKey?: string;
}

export type OnsaleAnswer =
  /** `latencyMs`: the round trip of the attempt that was answered, body included. */
  | { kind: 'answered'; status: number; body: unknown; latencyMs: number; retries: number }
  | { kind: 'network-error'; message: string; retries: number };

/** Without a usable Retry-After, and after a network error, the first retry waits this long, doubling after. */
const RETRY_FALLBACK_MS = 100;

/**
 * Sends `request`, retrying as the module comment says; answers the last result.
 *
 * @example
 * const answer = await sendJson({ method: 'GET', path: '/v1/shows/gala' }, { url, fetch, clock: cliClock,
 *   requestTimeoutMs: 10_000, retryAttemptsMax: 3, retryAfterMaxMs: 2_000 });
 * if (answer.kind === 'answered' && answer.status === 200) show = answer.body;
 */
export async function sendJson(request: OnsaleRequest, options: OnsaleHttpOptions): Promise<OnsaleAnswer> {
  for (let attempt = 0; ; attempt++) {
    const result = await sendOnce(request, options);
    const retryable = result.kind === 'network-error' || result.status === 429 || result.status === 503;
    if (!retryable || attempt >= options.retryAttemptsMax || options.signal?.aborted === true) {
      return { ...result, retries: attempt };
    }
    const fallbackMs = RETRY_FALLBACK_MS * 2 ** attempt;
    const waitMs = Math.min(result.kind === 'answered' ? result.retryAfterMs ?? fallbackMs : fallbackMs, options.retryAfterMaxMs);
    await sleep(options.clock, waitMs, options.signal);
  }
}

type Attempt =
  | { kind: 'answered'; status: number; body: unknown; latencyMs: number; retryAfterMs?: number }
  | { kind: 'network-error'; message: string };

async function sendOnce(request: OnsaleRequest, options: OnsaleHttpOptions): Promise<Attempt> {
  const got = await fetchText(`${options.url}${request.path}`, {
    method: request.method,
    headers: {
      accept: 'application/json',
      ...(request.body !== undefined && { 'content-type': 'application/json' }),
      ...(options.token !== undefined && { authorization: `Bearer ${options.token}` }),
      ...(request.idempotencyKey !== undefined && { 'idempotency-key': request.idempotencyKey }),
    },
    ...(request.body !== undefined && { body: JSON.stringify(request.body) }),
  }, options);
  if (got.kind === 'network-error') return got;
  const retryAfterMs = parseRetryAfterMs(got.response.headers.get('retry-after'), options.clock.now());
  return { kind: 'answered', status: got.response.status, body: parseJson(got.text), latencyMs: got.latencyMs, ...(retryAfterMs !== undefined && { retryAfterMs }) };
}

/**
 * The error code of an answer (`sold_out`, …) from `{ error: { code } }`, or `http_<status>` without one.
 *
 * @example
 * errorCode({ kind: 'answered', status: 409, body: { error: { code: 'sold_out' } }, latencyMs: 3, retries: 0 }); // 'sold_out'
 */
export function errorCode(answer: Extract<OnsaleAnswer, { kind: 'answered' }>): string {
  const body = answer.body;
  const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  return typeof error?.code === 'string' ? error.code : `http_${answer.status}`;
}
