import type { Props } from '../actors/types.ts';
import type { Evaluated, LedgerMessage, SequencerMessage } from './messages.ts';

export interface SequencerDeps {
  ledger: { tell(message: LedgerMessage): boolean };
  mailboxCapacity: number;
  /** The next batch number due; outlives a restart of this actor. */
  expected: { next: number };
}

/**
 * Batches finish in the pool in any order; the sequencer hands them to the ledger in the order they were
 * accepted, which keeps every customer's taps in acceptance order. It holds at most as many batches as the
 * pool has in flight.
 */
export function sequencerProps(deps: SequencerDeps): Props<SequencerMessage> {
  return {
    name: 'sequencer',
    mailbox: { capacity: deps.mailboxCapacity, overflow: 'reject' },
    create: () => {
      const early = new Map<number, Evaluated>();
      return {
        receive(message) {
          early.set(message.seq, { origins: message.origins, outcomes: message.outcomes });
          for (let batch = early.get(deps.expected.next); batch !== undefined; batch = early.get(deps.expected.next)) {
            early.delete(deps.expected.next);
            deps.expected.next++;
            deps.ledger.tell({ kind: 'outcomes', origins: batch.origins, outcomes: batch.outcomes });
          }
        },
      };
    },
  };
}
