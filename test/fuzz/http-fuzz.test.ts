/**
 * Property-based fuzzing of the HTTP API against a real engine: thousands of generated, mostly wrong requests
 * (malformed JSON, wrong types, missing and extra fields, over-long strings, absurd amounts, batches over 1000,
 * bytes that are not UTF-8, weird paths, bad Last-Event-IDs, unknown routes and methods). Every answer is a 4xx
 * `{ error: { code, message } }` (or a 2xx for a request that happened to be valid), never a 5xx; afterwards
 * nothing is half-written and the ledger adds up.
 *
 * Seeded: `SEED=1234 npx vitest run test/fuzz` replays a run; fast-check prints the seed of a failing one.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_BYTES_MAX } from '../../src/http/app.ts';
import { checkAnswer, checkReadBack } from './answer-checks.ts';
import { fromOtherCallers } from './caller-requests.ts';
import { bareRequest, jsonRequest, type FuzzRequest } from './fuzz-request.ts';
import { startFuzzTarget, type FuzzTarget } from './fuzz-target.ts';
import { rawBodyRequests, routingRequests } from './raw-requests.ts';
import {
  catalogRequests, customerRequests, deadLetterRequests, eventsRequests, tapRequests, tokenRequests,
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
  it('dead letters: list with reason, limit and cursor; read; replay', () => fuzz(deadLetterRequests, 400));
  it('tokens: create, list, revoke', () => fuzz(tokenRequests, 300));
  it('bodies that are not JSON, not UTF-8, or any JSON value', () => fuzz(rawBodyRequests, 700));
  it('unknown routes and wrong methods', () => fuzz(routingRequests, 400));
  it('callers without a token, with a bad one, or with too little scope', () => {
    const anyRoute = fc.oneof(tapRequests, customerRequests, eventsRequests, catalogRequests, deadLetterRequests, tokenRequests, routingRequests);
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
  it('afterwards: nothing half-written, every tap decided, balances match the ledger, no internal error', async () => {
    const { engine, store, acceptedTapIds, refusedTapIds } = target;
    await target.drain(10_000);
    expect(engine.flow.inFlight).toBe(0);
    expect(store.pendingTaps(0, 1_000)).toEqual([]);
    expect(engine.readiness()).toEqual({ ready: true });
    expect((await target.send(bareRequest('GET', '/v1/rides', false))).status).toBe(200); // the admin token still works

    // A refused request journaled none of its taps (unless another, accepted request carried the same id).
    const leaked = [...refusedTapIds].filter((id) => !acceptedTapIds.has(id) && store.getTapState(id) !== undefined);
    expect(leaked).toEqual([]);
    // Every tap in the store came in through an accepted request, and each is decided with a consistent state.
    for (const tapId of acceptedTapIds) {
      const state = store.getTapState(tapId);
      expect(state?.tapId).toBe(tapId);
      expect(['issued', 'rejected', 'failed']).toContain(state?.status);
      if (state?.status === 'issued') {
        expect(state.ticket?.tapId).toBe(tapId);
        expect(Number.isInteger(state.ticket?.price) && state.ticket!.price >= 0).toBe(true);
      } else {
        expect(typeof state?.reason).toBe('string');
      }
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
        `${acceptedTapIds.size} tap ids accepted, ${refusedTapIds.size} refused`,
    );
    expect(total).toBeGreaterThan(3_000);
  });
});
