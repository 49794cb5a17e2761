import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../src/pipeline/engine-api.ts';
import type { DeadLetter } from '../../src/store/store-types.ts';
import { expectError, harness, seedCustomer, tap } from './helpers.ts';

function deadLetter(id: number, reason: string): DeadLetter {
  return {
    id,
    tapId: `tap-${id}`,
    tap: tap(id),
    reason,
    attempts: 3,
    firstAt: '2026-11-22T09:00:00Z',
    lastAt: '2026-11-22T09:01:00Z',
    status: 'open',
  };
}

describe('health and readiness', () => {
  it('GET /health is always ok; /ready follows the engine', async () => {
    const h = harness();
    expect(await h.call('GET', '/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await h.call('GET', '/ready')).toMatchObject({ status: 200, body: { ready: true } });
    h.engine.ready = { ready: false, reason: 'starting' };
    expect(await h.call('GET', '/ready')).toMatchObject({ status: 503, body: { ready: false, reason: 'starting' } });
  });
});

describe('rides and machines', () => {
  it('PUT creates a ride (201), replaces it (200), and the list has it', async () => {
    const h = harness();
    const put = await h.call('PUT', '/v1/rides/carousel', { name: 'Carousel', price: 500, open: true });
    expect(put).toMatchObject({ status: 201, body: { id: 'carousel', name: 'Carousel', price: 500, open: true } });
    const replaced = await h.call('PUT', '/v1/rides/carousel', { name: 'Carousel', price: 600, open: true });
    expect(replaced).toMatchObject({ status: 200, body: { id: 'carousel', price: 600 } });
    const list = await h.call('GET', '/v1/rides');
    expect(list).toMatchObject({ status: 200, body: { rides: [replaced.body] } });
    expect(await h.call('GET', '/v1/rides/')).toMatchObject({ status: 200, body: { rides: [replaced.body] } });
  });

  it.each([
    [{ name: 'Carousel', price: 5.5, open: true }, 'invalid_field'],
    [{ name: 'Carousel', price: 500, open: 'yes' }, 'invalid_field'],
    [{ name: '', price: 500, open: true }, 'invalid_field'],
    [{ name: 'Carousel', price: 500, open: true, colour: 'red' }, 'unknown_field'],
  ])('PUT ride rejects %j', async (body, code) => {
    const h = harness();
    expectError(await h.call('PUT', '/v1/rides/carousel', body), 400, code);
    expect(h.engine.rides.size).toBe(0);
  });

  it('PUT a machine with and without an Ed25519 key; refuses other keys', async () => {
    const h = harness();
    expect(await h.call('PUT', '/v1/machines/gate-1', {})).toMatchObject({ status: 201, body: { id: 'gate-1' } });
    expect(await h.call('PUT', '/v1/machines/gate-1', {})).toMatchObject({ status: 200, body: { id: 'gate-1' } });
    const pem = generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const keyed = await h.call('PUT', '/v1/machines/gate-2', { publicKey: pem });
    expect(keyed).toMatchObject({ status: 201, body: { id: 'gate-2', publicKey: pem } });
    expect(await h.call('GET', '/v1/machines')).toMatchObject({
      status: 200, body: { machines: [{ id: 'gate-1' }, { id: 'gate-2', publicKey: pem }] },
    });
    expectError(await h.call('PUT', '/v1/machines/gate-3', { publicKey: 'not a key' }), 400, 'invalid_field');
    expectError(await h.call('PUT', '/v1/machines/gate 3', {}), 400, 'invalid_field');
  });
});

describe('dead letters', () => {
  it('lists (filtered, paged) and reads one', async () => {
    const h = harness();
    h.engine.deadLetters.set(1, deadLetter(1, 'worker_failed'));
    h.engine.deadLetters.set(2, deadLetter(2, 'ride_closed'));
    const all = await h.call('GET', '/v1/dead-letters');
    expect(all.status).toBe(200);
    expect((all.body as { deadLetters: DeadLetter[] }).deadLetters.map((d) => d.id)).toEqual([1, 2]);
    const filtered = await h.call('GET', '/v1/dead-letters?reason=ride_closed');
    expect(filtered.body).toEqual({ deadLetters: [deadLetter(2, 'ride_closed')], nextCursor: null });
    const paged = await h.call('GET', '/v1/dead-letters?limit=1');
    expect((paged.body as { nextCursor: string }).nextCursor).toBe('k1.MQ');
    const one = await h.call('GET', '/v1/dead-letters/2');
    expect(one).toMatchObject({ status: 200, body: deadLetter(2, 'ride_closed') });
  });

  it("replays one: answers the tap's new state; the same letter stays open while its tap is rejected again", async () => {
    const h = harness();
    h.engine.deadLetters.set(2, deadLetter(2, 'ride_closed'));
    h.engine.rides.set('carousel', { id: 'carousel', name: 'Carousel', price: 500, open: false });
    seedCustomer(h.engine);
    const again = await h.call('POST', '/v1/dead-letters/2/replay');
    expect(again).toMatchObject({ status: 200, body: { tapId: 'tap-2', status: 'rejected', reason: 'ride_closed' } });
    const open = await h.call('GET', '/v1/dead-letters');
    expect(open.body).toMatchObject({ deadLetters: [{ id: 2, status: 'open', attempts: 4 }] });
    h.engine.rides.set('carousel', { id: 'carousel', name: 'Carousel', price: 500, open: true });
    const issued = await h.call('POST', '/v1/dead-letters/2/replay');
    expect(issued).toMatchObject({ status: 200, body: { tapId: 'tap-2', status: 'issued', ticket: { tapId: 'tap-2', price: 500 } } });
    expect((await h.call('GET', '/v1/dead-letters/2')).body).toMatchObject({ id: 2, status: 'replayed', attempts: 4 });
  });

  it('answers 404, 409 and 400 for unknown, replayed and malformed ids', async () => {
    const h = harness();
    expectError(await h.call('GET', '/v1/dead-letters/9'), 404, 'unknown_dead_letter');
    h.engine.failNext('replayDeadLetter', new EngineError('ERR_UNKNOWN_DEAD_LETTER', 'no dead letter 9'));
    expectError(await h.call('POST', '/v1/dead-letters/9/replay'), 404, 'unknown_dead_letter');
    h.engine.failNext('replayDeadLetter', new EngineError('ERR_ALREADY_REPLAYED', 'dead letter 9 was replayed'));
    expectError(await h.call('POST', '/v1/dead-letters/9/replay'), 409, 'already_replayed');
    for (const id of ['0', '-1', '1.5', 'abc', '1e3', '9999999999999999']) {
      expectError(await h.call('GET', `/v1/dead-letters/${id}`), 400, 'invalid_field');
    }
    expectError(await h.call('GET', '/v1/dead-letters?limit=1001'), 400, 'invalid_query');
    expectError(await h.call('GET', '/v1/dead-letters?reason='), 400, 'invalid_query');
    // A reason no dead letter can have is a mistake, not an empty list.
    const bogus = await h.call('GET', '/v1/dead-letters?reason=bogus');
    expectError(bogus, 400, 'invalid_query');
    expect((bogus.body as { error: { message: string } }).error.message).toMatch(/^reason: must be one of unknown_machine, /);
  });
});
