import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, collectEvents, startBinary, tap, type RunningBinary } from './binary.ts';

type Outcome = { tapId: string; status: string; reason?: string; ticket?: { price: number; balanceAfter: number } };
type TapsAnswer = { taps: Array<{ tapId: string; status: string }>; outcomes?: Outcome[] };

let ticketd: RunningBinary;
beforeAll(async () => {
  ticketd = await startBinary();
});
afterAll(async () => {
  const code = await ticketd.stop('SIGTERM');
  expect(code).toBe(0);
  fs.rmSync(ticketd.dataDir, { recursive: true, force: true });
});

describe('ticketd, the real binary over HTTP and SSE', () => {
  it('is healthy and ready, and refuses malformed input with a JSON error', async () => {
    expect(await api(`${ticketd.url}/health`, 'GET')).toMatchObject({ status: 200 });
    expect(await api(`${ticketd.url}/ready`, 'GET')).toMatchObject({ status: 200, body: { ready: true } });
    const bad = await api<{ error: { code: string } }>(`${ticketd.url}/v1/taps`, 'POST', { tapId: 'x' });
    expect(bad.status).toBe(400);
    expect(typeof bad.body.error.code).toBe('string');
  });

  it('notifies issued and rejected taps over SSE with the right prices and balances', async () => {
    const stream = collectEvents(`${ticketd.url}/v1/customers/customer-3/events`, 5);
    await stream.connected; // registered before the taps go in
    const answer = await api<TapsAnswer>(`${ticketd.url}/v1/taps?wait=true`, 'POST', [
      tap('bb-1', 'customer-3', 'ride-e'), // season pass: 20.00 → 10.00
      tap('bb-2', 'customer-3', 'ride-nope'),
      tap('bb-3', 'customer-3', 'ride-a'), // 5.00 → 2.50
    ]);
    expect(answer.status).toBe(200);
    const received = await stream.events;
    expect(received.map((e) => e.event)).toEqual(['ticket.issued', 'balance.changed', 'ticket.rejected', 'ticket.issued', 'balance.changed']);
    expect(received[0]!.data).toMatchObject({ tapId: 'bb-1', basePrice: 2_000, balanceAfter: 9_000 });
    expect(received[2]!.data).toMatchObject({ tapId: 'bb-2', reason: 'unknown_ride' });
    expect(received[4]!.data).toMatchObject({ balance: 8_750 });
    const ids = received.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('a resume with Last-Event-ID loses nothing and repeats nothing', async () => {
    const url = `${ticketd.url}/v1/customers/customer-4/events`;
    const first = collectEvents(url, 4);
    await first.connected;
    await api(`${ticketd.url}/v1/taps?wait=true`, 'POST', [tap('rs-1', 'customer-4', 'ride-a'), tap('rs-2', 'customer-4', 'ride-b')]);
    const seen = await first.events; // the connection drops after 4 events
    const lastId = seen[1]!.id; // pretend only the first two were processed before the drop
    const posted = api(`${ticketd.url}/v1/taps?wait=true`, 'POST', [tap('rs-3', 'customer-4', 'ride-c')]);
    const resumed = await collectEvents(url, 4, { lastEventId: lastId }).events;
    await posted;
    expect(resumed.map((e) => e.id)).toEqual([seen[2]!.id, seen[3]!.id, ...resumed.slice(2).map((e) => e.id)]);
    expect(resumed.slice(2).map((e) => e.data.tapId ?? (e.data.cause as { tapId: string }).tapId)).toEqual(['rs-3', 'rs-3']);
    const all = [...seen.slice(0, 2), ...resumed].map((e) => e.id);
    expect(new Set(all).size).toBe(all.length);
  });

  it('charges a duplicate tap once', async () => {
    const before = await api<{ balance: number }>(`${ticketd.url}/v1/customers/customer-5`, 'GET');
    const once = await api<TapsAnswer>(`${ticketd.url}/v1/taps?wait=true`, 'POST', [tap('dup-1', 'customer-5', 'ride-b')]);
    const again = await api<TapsAnswer>(`${ticketd.url}/v1/taps?wait=true`, 'POST', [tap('dup-1', 'customer-5', 'ride-b')]);
    const after = await api<{ balance: number }>(`${ticketd.url}/v1/customers/customer-5`, 'GET');
    expect(once.body.taps[0]!.status).toBe('accepted');
    expect(again.body.taps[0]!.status).toBe('duplicate');
    expect(before.body.balance - after.body.balance).toBe(1_000);
    const state = await api<Outcome>(`${ticketd.url}/v1/taps/dup-1`, 'GET');
    expect(state.body).toMatchObject({ status: 'issued', ticket: { price: 1_000 } });
  });

  it('replays a dead letter after its ride is added', async () => {
    const rejected = await api<TapsAnswer>(`${ticketd.url}/v1/taps?wait=true`, 'POST', [tap('dl-1', 'customer-6', 'ride-f')]);
    expect(rejected.body.outcomes![0]).toMatchObject({ status: 'rejected', reason: 'unknown_ride' });
    const list = await api<{ deadLetters: Array<{ id: number; tapId: string }> }>(`${ticketd.url}/v1/dead-letters?reason=unknown_ride`, 'GET');
    const dead = list.body.deadLetters.find((d) => d.tapId === 'dl-1')!;
    expect((await api(`${ticketd.url}/v1/rides/ride-f`, 'PUT', { name: 'Ferris Wheel', price: 800, open: true })).status).toBe(200);
    const replayed = await api<Outcome>(`${ticketd.url}/v1/dead-letters/${dead.id}/replay`, 'POST');
    expect(replayed.status).toBe(200);
    expect(replayed.body).toMatchObject({ tapId: 'dl-1', status: 'issued', ticket: { price: 800, balanceAfter: 9_200 } });
    const tickets = await api<{ tickets: Array<{ tapId: string }> }>(`${ticketd.url}/v1/customers/customer-6/tickets`, 'GET');
    expect(tickets.body.tickets.map((t) => t.tapId)).toContain('dl-1');
  });
});

describe('ticketd with --writer thread', () => {
  it('issues, notifies and charges once with the journal and group commit on their own thread', async () => {
    const threaded = await startBinary({ args: ['--writer', 'thread'] });
    try {
      const stream = collectEvents(`${threaded.url}/v1/customers/customer-2/events`, 2);
      await stream.connected;
      const first = await api<TapsAnswer>(`${threaded.url}/v1/taps?wait=true`, 'POST', [tap('wt-1', 'customer-2', 'ride-c')]);
      const again = await api<TapsAnswer>(`${threaded.url}/v1/taps?wait=true`, 'POST', [tap('wt-1', 'customer-2', 'ride-c')]);
      expect(first.body.outcomes![0]).toMatchObject({ status: 'issued', ticket: { price: 1_500, balanceAfter: 8_500 } });
      expect(again.body.taps[0]!.status).toBe('duplicate');
      expect((await stream.events).map((e) => e.event)).toEqual(['ticket.issued', 'balance.changed']);
      const topUp = await api<{ status: string; customer: { balance: number } }>(`${threaded.url}/v1/customers/customer-2/top-ups`, 'POST', { topUpId: 'wt-top', amount: 500 });
      expect(topUp.body).toMatchObject({ status: 'applied', customer: { balance: 9_000 } });
    } finally {
      expect(await threaded.stop('SIGTERM')).toBe(0);
      fs.rmSync(threaded.dataDir, { recursive: true, force: true });
    }
  });
});
