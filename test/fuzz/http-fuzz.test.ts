/**
 * Property-based fuzzing of the HTTP API against a real engine: thousands of generated, mostly wrong requests
 * (malformed JSON, wrong types, missing and extra fields, over-long strings, absurd amounts, batches over 1000,
 * bytes that are not UTF-8, weird paths, bad Last-Event-IDs, unknown routes and methods). Every answer is a 4xx
 * `{ error: { code, message } }` (or a 2xx for a request that happened to be valid: for taps a 200 with each tap
 * decided), never a 5xx; afterwards nothing is half-written, the tickets answered are the ones stored, and the
 * ledger adds up.
 *
 * Seeded: `SEED=1234 npx vitest run test/fuzz` replays a run; fast-check prints the seed of a failing one.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_BYTES_MAX } from '../../src/http/app.ts';
import { systemContext } from '../../src/platform/context.ts';
import { TAP_WINDOW_DEFAULTS } from '../../src/store/ticket-store.ts';
import { checkAnswer, checkReadBack } from './answer-checks.ts';
import { fromOtherCallers } from './caller-requests.ts';
import { bareRequest, jsonRequest, type FuzzRequest } from './fuzz-request.ts';
import { startFuzzTarget, type FuzzTarget } from './fuzz-target.ts';
import { rawBodyRequests, routingRequests } from './raw-requests.ts';
import {
  bookingRequests,
  catalogRequests, customerRequests, deadLetterRequests, eventsRequests, showRequests, tapRequests, tokenRequests,
} from './route-requests.ts';

const SEED_DEFAULT = 20_261_122;

function seedFromEnv(): number {
  const text = process.env.SEED;
  if (text === undefined || text === '') return SEED_DEFAULT;
  const seed = Number(text);
  if (!Number.isSafeInteger(seed)) throw new Error(`SEED must be an integer, got ${text}`);
  return seed;
}

const seed = seedFromEnv();
let target: FuzzTarget;

beforeAll(async () => {
  target = await startFuzzTarget();
});

afterAll(async () => {
  await target?.close();
});

/** Each run sends 1-4 requests at once (concurrent requests must not half-write either) and checks every answer. */
async function fuzz(requests: fc.Arbitrary<FuzzRequest>, numRuns: number): Promise<void> {
  const property = fc.asyncProperty(fc.array(requests, { minLength: 1, maxLength: 4 }), async (batch) => {
    const answers = await Promise.all(batch.map((request) => target.send(request)));
    const writes = batch.map((r) => `${r.method} ${r.path}`);
    batch.forEach((request, i) => {
      const answer = answers[i]!;
      checkAnswer(request, answer);
      // Two PUTs of one resource in the same run race; which one the store keeps is not this test's business.
      if (writes.filter((w) => w === writes[i]).length === 1) checkReadBack(target, request, answer);
    });
  });
  await fc.assert(property, { seed, numRuns });
}

