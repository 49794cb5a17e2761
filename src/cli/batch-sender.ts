/**
 * One `POST /v1/taps` of the simulator, as a result: the server's per-tap outcomes counted (the server answers 200
 * once every tap is decided), an HTTP error, or a network error. A 429 is retried after its Retry-After (capped), a
 * bounded number of times; every request has a timeout.
 */

import type { Tap } from '../domain/types.ts';
import { sleep } from './cli-clock.ts';
import { fetchText, isRecord, parseJson, type RetryingRequestOptions } from './http-client.ts';


/** `retryAttemptsMax` counts the retries of a batch answered 429. */
export interface BatchSenderOptions extends RetryingRequestOptions {
  /** The full URL of `POST /v1/taps`. */
  url: string;
  /** Every answered request's round trip, body included. */
  onRoundTrip(latencyMs: number): void;
  /** Every 429 that is about to be retried, with the wait before the retry. */
  onThrottled(waitMs: number): void;
}

/** The taps of one answered request, by what the server decided. */
export interface TapCounts {
  issued: number;
  /** Rejected taps by reason (`insufficient_funds`, `unknown_ride`, …); a Map, as the reasons are the server's text. */
  rejected: Map<string, number>;
  failed: number;
  /** Sent before by the same machine: answered with their first outcome, not decided again. */
  duplicate: number;
  /** The tap id is another machine's or another tap's: nothing decided, nothing told. */
  conflict: number;
}

export type BatchOutcome =
  | { kind: 'answered'; counts: TapCounts }
  | { kind: 'http-error'; status: number; code: string; message: string }
  | { kind: 'network-error'; message: string };

type Attempt = BatchOutcome | { kind: 'throttled'; status: 429; code: string; message: string; retryAfterMs?: number };

/** Without a usable Retry-After, the first retry waits this long, doubling after. */
const RETRY_FALLBACK_MS = 250;

/**
 * Sends `taps` as one JSON array and reports what became of them.
 *
 * @example
 * const outcome = await sendBatch(taps, { url: 'http://127.0.0.1:8080/v1/taps', fetch, clock: cliClock,
 *   requestTimeoutMs: 10_000, retryAttemptsMax: 5, retryAfterMaxMs: 5_000, onRoundTrip, onThrottled });
 * if (outcome.kind === 'answered') issued += outcome.counts.issued;
 */
export async function sendBatch(taps: readonly Tap[], options: BatchSenderOptions): Promise<BatchOutcome> {
  const body = JSON.stringify(taps);
  for (let attempt = 0; ; attempt++) {
    const result = await postOnce(body, taps.length, options);
    if (result.kind !== 'throttled') return result;
    if (attempt >= options.retryAttemptsMax || options.signal?.aborted === true) {
      return { kind: 'http-error', status: 429, code: result.code, message: result.message };
    }
    const waitMs = Math.min(result.retryAfterMs ?? RETRY_FALLBACK_MS * 2 ** attempt, options.retryAfterMaxMs);
    options.onThrottled(waitMs);
    await sleep(options.clock, waitMs, options.signal);
  }
}

async function postOnce(body: string, tapCount: number, options: BatchSenderOptions): Promise<Attempt> {
  const got = await fetchText(options.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      ...(options.token !== undefined && { authorization: `Bearer ${options.token}` }),
    },
    body,
  }, options);
  if (got.kind === 'network-error') return got;
  options.onRoundTrip(got.latencyMs);
  return interpret(got.response, got.text, tapCount, options.clock.now());
}

function interpret(response: Response, text: string, tapCount: number, nowMs: number): Attempt {
  const { status } = response;
  const json = parseJson(text);
  if (status >= 200 && status < 300) {
    // Only a 200 carries outcomes; a 202 is a ticketd from before taps were decided before the answer.
    const taps = isRecord(json) && Array.isArray(json.taps) ? json.taps : undefined;
    let counts: TapCounts | string;
    if (status !== 200) counts = `HTTP ${status} instead of 200 with each tap's outcome`;
    else if (taps === undefined) counts = 'no taps array in the answer';
    else counts = countOutcomes(taps, tapCount);
    if (typeof counts === 'string') return { kind: 'http-error', status, code: 'bad_response', message: counts };
    return { kind: 'answered', counts };
  }
  const error = isRecord(json) && isRecord(json.error) ? json.error : {};
  const code = typeof error.code === 'string' ? error.code : `http_${status}`;
  const message = typeof error.message === 'string' ? error.message : `HTTP ${status} ${response.statusText}`.trim();
  if (status !== 429) return { kind: 'http-error', status, code, message };
  const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'), nowMs);
  return { kind: 'throttled', status, code, message, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
}

/** The answer's per-tap results counted, or what is wrong with them. */
function countOutcomes(taps: unknown[], tapCount: number): TapCounts | string {
  if (taps.length !== tapCount) return `${taps.length} results for ${tapCount} taps`;
  const counts: TapCounts = { issued: 0, rejected: new Map(), failed: 0, duplicate: 0, conflict: 0 };
  for (const entry of taps) {
    const status = isRecord(entry) ? entry.status : undefined;
    if (status === 'issued' || status === 'failed' || status === 'duplicate' || status === 'conflict') {
      counts[status]++;
    } else if (status === 'rejected' && isRecord(entry) && typeof entry.reason === 'string') {
      counts.rejected.set(entry.reason, (counts.rejected.get(entry.reason) ?? 0) + 1);
    } else {
      return `a tap result without a known status: ${JSON.stringify(entry).slice(0, 200)}`;
    }
  }
  return counts;
}

/**
 * Retry-After in milliseconds from now: delay-seconds or an HTTP date; `undefined` when absent or unreadable.
 *
 * @example
 * parseRetryAfterMs('2', 0);                                  // 2000
 * parseRetryAfterMs('Thu, 01 Jan 1970 00:00:05 GMT', 1_000);  // 4000
 */
export function parseRetryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1_000;
  // An IMF-fixdate (RFC 9110): Date.parse alone would take '-1' or '2' as a year.
  if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(value)) return undefined;
  const dateMs = Date.parse(value);
  return Number.isNaN(dateMs) ? undefined : Math.max(0, dateMs - nowMs);
}

