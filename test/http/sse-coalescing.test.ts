/**
 * Frames leave in one `res.write` per stream per notification batch (and per replay page), counted on a fake
 * response; the buffer bound still holds with frames queued.
 */
import { describe, expect, it } from 'vitest';
import { SseHub, type SseHubOptions } from '../../src/http/sse-hub.ts';
import { yieldToEventLoop } from '../../src/platform/clock.ts';
import { VirtualClock } from '../../src/platform/virtual-clock.ts';
import type { Notification } from '../../src/store/store-types.ts';
import { FakeEngine } from './fake-engine.ts';
import { FakeResponse } from './sse-fake-response.ts';

type HubOptions = Partial<Omit<SseHubOptions, 'engine' | 'clock'>>;

function hubWith(options: HubOptions = {}): { engine: FakeEngine; clock: VirtualClock; hub: SseHub } {
  const engine = new FakeEngine();
  const clock = new VirtualClock(0);
  const hub = new SseHub({ engine, clock, heartbeatMs: 15_000, bufferBytes: 1 << 20, ...options });
  return { engine, clock, hub };
}

function live(hub: SseHub, customerId: string): FakeResponse {
  const res = new FakeResponse();
  hub.connect(customerId, undefined, res.asResponse());
  return res;
}

function idsOf(batch: readonly Notification[], customerId: string): number[] {
  return batch.filter((n) => n.customerId === customerId).map((n) => n.id);
}

describe('SSE coalesced writes', () => {
  it('N notifications in one batch leave as one write per stream, in order', () => {
    const { engine, hub } = hubWith();
    const [phone, watch, other] = [live(hub, 'c-1'), live(hub, 'c-1'), live(hub, 'c-2')];
    for (const res of [phone, watch, other]) expect(res.writes).toEqual(['retry: 2000\n\n']);

    const batch = Array.from({ length: 10 }, (_, i) => engine.commit(i % 3 === 2 ? 'c-2' : i === 9 ? 'c-3' : 'c-1'));
    engine.notify(batch);
    expect([phone.writes.length, watch.writes.length, other.writes.length]).toEqual([2, 2, 2]);
    expect(phone.ids()).toEqual(idsOf(batch, 'c-1'));
    expect(watch.writes[1]).toBe(phone.writes[1]);
    expect(other.ids()).toEqual(idsOf(batch, 'c-2'));

    // A batch with nothing for a stream writes nothing to it.
    const next = [engine.commit('c-1'), engine.commit('c-1')];
    engine.notify(next);
    expect([phone.writes.length, watch.writes.length, other.writes.length]).toEqual([3, 3, 2]);
    expect(phone.ids()).toEqual([...idsOf(batch, 'c-1'), ...idsOf(next, 'c-1')]);
  });

  it('a replay writes one chunk per outbox page; what commits during the last read leaves with it', async () => {
    const { engine, hub } = hubWith();
    for (let i = 0; i < 1_200; i++) engine.commit('c-1');
    const raced: Notification[] = [];
    engine.afterRead = (call) => {
      if (call === 3) raced.push(engine.publish('c-1'), engine.publish('c-1'));
    };
    const res = new FakeResponse();
    hub.connect('c-1', 0, res.asResponse());
    for (let turn = 0; turn < 20 && res.ids().length < 1_202; turn++) await yieldToEventLoop();
    expect(res.ids()).toEqual(Array.from({ length: 1_202 }, (_, i) => i + 1));
    expect(raced.map((n) => n.id)).toEqual([1_201, 1_202]);
    // retry, page 1 (500), page 2 (500), page 3 (200) with the two held back live ones.
    expect(res.writes.map((w) => (w.match(/^id: /gm) ?? []).length)).toEqual([0, 500, 500, 202]);
  });

  it('queued frames count against the buffer bound: a stalled stream is dropped mid-batch, its sibling is not', () => {
    const bufferBytes = 4_096;
    const { engine, hub } = hubWith({ bufferBytes });
    const reading = live(hub, 'c-1');
    const stalled = live(hub, 'c-1');
    stalled.reading = false;
    stalled.writableLength = bufferBytes - 600;
    const batch = Array.from({ length: 5 }, () => engine.commit('c-1')); // ~190 bytes a frame
    engine.notify(batch);
    expect(stalled.destroyed).toBe(true);
    expect(stalled.writes).toHaveLength(1); // only the retry frame: the batch never left
    expect(hub.stats().connections).toBe(1);
    expect(reading.writes).toHaveLength(2);
    expect(reading.ids()).toEqual(idsOf(batch, 'c-1'));
  });

  it('a heartbeat goes to every stream of every customer, one write each', () => {
    const { clock, hub } = hubWith();
    const streams = [live(hub, 'c-1'), live(hub, 'c-1'), live(hub, 'c-2')];
    clock.advanceTo(15_000);
    for (const res of streams) expect(res.writes).toEqual(['retry: 2000\n\n', ': heartbeat\n\n']);
  });

  it('refuses a streamsPerCustomerMax that is not a positive integer, naming it', () => {
    expect(() => hubWith({ streamsPerCustomerMax: 0 })).toThrow(/streamsPerCustomerMax/);
    expect(() => hubWith({ streamsPerCustomerMax: 1.5 })).toThrow(/streamsPerCustomerMax/);
  });
});
