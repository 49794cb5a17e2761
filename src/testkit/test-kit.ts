import { ActorSystem, type ActorSystemOptions } from '../actors/actor-system.ts';
import type { DeadLetter, SystemEvent } from '../actors/types.ts';
import { yieldToEventLoop } from '../platform/clock.ts';
import { sequentialIds } from '../platform/ids.ts';
import { seededRandom, testSeed, type Random } from '../platform/random.ts';
import { VirtualClock } from '../platform/virtual-clock.ts';

export interface TestKitOptions extends Omit<ActorSystemOptions, 'runtime' | 'dispatch' | 'pick'> {
  /** Seed of every random choice; defaults to `SEED` from the environment or a fresh one. */
  seed?: number;
  startMs?: number;
  /** Let the seeded random source choose the next ready actor, to explore interleavings (default false: FIFO). */
  shuffle?: boolean;
}

/**
 * An actor system in virtual time that moves only when the test says so. Time, randomness and ids are all
 * derived from `seed`, so a run replays exactly with `SEED=<seed> npm test`.
 *
 * @example
 * const kit = createTestKit({ seed: 7, shuffle: true });
 * const ref = kit.system.spawn({ ... });
 * ref.tell('go');
 * await kit.settle();      // handle everything that is ready, including async handlers
 * await kit.advance(500);  // move time, firing timers on the way
 */
export function createTestKit(options: TestKitOptions = {}): TestKit {
  return new TestKit(options);
}

export class TestKit {
  readonly seed: number;
  readonly clock: VirtualClock;
  readonly random: Random;
  readonly system: ActorSystem;
  readonly deadLetters: DeadLetter[] = [];
  readonly events: SystemEvent[] = [];

  constructor(options: TestKitOptions) {
    const { seed = testSeed(), startMs = 1_700_000_000_000, shuffle = false, ...systemOptions } = options;
    this.seed = seed;
    this.clock = new VirtualClock(startMs);
    this.random = seededRandom(seed);
    this.system = new ActorSystem({
      ...systemOptions,
      runtime: { clock: this.clock, random: this.random, ids: sequentialIds() },
      dispatch: 'manual',
      ...(shuffle && { pick: seededRandom(seed ^ 0x5eed) }),
    });
    this.system.deadLetters.subscribe((d) => this.deadLetters.push(d));
    this.system.subscribe((e) => this.events.push(e));
  }

  /** Handles at most one message (control messages of the chosen actor come first); returns how many it handled. */
  step(): number {
    return this.system.dispatcher.drain(1);
  }

  /** Handles everything ready right now without yielding (async handlers stay pending). */
  runUntilIdle(maxMessages = 1_000_000): number {
    return this.system.dispatcher.drain(maxMessages);
  }

  /**
   * Runs until nothing is ready and no async handler is pending a microtask. Bounded: a system that is still busy
   * after `maxRounds` rounds is livelocked, and that throws.
   */
  async settle(maxRounds = 10_000): Promise<void> {
    for (let round = 0; round < maxRounds; round++) {
      this.runUntilIdle();
      await yieldToEventLoop(); // lets async handlers and ask replies settle
      if (this.system.dispatcher.readyCount === 0) return;
    }
    throw new Error(`test kit: still busy after ${maxRounds} rounds (seed ${this.seed})`);
  }

  /** Moves virtual time forward by `ms`, firing due timers in order and settling after each. */
  async advance(ms: number): Promise<void> {
    const targetMs = this.clock.now() + ms;
    await this.settle();
    while (this.clock.fireNext(targetMs)) await this.settle();
  }

  deadLettersWith(reason: string): DeadLetter[] {
    return this.deadLetters.filter((d) => d.reason === reason);
  }
}

/**
 * Runs a randomised test body and, when it fails, adds the seed and the command that replays it to the error.
 *
 * @example
 * await replayable(kit.seed, async () => { ... assertions ... });
 */
export async function replayable<T>(seed: number, body: () => Promise<T> | T): Promise<T> {
  try {
    return await body();
  } catch (error) {
    const hint = `seed ${seed}: replay with SEED=${seed} npm test`;
    if (error instanceof Error) error.message = `${error.message}\n${hint}`;
    console.error(hint);
    throw error;
  }
}
