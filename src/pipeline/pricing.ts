import type { ActorRef } from '../actors/actor-ref.ts';
import type { Props } from '../actors/types.ts';
import type { Tap } from '../domain/types.ts';
import { RingBuffer } from '../mailbox/ring-buffer.ts';
import { evaluateIsolated, type IsolationOptions } from './evaluate-isolated.ts';
import type { PricingMessage, SequencerMessage } from './messages.ts';

export interface PricingDeps extends IsolationOptions {
  sequencer: ActorRef<SequencerMessage>;
  batchMax: number;
  concurrency: number;
  mailboxCapacity: number;
  /** Batch numbers, shared with the sequencer's expectations; outlives a restart of this actor. */
  sequence: { next: number };
}

/**
 * Pricing cuts the accepted taps into batches of at most `batchMax`, numbers them in acceptance order and keeps
 * at most `concurrency` of them in the worker pool at once. Results come back to it as messages and go on to the
 * sequencer, which puts them back in order.
 */
export function pricingProps(deps: PricingDeps): Props<PricingMessage> {
  return {
    name: 'pricing',
    mailbox: { capacity: deps.mailboxCapacity, overflow: 'reject' },
    create: (ctx) => {
      // Waiting taps, in chunks as they came; bounded by the engine's in-flight limit.
      const waiting = new RingBuffer<Tap[]>(64);
      let waitingTaps = 0;
      let running = 0;

      const nextBatch = (): Tap[] => {
        const batch: Tap[] = [];
        while (waiting.size > 0 && batch.length < deps.batchMax) {
          const chunk = waiting.shift()!;
          const room = deps.batchMax - batch.length;
          if (chunk.length <= room) {
            for (const tap of chunk) batch.push(tap);
          } else {
            for (let i = 0; i < room; i++) batch.push(chunk[i]!);
            waiting.unshift(chunk.slice(room));
          }
        }
        waitingTaps -= batch.length;
        return batch;
      };

      const pump = (): void => {
        while (running < deps.concurrency && waitingTaps > 0) {
          const taps = nextBatch();
          const seq = deps.sequence.next++;
          running++;
          void evaluateIsolated(taps, deps).then((outcomes) => ctx.self.tell({ kind: 'evaluated', seq, outcomes }));
        }
      };

      return {
        receive(message) {
          if (message.kind === 'taps') {
            if (waiting.size === waiting.slots) waiting.grow();
            waiting.push(message.taps);
            waitingTaps += message.taps.length;
          } else {
            running--;
            deps.sequencer.tell({ kind: 'batch', seq: message.seq, outcomes: message.outcomes });
          }
          pump();
        },
      };
    },
  };
}
