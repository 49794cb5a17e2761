/**
 * What every answer must be: a 4xx (or a 2xx when the request happened to be valid), never a 5xx; an error is
 * exactly `{ error: { code, message } }`; and what a 2xx PUT acknowledged is what the store then holds.
 */
import { expect } from 'vitest';
import type { FuzzAnswer, FuzzTarget } from './fuzz-target.ts';
import type { FuzzRequest } from './fuzz-request.ts';

function describeExchange(request: FuzzRequest, answer: FuzzAnswer): string {
  const body = typeof request.body === 'string' ? request.body : request.body === undefined ? '' : `<${request.body.length} bytes>`;
  return `${request.method} ${request.path.slice(0, 200)} ${body.slice(0, 200)} → ${answer.status} ${answer.text.slice(0, 300)}`;
}

/** The error body's code; fails unless the body is exactly `{ error: { code, message } }` with non-empty strings. */
function errorCode(answer: FuzzAnswer, what: string): string {
  expect(answer.contentType, what).toContain('application/json');
  const body = JSON.parse(answer.text) as { error?: { code?: unknown; message?: unknown } };
  expect(Object.keys(body), what).toEqual(['error']);
  expect(Object.keys(body.error ?? {}).sort(), what).toEqual(['code', 'message']);
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
  expect(() => JSON.parse(answer.text), what).not.toThrow();
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
