/**
 * What the CLI's HTTP clients share (the simulator's batch sender, the on-sale's JSON client): `fetch` as tests fake
 * it, the options of a bounded, retrying request, and reading a body that may not be JSON.
 */
import type { Clock } from '../platform/clock.ts';

/** The part of `fetch` the CLI uses; tests pass a fake. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** A request with a timeout, retried a bounded number of times after a bounded wait. */
export interface RetryingRequestOptions {
  /** Sent as `Authorization: Bearer <token>` when given. */
  token?: string;
  fetch: FetchLike;
  clock: Clock;
  requestTimeoutMs: number;
  /** Attempts after the first. */
  retryAttemptsMax: number;
  /** Longest wait before a retry, whatever Retry-After says. */
  retryAfterMaxMs: number;
  /** Aborting cuts a retry wait short; the request then ends with its last result. */
  signal?: AbortSignal;
}

/**
 * The JSON value of `text`, or `undefined` when it is not JSON (or empty).
 *
 * @example
 * parseJson('{"a":1}'); // { a: 1 }
 * parseJson('<html>');  // undefined
 */
export function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Whether `value` is a plain JSON object.
 *
 * @example
 * isRecord({ a: 1 }); // true
 * isRecord([1]);      // false
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
