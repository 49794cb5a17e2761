import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { yieldToEventLoop } from '../../src/platform/clock.ts';
import { withTimeout } from '../../src/platform/with-timeout.ts';
import { until } from './sse-client.ts';
import { HEARTBEAT_MS, liveServer, type LiveServer } from './sse-server.ts';

let live: LiveServer | undefined;
let socket: Socket | undefined;
afterEach(async () => {
  socket?.destroy();
  await live?.stop();
  live = socket = undefined;
});

/** A raw client that asks for the stream and then never reads from its socket. */
function stalledClient(port: number, customerId: string, lastEventId?: number): Promise<Socket> {
  const resume = lastEventId === undefined ? '' : `Last-Event-ID: ${lastEventId}\r\n`;
  const authorization = `Authorization: Bearer ${live?.tokens.admin ?? ''}\r\n`;
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write(`GET /v1/customers/${customerId}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n${authorization}${resume}\r\n`);
      resolve(s);
    });
    s.pause();
    s.on('error', reject);
  });
}

/** Lets a paused socket read again and resolves when the server's close reaches it. */
function closedAfterResume(s: Socket): Promise<void> {
  const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
  s.removeAllListeners('error');
  s.on('error', () => undefined);
  s.resume();
  return withTimeout(closed, { timeoutMs: 5_000, what: 'the stalled socket to close' });
}

describe('SSE backpressure', () => {
  it('drops a live client that stops reading once its unsent bytes pass sseBufferBytes, only that one', async () => {
    live = await liveServer({ sseBufferBytes: 64 * 1024 });
    const s = live;
    const reader = await s.connect('c-2');
    socket = await stalledClient(s.server.port, 'c-1');
    await until(() => s.hub.stats().connections === 2, 'both streams to register');

    // Loopback kernel buffers absorb a few MB first; the bound on publishes keeps a broken check from running away.
    let published = 0;
    while (s.hub.stats().connections === 2 && published < 1_000) {
      s.engine.publish('c-1', 32 * 1024);
      published++;
      if (published % 16 === 0) await yieldToEventLoop();
    }
    expect(s.hub.stats().connections).toBe(1);
    expect(published).toBeLessThan(1_000);
    await closedAfterResume(socket);

    const n = s.engine.publish('c-2');
    await reader.waitForEvents(1);
    expect(reader.events.map((e) => e.id)).toEqual([n.id]);
    expect(reader.ended).toBe(false);
  });

  it('a replay waits for a slow socket to drain, and drops it after one heartbeat interval', async () => {
    // A buffer bound this large never trips here: what stops the replay is the drain wait.
    live = await liveServer({ sseBufferBytes: 256 << 20 });
    const s = live;
    for (let i = 0; i < 3_000; i++) s.engine.commit('c-1', 4 * 1024);
    socket = await stalledClient(s.server.port, 'c-1', 0);
    // Heartbeat timer + drain timer: the replay is parked on the full socket.
    await until(() => s.clock.pendingTimers() === 2, 'the replay to wait for drain');
    // Loopback buffers take a page or two before the socket pushes back; the replay then stops reading.
    const reads = s.engine.afterCalls.length;
    expect(reads).toBeLessThan(6);
    s.clock.advanceTo(s.clock.now() + HEARTBEAT_MS - 1);
    await yieldToEventLoop();
    expect(s.hub.stats().connections).toBe(1);
    s.clock.advanceTo(s.clock.now() + 1);
    await until(() => s.hub.stats().connections === 0, 'the stalled replay to be dropped');
    for (let i = 0; i < 10; i++) await yieldToEventLoop();
    expect(s.engine.afterCalls).toHaveLength(reads);
    await closedAfterResume(socket);
  });

  it('shutdown does not wait for a client that stopped reading', async () => {
    live = await liveServer({ sseBufferBytes: 256 << 20 });
    const s = live;
    socket = await stalledClient(s.server.port, 'c-1');
    await until(() => s.hub.stats().connections === 1, 'the stream to register');
    // More than loopback buffers hold, less than the buffer bound: bytes stay queued in the process.
    for (let i = 0; i < 512; i++) s.engine.publish('c-1', 32 * 1024);
    expect(s.hub.stats().connections).toBe(1);
    s.hub.close();
    await withTimeout(s.server.close(), { timeoutMs: 5_000, what: 'the server to close' });
    live = undefined;
  });

  it('drops a stream that stopped reading at its bound; another stream of the customer gets everything', async () => {
    live = await liveServer({ sseBufferBytes: 256 * 1024 });
    const s = live;
    const reader = await s.connect('c-1');
    socket = await stalledClient(s.server.port, 'c-1');
    await until(() => s.hub.stats().connections === 2, 'both streams to register');

    // One publish per turn of the event loop, so the reading stream drains between them and only the stalled one
    // fills; the bound on publishes keeps a broken check from running away.
    const published: number[] = [];
    while (s.hub.stats().connections === 2 && published.length < 1_000) {
      published.push(s.engine.publish('c-1', 32 * 1024).id);
      await yieldToEventLoop();
    }
    expect(s.hub.stats().connections).toBe(1);
    expect(published.length).toBeLessThan(1_000);
    await closedAfterResume(socket);

    published.push(s.engine.publish('c-1').id);
    await reader.waitForEvents(published.length);
    expect(reader.events.map((e) => e.id)).toEqual(published);
    expect(reader.ended).toBe(false);
  });

  it('a reading client gets a large replay in full, page after page', async () => {
    live = await liveServer({ sseBufferBytes: 8 << 20 });
    const s = live;
    for (let i = 0; i < 3_000; i++) s.engine.commit('c-1', 2 * 1024);
    const client = await s.connect('c-1', { 'last-event-id': '0' });
    await client.waitForEvents(3_000, 20_000);
    const ids = client.events.map((e) => e.id);
    expect(ids).toEqual(Array.from({ length: 3_000 }, (_, i) => i + 1));
    // The last page leaves in one write; the empty read that ends the replay may come after the client has it all.
    await until(() => s.engine.afterCalls.length === 7, 'the read that finds the outbox exhausted');
    expect(s.engine.afterCalls.map((c) => c.afterId)).toEqual([0, 500, 1_000, 1_500, 2_000, 2_500, 3_000]);
  });

  it('a reading client gets a replay far larger than its buffer in full: replay waits for the socket instead of tripping the bound', async () => {
    live = await liveServer({ sseBufferBytes: 64 * 1024 });
    const s = live;
    for (let i = 0; i < 2_000; i++) s.engine.commit('c-1', 1024); // about 2 MB of frames, 32 times the buffer
    const client = await s.connect('c-1', { 'last-event-id': '0' });
    await client.waitForEvents(2_000, 20_000);
    expect(client.events.map((e) => e.id)).toEqual(Array.from({ length: 2_000 }, (_, i) => i + 1));
    expect(client.ended).toBe(false);
  });
});
