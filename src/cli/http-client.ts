/**
 * What the CLI's HTTP clients share (the simulator's batch sender, the on-sale's JSON client): `fetch` as tests fake
 * it, the options of a bounded, retrying request, and reading a body that may not be JSON.
 */
import type { Clock } from '../platform/clock.ts';
import { describeFetchError } from './fetch-error.ts';

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

/** One request's round trip: the answer with its whole body read, or why there is none. */
export type FetchedText =
  | { kind: 'answered'; response: Response; text: string; latencyMs: number }
  | { kind: 'network-error'; message: string };

/**
 * One request with `options.requestTimeoutMs` on the whole round trip (body included): never throws.
 *
 * @example
 * const got = await fetchText(`${url}/v1/shows/gala`, { method: 'GET' }, options);
 * if (got.kind === 'answered') console.log(got.response.status, got.text);
 */
export async function fetchText(url: string, init: RequestInit, options: Pick<RetryingRequestOptions, 'fetch' | 'clock' | 'requestTimeoutMs'>): Promise<FetchedText> {
  const { clock } = options;
  const controller = new AbortController();
  const timer = clock.setTimer(() => controller.abort(), options.requestTimeoutMs);
  const startMs = clock.now();
  try {
    const response = await options.fetch(url, { ...init, signal: controller.signal });
    const text = await response.text();
    return { kind: 'answered', response, text, latencyMs: clock.now() - startMs };
  } catch (error) {
    if (!controller.signal.aborted) return { kind: 'network-error', message: describeFetchError(error) };
    return { kind: 'network-error', message: `timed out after ${options.requestTimeoutMs} ms` };
  } finally {
    clock.clearTimer(timer);
  }
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
