/**
 * What every answer must be: a 4xx (or a 2xx when the request happened to be valid), never a 5xx; an error is
 * exactly `{ error: { code, message } }`; a valid `POST /v1/taps` is a 200 with one decided result per tap, in
 * order; and what a 2xx PUT acknowledged is what the store then holds.
 */
import { expect } from 'vitest';
import type { TapResult } from '../../src/store/store-types.ts';
import type { FuzzAnswer, FuzzTarget } from './fuzz-target.ts';
import { routedPaths, type FuzzRequest } from './fuzz-request.ts';

function describeExchange(request: FuzzRequest, answer: FuzzAnswer): string {
  const body = typeof request.body === 'string' ? request.body : request.body === undefined ? '' : `<${request.body.length} bytes>`;
  return `${request.method} ${request.path.slice(0, 200)} ${body.slice(0, 200)} → ${answer.status} ${answer.text.slice(0, 300)}`;
}

/** The error body's code; fails unless the body is exactly `{ error: { code, message } }` with non-empty strings. */
function errorCode(answer: FuzzAnswer, what: string): string {
  expect(answer.contentType, what).toContain('application/json');
  const body = JSON.parse(answer.text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
  expect(Object.keys(body), what).toEqual(['error']);
  // `details` (an object) is allowed: the box office's refusals name what was not available.
  const { details, ...rest } = body.error ?? {};
  expect(Object.keys(rest).sort(), what).toEqual(['code', 'message']);
  if (details !== undefined) expect(typeof details === 'object' && details !== null && !Array.isArray(details), what).toBe(true);
  const { code, message } = body.error ?? {};
  expect(typeof code === 'string' && code.length > 0, what).toBe(true);
  expect(typeof message === 'string' && message.length > 0, what).toBe(true);
  return code as string;
}

/**
 * @example
 * checkAnswer(request, await target.send(request));
 */
export function checkAnswer(request: FuzzRequest, answer: FuzzAnswer): void {
  const what = describeExchange(request, answer);
  const { status } = answer;
  if (request.events !== undefined && request.method === 'GET') {
    // A bad resume point is refused before any stream opens.
    if (!request.events.lastEventIdValid) expect(status, what).toBe(400);
  }
  // A generated path may reach the event stream too (`/v1/customers/customer-1/events/`: a trailing slash is the
  // same route).
  const toEvents = request.method === 'GET' && routedPaths(request.path).some((p) => EVENTS_PATH.test(p));
  if (toEvents) {
    // Under app.request there is no Node response to stream to: the one 5xx allowed, and only here.
    if (status === 500) {
      expect(errorCode(answer, what), what).toBe('sse_unavailable');
      return;
    }
  }
  expect((status >= 200 && status < 300) || (status >= 400 && status < 500), what).toBe(true);
  if (request.mustFail) expect(status, what).toBeGreaterThanOrEqual(400);
  if (request.method === 'HEAD') return; // no body to look at
  if (status >= 400) {
    errorCode(answer, what);
    return;
  }
  expect(answer.contentType, what).toContain('application/json');
  expect(() => {
    JSON.parse(answer.text);
  }, what).not.toThrow();
  if (request.method === 'POST' && routedPaths(request.path).includes('/v1/taps')) {
    checkTapResults(request, answer, what);
  }
}

const EVENTS_PATH = /^\/v1\/customers\/[^/]+\/events\/?$/;

/** The keys each kind of result has, exactly: a conflict says nothing of the tap that holds the id. */
const RESULT_KEYS: Record<string, string[]> = {
  issued: ['balanceAfter', 'price', 'status', 'tapId', 'ticketId'],
  rejected: ['reason', 'status', 'tapId'],
  failed: ['reason', 'status', 'tapId'],
  'duplicate issued': ['balanceAfter', 'outcome', 'price', 'status', 'tapId', 'ticketId'],
  'duplicate rejected': ['outcome', 'reason', 'status', 'tapId'],
  'duplicate failed': ['outcome', 'reason', 'status', 'tapId'],
  conflict: ['status', 'tapId'],
};

/** A result's outcome as a duplicate of it would carry it; `undefined` for a conflict. */
function outcomeOf(result: TapResult): Record<string, unknown> | undefined {
  if (result.status === 'conflict') return undefined;
  const { tapId: _tapId, status, ...rest } = result;
  return status === 'duplicate' ? rest : { outcome: status, ...rest };
}

/** The fields that make a tap the same tap again (a duplicate) rather than another under its id (a conflict). */
function contentOf(tap: Record<string, unknown>): string {
  return JSON.stringify([tap.machineId, tap.customerId, tap.rideId, tap.tappedAt]);
}

/**
 * A 200 (never a 202: there is no accepted-but-pending any more) with one result per tap in request order, each of
 * a known shape; a tap id repeated in the request answers its later copy from the first: `duplicate` with the same
 * outcome when it is the same tap, else `conflict` (unless the first was refused as stale, see below).
 */
function checkTapResults(request: FuzzRequest, answer: FuzzAnswer, what: string): void {
  expect(answer.status, what).toBe(200);
  const sent = sentFields(request) as unknown;
  const taps = (Array.isArray(sent) ? sent : [sent]) as Array<Record<string, unknown>>;
  const body = JSON.parse(answer.text) as { taps: TapResult[] };
  expect(Object.keys(body), what).toEqual(['taps']);
  expect(body.taps.map((r) => r.tapId), what).toEqual(taps.map((t) => t.tapId));
  const firstAt = new Map<unknown, number>();
  body.taps.forEach((result, i) => {
    const kind = result.status === 'duplicate' ? `duplicate ${result.outcome}` : result.status;
    expect(Object.keys(result).sort(), what).toEqual(RESULT_KEYS[kind]);
    const tap = taps[i]!;
    const first = firstAt.get(tap.tapId);
    if (first === undefined) {
      firstAt.set(tap.tapId, i);
      return;
    }
    const earlier = body.taps[first]!;
    // A tap refused as stale may not be recorded at all (src/store/tap-window.ts): a copy is then decided anew.
    if (earlier.status === 'rejected' && earlier.reason === 'stale_tap') return;
    if (contentOf(taps[first]!) !== contentOf(tap)) {
      // Other content under the id: a conflict, unless the first copy was itself a conflict with an earlier tap
      // that this copy happens to match.
      if (earlier.status !== 'conflict') expect(result.status, what).toBe('conflict');
    } else if (earlier.status === 'conflict') {
      expect(result.status, what).toBe('conflict');
    } else {
      expect(result.status, what).toBe('duplicate');
      expect(outcomeOf(result), what).toEqual(outcomeOf(earlier));
    }
  });
}

function sentFields(request: FuzzRequest): Record<string, unknown> {
  const text = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body);
  return JSON.parse(text.replace(/^\ufeff/, '')) as Record<string, unknown>;
}

