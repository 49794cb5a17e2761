/**
 * The event feed's live streams (feed-hub.ts) on a fake response and an in-memory feed, in virtual time: a backlog
 * sent page by page, new events found on a commit's wake and by the poll (a user's event announces no commit), a
 * client that stops reading dropped at the buffer bound, a revoked token ended at the heartbeat, the bounds on
 * streams, and the end at shutdown.
 */
import { describe, expect, it } from 'vitest';
import { FeedHub, FEED_STREAM_PAGE_SIZE, type FeedHubOptions } from '../../src/http/feed-hub.ts';
import type { NotificationListener } from '../../src/pipeline/engine-api.ts';
import { yieldToEventLoop } from '../../src/platform/clock.ts';
import { VirtualClock } from '../../src/platform/virtual-clock.ts';
import type { FeedEvent, FeedQuery } from '../../src/store/event-feed.ts';
import { until } from './sse-client.ts';
import { FakeResponse } from './sse-fake-response.ts';

const HEARTBEAT_MS = 15_000;
const POLL_MS = 1_000;

/** An in-memory feed: user events (no filter support needed beyond `types`) appended by the test. */
class MemoryFeed {
  readonly events: FeedEvent[] = [];
  readonly listeners = new Set<NotificationListener>();

  append(count: number, padBytes = 0): void {
    for (let i = 0; i < count; i++) {
      const id = this.events.length + 1;
      this.events.push({
        eventId: String(id), type: 'user.updated', occurredAt: '2026-12-06T20:00:00.000Z', aggregateType: 'user', aggregateId: `u-${id}`, customerId: null,
        version: 1, correlationId: `req-${id}`, causationId: null, data: { pad: 'x'.repeat(padBytes) },
      });
    }
  }

  /** Tells the listeners a commit happened (what the engine does after each one). */
  announce(): void {
    for (const listener of this.listeners) listener([]);
  }

  engine(): FeedHubOptions['engine'] {
    return {
      feed: (q: FeedQuery) => {
        const after = q.after ?? 0;
        const events = this.events.filter((e) => Number(e.eventId) > after && (q.types === undefined || q.types.includes(e.type))).slice(0, q.limit ?? 100);
        return { events, nextCursor: String(events.length > 0 ? Number(events.at(-1)!.eventId) : Math.max(after, this.events.length)) };
      },
      onNotifications: (listener) => {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
      },
    };
  }
}

function setup(options: Partial<FeedHubOptions> = {}) {
  const clock = new VirtualClock(1_000);
  const memory = new MemoryFeed();
  const hub = new FeedHub({ engine: memory.engine(), clock, heartbeatMs: HEARTBEAT_MS, bufferBytes: 1 << 20, pollMs: POLL_MS, ...options });
  return { clock, memory, hub };
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('FeedHub', () => {
  it('sends the backlog after `after` page by page, then what a commit announces, each event once', async () => {
    const { memory, hub } = setup();
    memory.append(FEED_STREAM_PAGE_SIZE * 2 + 10);
    const res = new FakeResponse();
    hub.connect({ after: 5 }, res.asResponse());
    expect(res.status).toBe(200);
    await until(() => res.ids().length === FEED_STREAM_PAGE_SIZE * 2 + 5, 'the backlog');
    expect(res.ids()).toEqual(range(6, FEED_STREAM_PAGE_SIZE * 2 + 10));
    memory.append(3);
    memory.announce();
    memory.announce();
    await until(() => res.ids().length === FEED_STREAM_PAGE_SIZE * 2 + 8, 'the new events');
    expect(res.ids()).toEqual(range(6, FEED_STREAM_PAGE_SIZE * 2 + 13));
    hub.close();
  });

  it('finds events no commit announced at the next poll', async () => {
    const { clock, memory, hub } = setup();
    const res = new FakeResponse();
    hub.connect({ after: 0 }, res.asResponse());
    memory.append(2);
    await yieldToEventLoop();
    expect(res.ids()).toEqual([]);
    clock.advanceTo(clock.now() + POLL_MS);
    await until(() => res.ids().length === 2, 'the polled events');
    expect(res.ids()).toEqual([1, 2]);
    hub.close();
  });

  it('drops a client that stops reading once its unsent bytes pass the bound; it resumes from its last id', async () => {
    const { memory, hub } = setup({ bufferBytes: 64 * 1024 });
    const res = new FakeResponse();
    res.reading = false;
    hub.connect({ after: 0 }, res.asResponse());
    memory.append(100, 4 * 1024);
    memory.announce();
    await until(() => res.destroyed, 'the stalled client to be dropped');
    expect(hub.size).toBe(0);
    const sent = res.ids();
    expect(sent.length).toBeLessThan(100);
    const again = new FakeResponse();
    hub.connect({ after: sent.at(-1) ?? 0 }, again.asResponse());
    await until(() => again.ids().length === 100 - sent.length, 'the rest');
    expect([...sent, ...again.ids()]).toEqual(range(1, 100));
    hub.close();
  });

  it('beats and ends the streams of a revoked token at the heartbeat, and at once by closeToken', async () => {
    const revoked = new Set<string>();
    const { clock, hub } = setup({ tokenActive: (id) => !revoked.has(id) });
    const [a, b, c] = [new FakeResponse(), new FakeResponse(), new FakeResponse()];
    hub.connect({ after: 0 }, a.asResponse(), 'tok-a');
    hub.connect({ after: 0 }, b.asResponse(), 'tok-b');
    hub.connect({ after: 0 }, c.asResponse(), 'tok-c');
    revoked.add('tok-a');
    clock.advanceTo(clock.now() + HEARTBEAT_MS);
    expect(b.writes.join('')).toContain(': heartbeat');
    expect(a.ended).toBe(true);
    expect(b.ended).toBe(false);
    expect(hub.closeToken('tok-b')).toBe(1);
    expect(b.ended).toBe(true);
    expect(hub.size).toBe(1);
    hub.close(2_000);
    expect(c.ended).toBe(true);
    expect(c.writes.at(-1)).toBe('retry: 2000\n\n');
  });

  it('refuses a stream past streamsMax (429) and after close (503), before writing anything', () => {
    const { hub } = setup({ streamsMax: 1 });
    hub.connect({ after: 0 }, new FakeResponse().asResponse());
    const refused = new FakeResponse();
    expect(() => hub.connect({ after: 0 }, refused.asResponse())).toThrow(expect.objectContaining({ status: 429, code: 'too_many_streams' }));
    hub.close();
    expect(() => hub.connect({ after: 0 }, refused.asResponse())).toThrow(expect.objectContaining({ status: 503, code: 'shutting_down' }));
    expect(refused.writes).toEqual([]);
  });
});
