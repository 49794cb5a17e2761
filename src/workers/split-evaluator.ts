import type { Evaluation, Tap } from '../domain/types.ts';
import type { Evaluator } from './evaluator.ts';

/**
 * Sends to the worker pool only the taps that need real CPU work, a signature check, and evaluates the others
 * (catalog lookups and pricing, well under a microsecond) on this thread, since copying a tap to a worker and its
 * evaluation back costs more than evaluating it (bench/pool.bench.ts). Evaluations come back in the taps' order.
 *
 * @example
 * const evaluator = new SplitEvaluator(pool, inline, (tap) => catalog().machines[tap.machineId]?.publicKey !== undefined);
 */
export class SplitEvaluator implements Evaluator {
  constructor(
    private readonly pool: Evaluator,
    private readonly inline: Evaluator,
    private readonly needsPool: (tap: Tap) => boolean,
  ) {}

  get threads(): number {
    return this.pool.threads;
  }

  async evaluate(taps: Tap[], nowMs: number): Promise<Evaluation[]> {
    const heavy: Tap[] = [];
    const light: Tap[] = [];
    const heavyAt: boolean[] = new Array<boolean>(taps.length);
    for (let i = 0; i < taps.length; i++) {
      const tap = taps[i]!;
      heavyAt[i] = this.needsPool(tap);
      (heavyAt[i] ? heavy : light).push(tap);
    }
    if (heavy.length === 0) return this.inline.evaluate(taps, nowMs);
    if (light.length === 0) return this.pool.evaluate(taps, nowMs);
    const [heavyResults, lightResults] = await Promise.all([this.pool.evaluate(heavy, nowMs), this.inline.evaluate(light, nowMs)]);
    const merged: Evaluation[] = new Array<Evaluation>(taps.length);
    let h = 0;
    let l = 0;
    for (let i = 0; i < taps.length; i++) merged[i] = heavyAt[i] ? heavyResults[h++]! : lightResults[l++]!;
    return merged;
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.close(), this.inline.close()]);
  }
}