/**
 * After a 2xx PUT, the store holds exactly what the answer said, and the name is the one sent.
 *
 * @example
 * if (answer.status < 300) checkReadBack(target, request, answer);
 */
export function checkReadBack(target: FuzzTarget, request: FuzzRequest, answer: FuzzAnswer): void {
  if (request.readBack === undefined || answer.status >= 300) return;
  const what = describeExchange(request, answer);
  const acknowledged = JSON.parse(answer.text) as Record<string, unknown>;
  const { kind, id } = request.readBack;
  if (kind === 'customer') {
    const stored = target.engine.getCustomer(id);
    // The balance moves with taps still in flight; name and tier only with PUTs.
    expect({ name: stored?.name, tier: stored?.tier }, what).toEqual({ name: acknowledged.name, tier: acknowledged.tier });
    expect(stored?.name, what).toBe(sentFields(request).name);
  } else if (kind === 'ride') {
    const stored = target.engine.listRides().find((ride) => ride.id === id);
    expect(stored, what).toEqual(acknowledged);
    expect(stored?.name, what).toBe(sentFields(request).name);
  } else {
    const stored = target.store.loadCatalog().machines[id];
    expect(stored, what).toEqual(acknowledged);
    expect(stored?.publicKey, what).toBe(sentFields(request).publicKey);
  }
}
