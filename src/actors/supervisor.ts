import type { Random } from '../platform/random.ts';
import { invalidOption } from './errors.ts';

/** What a parent does with a failed child. */
export type Directive = 'resume' | 'restart' | 'stop' | 'escalate';

export interface Backoff {
  /** Delay before the first restart in a window; 0 restarts at once. */
  minMs: number;
  /** Cap of the doubling delay. */
  maxMs: number;
  /** Spread in [0, 1]: the delay is scaled by a seeded factor in [1 - jitter, 1 + jitter]. */
  jitter: number;
}

/**
 * How a parent supervises its children. `one-for-one` applies the directive to the failed child only,
 * `all-for-one` to every child. More than `maxRestarts` restarts of one child within `withinMs` escalates.
 *
 * @example
 * const strategy = oneForOne({ decide: () => 'restart', maxRestarts: 3, withinMs: 1_000 });
 */
export interface SupervisorStrategy {
  kind: 'one-for-one' | 'all-for-one';
  decide: (error: unknown) => Directive;
  maxRestarts: number;
  withinMs: number;
  backoff: Backoff;
}

type StrategyOptions = Partial<Omit<SupervisorStrategy, 'kind' | 'backoff'>> & { backoff?: Partial<Backoff> };

export function oneForOne(options: StrategyOptions = {}): SupervisorStrategy {
  return strategy('one-for-one', options);
}

export function allForOne(options: StrategyOptions = {}): SupervisorStrategy {
  return strategy('all-for-one', options);
}

function strategy(kind: SupervisorStrategy['kind'], options: StrategyOptions): SupervisorStrategy {
  const result: SupervisorStrategy = {
    kind,
    decide: options.decide ?? (() => 'restart'),
    maxRestarts: options.maxRestarts ?? 10,
    withinMs: options.withinMs ?? 10_000,
    backoff: { minMs: 0, maxMs: 30_000, jitter: 0, ...options.backoff },
  };
  if (!Number.isInteger(result.maxRestarts) || result.maxRestarts < 0) {
    throw invalidOption('supervisor.maxRestarts', 'an integer ≥ 0', result.maxRestarts);
  }
  if (!(result.withinMs > 0)) throw invalidOption('supervisor.withinMs', 'a number > 0', result.withinMs);
  const { minMs, maxMs, jitter } = result.backoff;
  if (!(minMs >= 0)) throw invalidOption('supervisor.backoff.minMs', 'a number ≥ 0', minMs);
  if (!(maxMs >= minMs)) throw invalidOption('supervisor.backoff.maxMs', `a number ≥ minMs (${minMs})`, maxMs);
  if (!(jitter >= 0 && jitter <= 1)) throw invalidOption('supervisor.backoff.jitter', 'a number in [0, 1]', jitter);
  return result;
}

export const defaultStrategy: SupervisorStrategy = oneForOne();

/**
 * Restart times of one child inside the strategy's window; at most `maxRestarts + 1` are kept, so this is bounded.
 */
export class RestartWindow {
  #times: number[] = [];

  /** Records a restart at `nowMs`; false when it exceeds the intensity and the failure must escalate. */
  admit(nowMs: number, strategy: SupervisorStrategy): boolean {
    this.#times = this.#times.filter((t) => nowMs - t < strategy.withinMs);
    if (this.#times.length >= strategy.maxRestarts) return false;
    this.#times.push(nowMs);
    return true;
  }

  /** Restarts inside the window so far (1 after the first). */
  get count(): number {
    return this.#times.length;
  }
}

/** Exponential backoff with seeded jitter: minMs · 2^(n−1), capped at maxMs, for the n-th restart in a window. */
export function backoffDelayMs(backoff: Backoff, restartNumber: number, random: Random): number {
  if (backoff.minMs === 0) return 0;
  const base = Math.min(backoff.maxMs, backoff.minMs * 2 ** Math.max(0, restartNumber - 1));
  const factor = 1 + backoff.jitter * (2 * random.next() - 1);
  return Math.round(base * factor);
}
