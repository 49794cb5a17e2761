import { describe, expect, it } from 'vitest';
import type { ActorRef } from '../../src/actors/actor-ref.ts';
import { oneForOne } from '../../src/actors/supervisor.ts';
import { testSeed } from '../../src/platform/random.ts';
import { createTestKit, replayable } from '../../src/testkit/test-kit.ts';
import { Boom, props } from './helpers.ts';

type Hop = { id: number; hops: number };

/**
 * Five actors pass messages to each other at random (a seeded choice), some handlers are async, some fail and are
 * restarted with jittered backoff, and the dispatcher picks the next ready actor from the seed. Returns the trace.
 */
async function scenario(seed: number): Promise<string[]> {
  const kit = createTestKit({
    seed,
    shuffle: true,
    guardian: oneForOne({ decide: () => 'restart', maxRestarts: 1_000, withinMs: 1_000, backoff: { minMs: 5, maxMs: 50, jitter: 0.5 } }),
  });
  const trace: string[] = [];
  const refs: ActorRef<Hop>[] = [];
  for (let i = 0; i < 5; i++) {
    refs.push(
      kit.system.spawn<Hop>(props(`a${i}`, () => ({
        receive: async (m, ctx) => {
          trace.push(`${ctx.runtime.clock.now() % 100_000} a${i} ${m.id}/${m.hops}`);
          if (ctx.runtime.random.next() < 0.1) throw new Boom(`a${i} failed on ${m.id}`);
          if (m.hops % 3 === 0) await Promise.resolve();
          if (m.hops > 0) refs[ctx.runtime.random.int(refs.length)]!.tell({ id: m.id, hops: m.hops - 1 });
        },
      }), { throughput: 1 + (i % 3), mailbox: { capacity: 64, overflow: 'drop-oldest' } })),
    );
  }
  for (let id = 0; id < 20; id++) refs[id % refs.length]!.tell({ id, hops: 6 });
  await kit.advance(2_000);
  trace.push(`dead letters ${kit.deadLetters.map((d) => `${d.reason}:${(d.message as Hop).id}`).join(',')}`);
  return trace;
}

describe('deterministic replay', () => {
  it('the same seed gives the same trace twice', async () => {
    const seed = testSeed();
    await replayable(seed, async () => {
      const first = await scenario(seed);
      const second = await scenario(seed);
      expect(first.length).toBeGreaterThan(20);
      expect(second).toEqual(first);
    });
  });

  it('another seed gives another interleaving', async () => {
    const traces = await Promise.all([101, 202, 303].map((seed) => scenario(seed)));
    expect(new Set(traces.map((t) => t.join('\n'))).size).toBe(3);
  });

  it('reports the seed and how to replay when a randomised test fails', async () => {
    const failing = replayable(4242, () => {
      throw new Error('invariant broken');
    });
    await expect(failing).rejects.toThrow('replay with SEED=4242 npm test');
  });
});
