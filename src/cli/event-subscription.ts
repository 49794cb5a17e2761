/**
 * A customer's live notifications (`GET /v1/customers/:id/events`, Server-Sent Events) that survive dropped
 * connections: it remembers the id of the last event it delivered and reconnects with `Last-Event-ID` after an
 * exponential, capped backoff, a bounded number of times in a row. Every event is delivered at most once: one the
 * server replays with an id at or below the last delivered one is skipped.
 */

import type { Clock, TimerHandle } from '../platform/clock.ts';
import type { FetchLike } from './http-client.ts';
import { sleep } from './cli-clock.ts';
import { describeFetchError } from './fetch-error.ts';
import { SseParseError, SseParser, type SseEvent } from './sse-parser.ts';

export interface SubscriptionOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:8080`. */
  url: string;
  customerId: string;
  /** Sent as `Authorization: Bearer <token>` when given. */
  token?: string;
  /** Resume after this event id; omitted, the server decides where the stream starts. */
  lastEventId?: string;
  /** Failed connections in a row before giving up; a successful connection resets the count. */
  maxReconnects: number;
  /** First reconnect delay, doubling per failure; a `retry` field from the server replaces it. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** No bytes for this long (heartbeats included) and the connection is dropped and remade. */
  idleTimeoutMs: number;
  /** A connection counts as successful once it delivered an event or stayed up this long. */
  stableAfterMs: number;
  /** Longest line or event accepted from the stream, in characters. */
  eventSizeMax: number;
  /** Aborting ends the subscription at once: the normal way out (Ctrl-C). */
  signal: AbortSignal;
  onEvent(event: SseEvent): void;
  /** Connection news for a human: connected, lost, reconnecting, giving up. */
  onNotice(message: string): void;
}

export interface SubscriptionDeps {
  fetch: FetchLike;
  clock: Clock;
}

export type SubscriptionEnd =
  | { reason: 'interrupted'; lastEventId: string }
  | { reason: 'gave-up'; failures: number; lastEventId: string }
  /** The server answered 4xx (not 408 or 429): retrying cannot help. */
  | { reason: 'refused'; status: number; code: string; message: string };

type Connection =
  | { kind: 'dropped'; opened: boolean; stable: boolean; why: string }
  | { kind: 'refused'; status: number; code: string; message: string };

interface StreamState {
  lastEventId: string;
  /** The last delivered numeric id, to skip replays. */
  lastNumericId: number | undefined;
  retryMs: number | undefined;
  connections: number;
}

/** A server asking for `retry: 0` still gets this much breathing room. */
const BACKOFF_FLOOR_MS = 10;

/**
 * Follows the stream until `signal` aborts, the server refuses, or `maxReconnects` connections in a row fail.
 *
 * @example
 * const end = await subscribeEvents({ url, customerId: 'customer-1', maxReconnects: 100, backoffBaseMs: 1_000,
 *   backoffMaxMs: 30_000, idleTimeoutMs: 60_000, stableAfterMs: 10_000, eventSizeMax: 1 << 20, signal,
 *   onEvent: (e) => console.log(e.type, e.data), onNotice: console.error }, { fetch, clock: cliClock });
 */
export async function subscribeEvents(options: SubscriptionOptions, deps: SubscriptionDeps): Promise<SubscriptionEnd> {
  validate(options);
  const lastEventId = options.lastEventId ?? '';
  const state: StreamState = { lastEventId, lastNumericId: numericId(lastEventId), retryMs: undefined, connections: 0 };
  const url = `${options.url}/v1/customers/${encodeURIComponent(options.customerId)}/events`;
  let failures = 0;
  while (!options.signal.aborted) {
    const connection = await connectOnce(url, state, options, deps);
    if (options.signal.aborted) break;
    if (connection.kind === 'refused') {
      const { status, code, message } = connection;
      return { reason: 'refused', status, code, message };
    }
    if (connection.stable) failures = 0;
    failures++;
    const why = connection.opened ? `connection lost: ${connection.why}` : `cannot connect: ${connection.why}`;
    if (failures > options.maxReconnects) {
      options.onNotice(`${why}; giving up after ${failures - 1} reconnect attempts in a row`);
      return { reason: 'gave-up', failures, lastEventId: state.lastEventId };
    }
    const delayMs = backoffDelayMs(failures, state.retryMs ?? options.backoffBaseMs, options.backoffMaxMs);
    const wait = delayMs < 1_000 ? `${delayMs} ms` : `${(delayMs / 1_000).toFixed(1)} s`;
    options.onNotice(`${why}; reconnecting in ${wait} (attempt ${failures} of ${options.maxReconnects})`);
    await sleep(deps.clock, delayMs, options.signal);
  }
  return { reason: 'interrupted', lastEventId: state.lastEventId };
}

/**
 * The wait before reconnect attempt `failures` (1-based): `baseMs` doubled per earlier failure, capped.
 *
 * @example
 * [1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(n, 1_000, 10_000)); // [1000, 2000, 4000, 8000, 10000, 10000]
 */
export function backoffDelayMs(failures: number, baseMs: number, maxMs: number): number {
  const base = Math.max(BACKOFF_FLOOR_MS, baseMs);
  return Math.min(maxMs, base * 2 ** Math.min(failures - 1, 30));
}

/** One connection, from request to drop. Never throws: every way it ends is a Connection. */
async function connectOnce(
  url: string, state: StreamState, options: SubscriptionOptions, deps: SubscriptionDeps,
): Promise<Connection> {
  const { clock } = deps;
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  options.signal.addEventListener('abort', abort, { once: true });
  let idleTimer: TimerHandle | undefined;
  let idle = false;
  const armIdleTimer = (): void => {
    if (idleTimer !== undefined) clock.clearTimer(idleTimer);
    idleTimer = clock.setTimer(() => {
      idle = true;
      controller.abort();
    }, options.idleTimeoutMs);
  };
  const openedMs = clock.now();
  let opened = false;
  let delivered = false;
  const dropped = (why: string): Connection => ({
    kind: 'dropped', opened, why, stable: delivered || clock.now() - openedMs >= options.stableAfterMs,
  });
  try {
    armIdleTimer();
    const headers: Record<string, string> = { accept: 'text/event-stream', 'cache-control': 'no-cache' };
    if (state.lastEventId !== '') headers['last-event-id'] = state.lastEventId;
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    const response = await deps.fetch(url, { headers, signal: controller.signal });
    const refusal = await refusalOf(response);
    if (refusal !== undefined) return refusal.kind === 'refused' ? refusal : dropped(refusal.why);
    opened = true;
    state.connections++;
    const from = state.lastEventId === '' ? '' : `, resuming after event ${state.lastEventId}`;
    options.onNotice(`${state.connections === 1 ? 'connected to' : 'reconnected to'} ${url}${from}`);
    const parser = new SseParser({ sizeMax: options.eventSizeMax, lastEventId: state.lastEventId });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return dropped('the server closed the stream');
      armIdleTimer();
      for (const event of parser.push(value)) if (deliver(event, state, options)) delivered = true;
      if (parser.retryMs !== undefined) state.retryMs = parser.retryMs;
    }
  } catch (error) {
    if (idle) return dropped(`no data for ${options.idleTimeoutMs / 1_000} s`);
    return dropped(error instanceof SseParseError ? error.message : describeFetchError(error));
  } finally {
    if (idleTimer !== undefined) clock.clearTimer(idleTimer);
    options.signal.removeEventListener('abort', abort);
    // Releases the socket whatever state the body is in.
    controller.abort();
  }
}

/** Why an answer is not an event stream to read, or `undefined` when it is one. */
async function refusalOf(
  response: Response,
): Promise<Extract<Connection, { kind: 'refused' }> | { kind: 'retry'; why: string } | undefined> {
  const { status } = response;
  if (status >= 200 && status < 300) {
    const type = response.headers.get('content-type') ?? '';
    if (type.toLowerCase().startsWith('text/event-stream') && response.body !== null) return undefined;
    return { kind: 'retry', why: `HTTP ${status} is not an event stream (content-type '${type}')` };
  }
  let code = `http_${status}`;
  let message = `HTTP ${status}`;
  try {
    const error = (JSON.parse(await response.text()) as { error?: { code?: unknown; message?: unknown } }).error;
    if (typeof error?.code === 'string') code = error.code;
    if (typeof error?.message === 'string') message = error.message;
  } catch {
    // Not the API's error shape: the status says enough.
  }
  // 408 and 429 are the 4xx answers that may go away by themselves.
  const refused = status >= 400 && status < 500 && status !== 408 && status !== 429;
  if (refused) return { kind: 'refused', status, code, message };
  return { kind: 'retry', why: `HTTP ${status} ${code}` };
}

/** Hands `event` on unless it is a replay of one already delivered; answers whether it was delivered. */
function deliver(event: SseEvent, state: StreamState, options: SubscriptionOptions): boolean {
  const id = event.id === undefined ? undefined : numericId(event.id);
  if (id !== undefined) {
    if (state.lastNumericId !== undefined && id <= state.lastNumericId) return false;
    state.lastNumericId = id;
  }
  state.lastEventId = event.lastEventId;
  options.onEvent(event);
  return true;
}

function numericId(id: string): number | undefined {
  if (!/^\d{1,15}$/.test(id)) return undefined;
  return Number(id);
}

function validate(options: SubscriptionOptions): void {
  const limits = [
    ['maxReconnects', 0, 1_000_000], ['backoffBaseMs', 0, 3_600_000], ['backoffMaxMs', 1, 3_600_000],
    ['idleTimeoutMs', 1, 86_400_000], ['stableAfterMs', 0, 86_400_000], ['eventSizeMax', 1, 1 << 28],
  ] as const;
  for (const [name, min, max] of limits) {
    const value = options[name];
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${value}`);
    }
  }
}
