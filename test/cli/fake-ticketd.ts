import { expect } from 'vitest';
import type { FetchLike } from '../../src/cli/http-client.ts';
import { STALE_AGE_MS, UNKNOWN_CUSTOMER, UNKNOWN_RIDE } from '../../src/cli/tap-generator.ts';
import type { Tap } from '../../src/domain/types.ts';
import type { VirtualClock } from '../../src/platform/virtual-clock.ts';
import type { DecidedOutcome, TapResult } from '../../src/store/store-types.ts';

export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeRequest {
  atMs: number;
  taps: Tap[];
  /** The request's Authorization header, if it had one. */
  authorization?: string;
}

export interface FakeServerOptions {
  /** Virtual milliseconds request `index` (0-based) takes; default 5. */
  latencyMs?: (index: number) => number;
  /** An answer other than the usual 200 with outcomes for request `index` (the taps it carries decide nothing). */
  answer?: (index: number, taps: Tap[]) => Answer | undefined;
}

/** The fake's price of every ride, and every customer's opening balance. */
export const FAKE_PRICE = 500;
const FAKE_BALANCE = 1_000_000_000;

/**
 * A fake `POST /v1/taps` in virtual time at http://ticketd.test that decides taps like the real one, in miniature:
 * the simulator's unknown ride or customer and taps older than its stale age are rejected with that reason, the rest
 * issued at FAKE_PRICE (signatures are not checked); a tap id seen before is a `duplicate` with its first outcome
 * (same machine, customer, ride and tappedAt) or a `conflict`. It answers 200 after `latencyMs` once the request's
 * taps are decided (at arrival), honours the request's abort signal, and tracks how many requests are in flight.
 */
export function fakeServer(clock: VirtualClock, opts: FakeServerOptions = {}) {
  const decided = new Map<string, { content: string; outcome: DecidedOutcome }>();
  const balances = new Map<string, number>();
  const requests: FakeRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let tickets = 0;

  function decide(tap: Tap): TapResult {
    const content = JSON.stringify([tap.machineId, tap.customerId, tap.rideId, tap.tappedAt]);
    const first = decided.get(tap.tapId);
    if (first !== undefined) {
      return first.content === content ? { tapId: tap.tapId, status: 'duplicate', ...first.outcome } : { tapId: tap.tapId, status: 'conflict' };
    }
    let outcome: DecidedOutcome;
    if (tap.rideId === UNKNOWN_RIDE) outcome = { outcome: 'rejected', reason: 'unknown_ride' };
    else if (tap.customerId === UNKNOWN_CUSTOMER) outcome = { outcome: 'rejected', reason: 'unknown_customer' };
    else if (Date.parse(tap.tappedAt) <= clock.now() - STALE_AGE_MS) outcome = { outcome: 'rejected', reason: 'stale_tap' };
    else {
      const balanceAfter = (balances.get(tap.customerId) ?? FAKE_BALANCE) - FAKE_PRICE;
      balances.set(tap.customerId, balanceAfter);
      outcome = { outcome: 'issued', ticketId: `tk-${++tickets}`, price: FAKE_PRICE, balanceAfter };
    }
    decided.set(tap.tapId, { content, outcome });
    if (outcome.outcome === 'issued') {
      const { ticketId, price, balanceAfter } = outcome;
      return { tapId: tap.tapId, status: 'issued', ticketId, price, balanceAfter };
    }
    return { tapId: tap.tapId, status: outcome.outcome, reason: outcome.reason };
  }

  const fetch: FetchLike = (url, init) => {
    expect(url).toBe('http://ticketd.test/v1/taps');
    expect(init.method).toBe('POST');
    const index = requests.length;
    const taps = JSON.parse(init.body as string) as Tap[];
    const authorization = (init.headers as Record<string, string> | undefined)?.authorization;
    requests.push({ atMs: clock.now(), taps, ...(authorization !== undefined && { authorization }) });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const special = opts.answer?.(index, taps);
    const results = special === undefined ? taps.map(decide) : [];
    return new Promise<Response>((resolve, reject) => {
      const timer = clock.setTimer(() => {
        inFlight--;
        if (special !== undefined) {
          const init = { status: special.status, headers: special.headers ?? {} };
          resolve(new Response(JSON.stringify(special.body ?? {}), init));
          return;
        }
        resolve(new Response(JSON.stringify({ taps: results }), { status: 200 }));
      }, opts.latencyMs?.(index) ?? 5);
      init.signal?.addEventListener('abort', () => {
        clock.clearTimer(timer);
        inFlight--;
        reject(new DOMException('aborted', 'AbortError'));
      });
    });
  };
  return { fetch, requests, decided, maxInFlight: () => maxInFlight };
}
