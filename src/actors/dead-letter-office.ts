import { RingBuffer } from '../mailbox/ring-buffer.ts';
import type { DeadLetter } from './types.ts';

export type DeadLetterListener = (deadLetter: DeadLetter) => void;

/**
 * Where every undeliverable, rejected, dropped and failed message ends. It is the end of the line, so it has no
 * mailbox that could overflow: it records synchronously into a bounded window (the newest `windowSize`), counts per
 * reason, and hands each dead letter to its subscribers, of which a throwing one is isolated from the rest.
 *
 * @example
 * system.deadLetters.subscribe((d) => store.persist(d));
 */
export class DeadLetterOffice {
  readonly #window: RingBuffer<DeadLetter>;
  readonly #counts = new Map<string, number>();
  readonly #listeners = new Set<DeadLetterListener>();
  #total = 0;
  #listenerErrors = 0;

  constructor(readonly windowSize: number) {
    this.#window = new RingBuffer<DeadLetter>(windowSize);
  }

  publish(deadLetter: DeadLetter): void {
    if (this.#window.size >= this.windowSize) this.#window.shift();
    this.#window.push(deadLetter);
    this.#counts.set(deadLetter.reason, (this.#counts.get(deadLetter.reason) ?? 0) + 1);
    this.#total++;
    for (const listener of this.#listeners) {
      try {
        listener(deadLetter);
      } catch {
        this.#listenerErrors++; // one broken subscriber must not stop the others hearing of it
      }
    }
  }

  subscribe(listener: DeadLetterListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The newest dead letters, oldest first. */
  recent(): DeadLetter[] {
    const all = this.#window.drain();
    for (const d of all) this.#window.push(d);
    return all;
  }

  counts(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }

  get total(): number {
    return this.#total;
  }

  get listenerErrors(): number {
    return this.#listenerErrors;
  }
}
