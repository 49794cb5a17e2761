/**
 * In-process requests against the app (`app.request`) and the error-shape assertion every error test uses. Every
 * answer `call` receives is checked against the route's declared answers (contract.ts): a test fails on an
 * undeclared status or a body that does not match its schema.
 */
import type { IncomingMessage } from 'node:http';
import { expect } from 'vitest';
import { createApp, type CreatedApp } from '../../src/http/app.ts';
import { VirtualClock } from '../../src/platform/virtual-clock.ts';
import type { Tap } from '../../src/domain/types.ts';
import { rateLimiters, type RateLimitConfig } from '../../src/auth/rate-limiter.ts';
import { checkContract } from './contract.ts';
import { FakeEngine } from './fake-engine.ts';
import { testAuth, type TestAuth } from './memory-tokens.ts';

export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface Harness extends CreatedApp {
  engine: FakeEngine;
  clock: VirtualClock;
  /** The app's tokens; `call` sends `tokens.admin` unless the headers carry an `authorization` of their own. */
  tokens: TestAuth;
  /**
   * Sends `body` as JSON unless it is already a string (sent as is); from `address` as the socket would say, or
   * from no socket at all (the app sees 'unknown').
   */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>, address?: string): Promise<Answer>;
}

export interface HarnessOptions {
  waitTimeoutMs?: number;
  internalErrors?: unknown[];
  /** Rate limits on the harness's virtual clock, built as the server builds them; a limit absent is none. */
  rateLimits?: Partial<RateLimitConfig>;
  corsOrigins?: string[];
}

export function harness(options: HarnessOptions = {}): Harness {
  const engine = new FakeEngine();
  const clock = new VirtualClock(1_000);
  const off = { ratePerMinute: 0, burst: 1 };
  const limits = { customer: off, machine: off, admin: off, manager: off, unauthenticated: off, ...options.rateLimits };
  const tokens = testAuth(clock, rateLimiters(clock, limits), (scope) => {
    if (scope.role === 'customer') return engine.customers.has(scope.customerId);
    return scope.role === 'admin' || scope.role === 'manager' || engine.machines.has(scope.machineId);
  });
  const created = createApp({
    engine,
    clock,
    auth: tokens.auth,
    ...(options.corsOrigins !== undefined && { corsOrigins: options.corsOrigins }),
    heartbeatMs: 15_000,
    sseBufferBytes: 1 << 20,
    ...(options.waitTimeoutMs !== undefined && { waitTimeoutMs: options.waitTimeoutMs }),
    onInternalError: (error) => options.internalErrors?.push(error),
  });
  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, address?: string) {
    const authorization = Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
    const init: RequestInit = { method, headers: { ...(!authorization && bearer(tokens.admin)), ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
    // Only the socket's remoteAddress is read from these bindings (getConnInfo).
    const bindings = address === undefined ? undefined : { incoming: { socket: { remoteAddress: address } } as IncomingMessage };
    const res = await created.app.request(path, init, bindings);
    const text = await res.text();
    let parsed: unknown = text;
    const json = (res.headers.get('content-type') ?? '').includes('application/json');
    if (text !== '' && json) parsed = JSON.parse(text) as unknown;
    checkContract(created.app, method, path, res.status, res.headers.get('content-type') ?? '', parsed);
    return { status: res.status, headers: res.headers, body: parsed };
  }
  return { ...created, engine, clock, tokens, call };
}

/** The Authorization header of `token`. @example call('GET', path, undefined, bearer(secret)) */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** Asserts the one error shape, the status and the stable code. */
export function expectError(answer: Answer, status: number, code: string): void {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toContain('application/json');
  const body = answer.body as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
}

export function tap(n: number, overrides: Partial<Tap> = {}): Tap {
  return {
    tapId: `tap-${n}`,
    customerId: 'c-1',
    rideId: 'carousel',
    machineId: 'gate-1',
    tappedAt: '2026-11-22T10:00:00+01:00',
    ...overrides,
  };
}

export function seedCustomer(engine: FakeEngine, id = 'c-1'): void {
  engine.customers.set(id, { id, name: 'Ada', tier: 'standard', balance: 1_000, currency: 'EUR' });
}
