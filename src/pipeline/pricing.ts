import type { ActorRef } from '../actors/actor-ref.ts';
import type { Props } from '../actors/types.ts';
import { RingBuffer } from '../mailbox/ring-buffer.ts';
import { evaluateIsolated, type IsolationOptions } from './evaluate-isolated.ts';
import type { InFlightTap, PricingMessage, SequencerMessage } from './messages.ts';

export interface PricingDeps extends IsolationOptions {
  sequencer: ActorRef<SequencerMessage>;
  batchMax: number;
  concurrency: number;
  mailboxCapacity: number;
  /** Batch numbers, shared with the sequencer's expectations; outlives a restart of this actor. */
  sequence: { next: number };
}

/**
 * Pricing cuts the submitted taps into batches of at most `batchMax`, numbers them in acceptance order and keeps
 * at most `concurrency` of them in the worker pool at once. Results come back to it as messages and go on to the
 * sequencer, which puts them back in order.
 */
export function pricingProps(deps: PricingDeps): Props<PricingMessage> {
  return {
    name: 'pricing',
    mailbox: { capacity: deps.mailboxCapacity, overflow: 'reject' },
    create: (ctx) => {
      // Waiting taps, in chunks as they came; bounded by the engine's in-flight limit.
      const waiting = new RingBuffer<InFlightTap[]>(64);
      let waitingTaps = 0;
      let running = 0;

      const nextBatch = (): InFlightTap[] => {
        const batch: InFlightTap[] = [];
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
          const origins = nextBatch();
          const seq = deps.sequence.next++;
          running++;
          void evaluateIsolated(origins.map((o) => o.tap), deps).then((outcomes) => {
            for (let i = 0; i < outcomes.length; i++) {
              const { replayOf } = origins[i]!.submission;
              if (replayOf !== undefined) outcomes[i]!.replayOf = replayOf;
            }
            ctx.self.tell({ kind: 'evaluated', seq, origins, outcomes });
          });
        }
      };

      return {
        receive(message) {
          if (message.kind === 'taps') {
            if (waiting.size === waiting.slots) waiting.grow();
            waiting.push(message.origins);
            waitingTaps += message.origins.length;
          } else {
            running--;
            deps.sequencer.tell({ kind: 'batch', seq: message.seq, origins: message.origins, outcomes: message.outcomes });
          }
          pump();
        },
      };
    },
  };
}
