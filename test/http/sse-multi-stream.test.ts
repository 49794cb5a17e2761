/**
 * Several streams per customer over a real socket: each gets every notification of its customer, resumes on its
 * own, ends on its own, and one stream past the per-customer bound is refused with 429 before anything is written.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Notification } from '../../src/store/store-types.ts';
import { until, type SseClient } from './sse-client.ts';
import { liveServer, type LiveServer } from './sse-server.ts';

let live: LiveServer | undefined;
afterEach(async () => {
  await live?.stop();
  live = undefined;
});

async function start(options?: Parameters<typeof liveServer>[0]): Promise<LiveServer> {
  live = await liveServer(options);
  return live;
}

async function opened(s: LiveServer, customerId: string, headers?: Record<string, string>): Promise<SseClient> {
  const client = await s.connect(customerId, headers);
  await client.waitFor(() => client.retryMs !== undefined, `a stream of ${customerId}`);
  return client;
}

function ids(client: SseClient): number[] {
  return client.events.map((e) => e.id);
}

function idsOf(notifications: readonly Notification[], customerId: string, afterId = 0): number[] {
  return notifications.filter((n) => n.customerId === customerId && n.id > afterId).map((n) => n.id);
}

describe('SSE, several streams per customer', () => {
  it('two streams of one customer both receive everything, batch after batch', async () => {
    const s = await start();
    const phone = await opened(s, 'c-1');
    const watch = await opened(s, 'c-1');
    const other = await opened(s, 'c-2');
    const sent: Notification[] = [];
    for (let round = 0; round < 5; round++) {
      const batch = [s.engine.commit('c-1'), s.engine.commit('c-2'), s.engine.commit('c-1')];
      sent.push(...batch);
      s.engine.notify(batch);
    }
    sent.push(s.engine.publish('c-1'));
    const expected = idsOf(sent, 'c-1');
    await phone.waitForEvents(expected.length);
    await watch.waitForEvents(expected.length);
    await other.waitForEvents(5);
    expect(ids(phone)).toEqual(expected);
    expect(ids(watch)).toEqual(expected);
    expect(ids(other)).toEqual(idsOf(sent, 'c-2'));
  });

  it('refuses a 9th stream with 429 too_many_streams, the 8 keep working; a closed one frees its place', async () => {
    const s = await start();
    const streams: SseClient[] = [];
    for (let i = 0; i < 8; i++) streams.push(await opened(s, 'c-1'));
    const other = await opened(s, 'c-2');

    const ninth = await s.connect('c-1', { 'last-event-id': '0' });
    await ninth.waitForEnd();
    expect(ninth.status).toBe(429);
    expect(ninth.headers['content-type']).toContain('application/json');
    expect(JSON.parse(ninth.text)).toEqual({ error: { code: 'too_many_streams', message: expect.any(String) } });
    expect(s.engine.afterCalls).toEqual([]); // refused before the outbox was read
    expect(s.hub.stats().connections).toBe(9);

    const n = s.engine.publish('c-1');
    for (const stream of streams) await stream.waitForEvents(1);
    for (const stream of streams) expect([ids(stream), stream.ended]).toEqual([[n.id], false]);
    expect(other.events).toEqual([]);

    streams[3]?.close();
    await until(() => s.hub.stats().connections === 8, 'the hub to drop the closed stream');
    const replacement = await opened(s, 'c-1');
    expect(replacement.status).toBe(200);
    expect(s.hub.stats().connections).toBe(9);
  });

  it('takes its bound from sseStreamsPerCustomerMax', async () => {
    const s = await start({ sseStreamsPerCustomerMax: 2 });
    await opened(s, 'c-1');
    await opened(s, 'c-1');
    const third = await s.connect('c-1');
    await third.waitForEnd();
    expect(third.status).toBe(429);
    expect(JSON.parse(third.text)).toMatchObject({ error: { code: 'too_many_streams' } });
    expect((await opened(s, 'c-2')).status).toBe(200);
  });

  it('one stream closing does not affect the other', async () => {
    const s = await start();
    const leaving = await opened(s, 'c-1');
    const staying = await opened(s, 'c-1');
    const first = s.engine.publish('c-1');
    await leaving.waitForEvents(1);
    leaving.close();
    await until(() => s.hub.stats().connections === 1, 'the hub to drop the closed stream');
    const second = s.engine.publish('c-1');
    await staying.waitForEvents(2);
    expect(ids(staying)).toEqual([first.id, second.id]);
    expect(staying.ended).toBe(false);
    expect(ids(leaving)).toEqual([first.id]);
  });

  it('one stream resumes from its Last-Event-ID gap-free while another of the customer is live', async () => {
    const s = await start();
    for (let i = 0; i < 1_200; i++) s.engine.commit(i % 3 === 2 ? 'c-2' : 'c-1');
    const live1 = await opened(s, 'c-1');
    const raced: Notification[] = [];
    s.engine.afterRead = (call) => {
      // A middle page: what commits now is both in the next page and held back (dedup); the last page: only held.
      if (call === 1 || call === 2) raced.push(s.engine.publish('c-1'), s.engine.publish('c-2'));
    };
    const resumeAfter = idsOf(s.engine.outbox, 'c-1')[10] as number;
    const outboxed = idsOf(s.engine.outbox, 'c-1', resumeAfter).length;
    const resumed = await s.connect('c-1', { 'last-event-id': String(resumeAfter) });
    await resumed.waitForEvents(outboxed + 2);
    s.engine.afterRead = undefined;
    const after = s.engine.publish('c-1');
    await resumed.waitForEvents(outboxed + 3);
    await live1.waitForEvents(3);
    const expected = idsOf(s.engine.outbox, 'c-1', resumeAfter);
    expect(expected.at(-1)).toBe(after.id);
    expect(ids(resumed)).toEqual(expected);
    expect(s.engine.afterCalls.map((c) => c.afterId)).toEqual([resumeAfter, expected[499]]);
    // The live stream got only what was published after it connected: the raced ones and the last.
    expect(ids(live1)).toEqual([...idsOf(raced, 'c-1'), after.id]);
  });

  it('close() ends every stream of every customer', async () => {
    const s = await start();
    const clients = [await opened(s, 'c-1'), await opened(s, 'c-1'), await opened(s, 'c-2')];
    s.hub.close(2_000);
    for (const client of clients) await client.waitForEnd();
    for (const client of clients) expect(client.text.endsWith('retry: 2000\n\n')).toBe(true);
    expect(s.hub.stats().connections).toBe(0);
    expect(s.clock.pendingTimers()).toBe(0);
  });
});
