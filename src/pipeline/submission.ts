/**
 * One request's taps while they are decided. The ledger settles each tap as its batch commits; the request is
 * answered once every tap is, with each tap's result in request order. If any tap cannot be decided (the store
 * failed past its retries, or the pipeline dropped it), the whole request is refused: the machine resends it, and
 * the taps that were decided meanwhile come back as `duplicate` with their outcome.
 */
import type { TapResult } from '../store/store-types.ts';

/**
 * @example
 * const s = new Submission(2, resolve, reject, undefined);
 * s.decided(0, r0); s.decided(1, r1); // resolve([r0, r1])
 */
export class Submission {
  readonly results: TapResult[];
  /** The dead letter this submission replays, if it is a replay. */
  readonly replayOf: number | undefined;
  #remaining: number;
  #settled = false;
  readonly #resolve: (results: TapResult[]) => void;
  readonly #reject: (error: Error) => void;

  constructor(size: number, resolve: (results: TapResult[]) => void, reject: (error: Error) => void, replayOf: number | undefined) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a submission holds at least one tap, got ${size}`);
    this.results = new Array<TapResult>(size);
    this.#remaining = size;
    this.#resolve = resolve;
    this.#reject = reject;
    this.replayOf = replayOf;
  }

  get settled(): boolean {
    return this.#settled;
  }

  decided(index: number, result: TapResult): void {
    if (this.#settled) return;
    if (this.results[index] !== undefined) throw new Error(`tap ${index} of a submission decided twice`);
    this.results[index] = result;
    if (--this.#remaining === 0) {
      this.#settled = true;
      this.#resolve(this.results);
    }
  }

  failed(error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(error);
  }
}
