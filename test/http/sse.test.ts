import { afterEach, describe, expect, it } from 'vitest';
import { EngineError } from '../../src/pipeline/engine-api.ts';
import type { Notification } from '../../src/store/store-types.ts';
import { until, type SseClient } from './sse-client.ts';
import { HEARTBEAT_MS, liveServer, type LiveServer } from './sse-server.ts';

let live: LiveServer | undefined;
afterEach(async () => {
  await live?.stop();
  live = undefined;
});

async function start(options?: Parameters<typeof liveServer>[0]): Promise<LiveServer> {
  live = await liveServer(options);
  return live;
}

/** Ids must rise strictly: no duplicate, no reordering. */
function ids(client: SseClient): number[] {
  const seen = client.events.map((e) => e.id);
  for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1] as number);
  return seen;
}

function idsOf(notifications: Notification[], customerId: string, afterId: number): number[] {
  return notifications.filter((n) => n.customerId === customerId && n.id > afterId).map((n) => n.id);
}

describe('SSE stream', () => {
  it('sends the SSE headers and the retry delay first', async () => {
    const s = await start();
    const client = await s.connect('c-1');
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toContain('text/event-stream');
    expect(client.headers['cache-control']).toBe('no-cache');
    expect(client.headers['x-accel-buffering']).toBe('no');
    await client.waitFor(() => client.retryMs !== undefined, 'the retry frame');
    expect(client.text.startsWith('retry: 2000\n\n')).toBe(true);
    expect(s.hub.stats().connections).toBe(1);
  });

  it('replays after Last-Event-ID, then live, with no gap or duplicate while commits race the replay', async () => {
    const s = await start();
    for (let i = 0; i < 1_600; i++) s.engine.commit(i % 4 === 3 ? 'c-2' : 'c-1');
    const raced: Notification[] = [];
    s.engine.afterRead = (call) => {
      // Call 2 reads a middle page: what commits now is in the outbox for call 3 *and* held back live (dedup).
      if (call === 2) raced.push(s.engine.publish('c-1'), s.engine.publish('c-2'));
      // Call 3 reads the last page: what commits now is *only* in the held-back live buffer (gap-free).
      if (call === 3) raced.push(s.engine.publish('c-1'));
    };
    const replayed = idsOf(s.engine.outbox, 'c-1', 40);
    expect(replayed.length).toBeGreaterThan(1_000);
    const client = await s.connect('c-1', { 'last-event-id': '40' });
    await client.waitForEvents(replayed.length + 2);
    s.engine.afterRead = undefined;
    const after = [s.engine.publish('c-2'), s.engine.publish('c-1'), s.engine.publish('c-1')];
    const expected = idsOf(s.engine.outbox, 'c-1', 40);
    await client.waitForEvents(expected.length);
    expect(ids(client)).toEqual(expected);
    expect(raced.map((n) => n.customerId)).toEqual(['c-1', 'c-2', 'c-1']);
    expect(expected).toContain(raced[0]?.id);
    expect(expected).toContain(raced[2]?.id);
    expect(expected).toContain(after[2]?.id);
    expect(s.engine.afterCalls.map((c) => [c.afterId, c.limit])).toEqual([
      [40, 500],
      [expected[499], 500],
      [expected[999], 500],
    ]);
    const firstSent = s.engine.outbox.find((n) => n.id === expected[0]);
    expect(client.events[0]).toEqual({ id: firstSent?.id, event: 'balance.changed', data: firstSent?.data });
  });

  it('stays gap-free when more live notifications race the replay than it may hold back', async () => {
    const s = await start({ sseLiveBufferMax: 2 });
    for (let i = 0; i < 10; i++) s.engine.commit('c-1');
    s.engine.afterRead = (call) => {
      if (call === 1) for (let i = 0; i < 5; i++) s.engine.publish('c-1');
    };
    const client = await s.connect('c-1', {}, '?lastEventId=3');
    const expected = idsOf(s.engine.outbox, 'c-1', 3);
    await client.waitForEvents(expected.length);
    s.engine.publish('c-1');
    await client.waitForEvents(expected.length + 1);
    expect(ids(client)).toEqual(idsOf(s.engine.outbox, 'c-1', 3));
    // The dropped held-back notifications were read again from the outbox.
    expect(s.engine.afterCalls.length).toBe(2);
  });

  it('without a resume point starts live and replays nothing', async () => {
    const s = await start();
    s.engine.commit('c-1');
    const client = await s.connect('c-1');
    await client.waitFor(() => client.retryMs !== undefined, 'the retry frame');
    const live1 = s.engine.publish('c-1');
    s.engine.publish('c-2');
    await client.waitForEvents(1);
    expect(ids(client)).toEqual([live1.id]);
    expect(s.engine.afterCalls).toEqual([]);
  });

  it('routes a batch to each customer, to every stream of it; a second stream leaves the first open', async () => {
    const s = await start();
    const first = await s.connect('c-1');
    const other = await s.connect('c-2');
    await first.waitFor(() => first.retryMs !== undefined, 'the first stream');
    const second = await s.connect('c-1');
    await second.waitFor(() => second.retryMs !== undefined, 'the second stream');
    expect(s.hub.stats().connections).toBe(3);
    const batch = [s.engine.commit('c-1'), s.engine.commit('c-2'), s.engine.commit('c-1')];
    s.engine.notify(batch);
    await first.waitForEvents(2);
    await second.waitForEvents(2);
    await other.waitForEvents(1);
    expect(ids(first)).toEqual([batch[0]?.id, batch[2]?.id]);
    expect(ids(second)).toEqual([batch[0]?.id, batch[2]?.id]);
    expect(ids(other)).toEqual([batch[1]?.id]);
    expect(first.ended).toBe(false);
  });

  it('unregisters a stream when its client goes away', async () => {
    const s = await start();
    const client = await s.connect('c-1');
    await client.waitFor(() => client.retryMs !== undefined, 'the stream');
    client.close();
    await until(() => s.hub.stats().connections === 0, 'the hub to drop the stream');
    s.engine.publish('c-1');
    expect(s.clock.pendingTimers()).toBe(0);
  });

  it('sends a heartbeat comment every heartbeatMs on the injected clock', async () => {
    const s = await start();
    const client = await s.connect('c-1');
    await client.waitFor(() => client.retryMs !== undefined, 'the stream');
    s.clock.advanceTo(s.clock.now() + HEARTBEAT_MS - 1);
    s.clock.advanceTo(s.clock.now() + 1);
    await client.waitFor(() => client.comments.length === 1, 'one heartbeat');
    s.clock.advanceTo(s.clock.now() + 2 * HEARTBEAT_MS);
    await client.waitFor(() => client.comments.length === 3, 'three heartbeats');
    expect(client.comments).toEqual(['heartbeat', 'heartbeat', 'heartbeat']);
    expect(client.events).toEqual([]);
  });

  it('answers a failed first replay read with a JSON 503 before streaming', async () => {
    const s = await start();
    s.engine.failNext('notificationsAfter', new EngineError('ERR_STORAGE', 'SQLITE_IOERR'));
    const client = await s.connect('c-1', { 'last-event-id': '0' });
    await client.waitForEnd();
    expect(client.status).toBe(503);
    expect(JSON.parse(client.text)).toEqual({ error: { code: 'storage_unavailable', message: expect.any(String) } });
    expect(s.hub.stats().connections).toBe(0);
  });

  it('answers 404 for an unknown customer before streaming', async () => {
    const s = await start();
    const client = await s.connect('c-404');
    await client.waitForEnd();
    expect(client.status).toBe(404);
    expect(JSON.parse(client.text)).toMatchObject({ error: { code: 'unknown_customer' } });
  });

  it('close() ends every stream, stops listening, and refuses new streams', async () => {
    const s = await start();
    const a = await s.connect('c-1');
    const b = await s.connect('c-2');
    await a.waitFor(() => a.retryMs !== undefined, 'stream a');
    await b.waitFor(() => b.retryMs !== undefined, 'stream b');
    s.hub.close();
    await a.waitForEnd();
    await b.waitForEnd();
    expect(s.hub.stats().connections).toBe(0);
    expect(s.engine.listenerCount()).toBe(0);
    expect(s.clock.pendingTimers()).toBe(0);
    const late = await s.connect('c-1');
    await late.waitForEnd();
    expect(late.status).toBe(503);
    expect(JSON.parse(late.text)).toMatchObject({ error: { code: 'shutting_down' } });
  });
});