describe(`HTTP API under generated bad input (seed ${seed})`, () => {
  it('POST /v1/taps and GET /v1/taps/:tapId', () => fuzz(tapRequests, 700));
  it('customers: GET, PUT, top-ups, tickets with limit and cursor', () => fuzz(customerRequests, 600));
  it('events: a bad Last-Event-ID is a 400 before any stream opens', () => fuzz(eventsRequests, 400));
  it('catalog: rides and machines', () => fuzz(catalogRequests, 400));
  it('shows: search with every query parameter, read, create or replace', () => fuzz(showRequests, 400));
  it('dead letters: list with reason, limit and cursor; read; replay', () => fuzz(deadLetterRequests, 400));
  it('tokens: create, list, revoke', () => fuzz(tokenRequests, 300));
  it('box office: bookings, pay, cancel, payments and the webhook, waiting list, check-in', () => fuzz(bookingRequests, 700));
  it('bodies that are not JSON, not UTF-8, or any JSON value', () => fuzz(rawBodyRequests, 700));
  it('unknown routes and wrong methods', () => fuzz(routingRequests, 400));
  it('callers without a token, with a bad one, or with too little scope', () => {
    const anyRoute = fc.oneof(tapRequests, customerRequests, eventsRequests, catalogRequests, showRequests, deadLetterRequests, tokenRequests, bookingRequests, routingRequests);
    return fuzz(fromOtherCallers(anyRoute), 500);
  });

  it('bodies over 1 MiB are 413, with or without Content-Length, as text or bytes', async () => {
    const tap = { tapId: 'fz-big-1', customerId: 'customer-1', rideId: 'ride-a', machineId: 'gate-1', tappedAt: new Date().toISOString() };
    const big = JSON.stringify([tap]).padEnd(BODY_BYTES_MAX + 1, ' ');
    const requests: FuzzRequest[] = [
      jsonRequest('POST', '/v1/taps', [tap], true, [tap.tapId]),
      jsonRequest('POST', '/v1/taps', [tap], true, [tap.tapId]),
      jsonRequest('PUT', '/v1/customers/fz-big-c', { name: 'n'.repeat(BODY_BYTES_MAX), tier: 'standard', balance: 1 }, true),
      jsonRequest('PUT', '/v1/rides/fz-big-r', {}, true),
    ];
    requests[0]!.body = big;
    requests[1]!.body = new TextEncoder().encode(big);
    requests[1]!.headers['content-length'] = String(BODY_BYTES_MAX + 1);
    requests[3]!.body = new Uint8Array(BODY_BYTES_MAX + 10).fill(0x20);
    for (const request of requests) {
      const answer = await target.send(request);
      checkAnswer(request, answer);
      expect(answer.status).toBe(413);
    }
    expect(target.engine.getCustomer('fz-big-c')).toBeUndefined();
  });

  // Runs last (vitest keeps the order within a file), over everything the cases above sent.
  it('afterwards: nothing half-written, every tap decided as answered, balances match the ledger, no internal error', async () => {
    const { engine, store, answeredTapIds, refusedTapIds, answeredTickets, tappedAtMs } = target;
    // Every request has been answered, and an answer comes only once its taps are decided: nothing may be in flight.
    expect(engine.flow.inFlight).toBe(0);
    expect(engine.readiness()).toEqual({ ready: true });
    expect((await target.send(bareRequest('GET', '/v1/rides', false))).status).toBe(200); // the admin token still works

    // A refused request decided none of its taps (unless another, answered request carried the same id).
    const leaked = [...refusedTapIds].filter((id) => !answeredTapIds.has(id) && store.getTapState(id) !== undefined);
    expect(leaked).toEqual([]);
    // Every tap in the store came in through an answered request, and each is decided with a consistent state;
    // only a tap tapped longer ago than the window of recent taps may be unknown (forgotten, or never recorded).
    const forgottenBeforeMs = systemContext.clock.now() - TAP_WINDOW_DEFAULTS.horizonMs;
    for (const tapId of answeredTapIds) {
      const state = store.getTapState(tapId);
      if (state === undefined) {
        expect(tappedAtMs.get(tapId)! < forgottenBeforeMs, `${tapId} is unknown to the store`).toBe(true);
        continue;
      }
      expect(state?.tapId).toBe(tapId);
      expect(['issued', 'rejected', 'failed']).toContain(state?.status);
      if (state?.status === 'issued') {
        expect(state.ticket?.tapId).toBe(tapId);
        expect(Number.isInteger(state.ticket?.price) && state.ticket!.price >= 0).toBe(true);
      } else {
        expect(typeof state?.reason).toBe('string');
      }
    }
    // A ticket an answer named is the one the store holds (an issued tap is never decided again).
    for (const [tapId, ticket] of answeredTickets) {
      const stored = store.getTapState(tapId)?.ticket;
      expect({ tapId, ticketId: stored?.ticketId, price: stored?.price }).toEqual({ tapId, ...ticket });
    }
    for (const audit of store.auditBalances()) {
      expect(audit.balance).toBe(audit.ledgerSum);
      expect(audit.balance).toBeGreaterThanOrEqual(0);
    }
    expect(target.internalErrors).toEqual([]);

    const statuses = [...target.statusCounts.entries()].sort(([a], [b]) => a - b);
    const total = statuses.reduce((sum, [, n]) => sum + n, 0);
    const valid = statuses.filter(([s]) => s < 300).reduce((sum, [, n]) => sum + n, 0);
    console.log(
      `http-fuzz (seed ${seed}): ${total} requests, ${valid} happened to be valid (2xx); by status ${JSON.stringify(Object.fromEntries(statuses))} ` +
        `(every 500 is sse_unavailable from the events route, which has no Node response under app.request); ` +
        `${answeredTapIds.size} tap ids answered (${answeredTickets.size} with a ticket), ${refusedTapIds.size} refused`,
    );
    expect(total).toBeGreaterThan(3_000);
  });
});
