import { systemClock, type Clock } from './clock.ts';
import { randomIds, type IdSource } from './ids.ts';
import { systemRandom, type Random } from './random.ts';

/** Everything nondeterministic the engine uses, in one place. Tests pass virtual and seeded ones. */
export interface RuntimeContext {
  clock: Clock;
  random: Random;
  ids: IdSource;
}

export const systemContext: RuntimeContext = { clock: systemClock, random: systemRandom, ids: randomIds };
