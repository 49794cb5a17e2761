import type { ActorRef } from '../actors/actor-ref.ts';
import type { Props } from '../actors/types.ts';
import type { Tap } from '../domain/types.ts';
import type { Logger } from '../platform/logger.ts';
import type { WritePath } from '../store/write-path.ts';
import { StoreError } from '../store/store-error.ts';
import { EngineError } from './engine-api.ts';
import type { FlowControl } from './flow-control.ts';
import type { GateMessage, PricingMessage, Submission } from './messages.ts';

export interface GateDeps {
  store: Pick<WritePath, 'journalTaps'>;
  pricing: ActorRef<PricingMessage>;
  flow: FlowControl;
  now: () => number;
  journalBatchMax: number;
  mailboxCapacity: number;
  onStorageFailure: (error: StoreError) => void;
  log: Logger;
}

/**
 * The gate journals submitted taps: every submission queued while it works shares one SQLite transaction (group
 * commit), and each submitter hears back only after that transaction committed. Accepted taps go on to pricing in
 * acceptance order; duplicates stop here.
 */
export function gateProps(deps: GateDeps): Props<GateMessage> {
  return {
    name: 'gate',
    mailbox: { capacity: deps.mailboxCapacity, overflow: 'reject' },
    create: (ctx) => {
      let pending: Submission[] = [];
      let flushQueued = false;
      const queueFlush = (): void => {
        if (flushQueued || pending.length === 0) return;
        flushQueued = true;
        ctx.self.tell({ kind: 'flush' });
      };
      return {
        receive(message) {
          if (message.kind === 'submit') {
            pending.push(message.submission);
            queueFlush();
            return;
          }
          flushQueued = false;
          if (message.batch === undefined) [message.batch, pending] = takeBatch(pending, deps.journalBatchMax);
          // While the journal commits (on the writer thread), submissions wait in the mailbox: the next flush takes
          // them all at once.
          return journal(message.batch, deps).then(queueFlush);
        },
      };
    },
  };
}

/** Submissions up to `tapsMax` taps (at least one submission), and the rest. */
function takeBatch(pending: Submission[], tapsMax: number): [Submission[], Submission[]] {
  let taps = 0;
  let count = 0;
  while (count < pending.length && (count === 0 || taps + pending[count]!.taps.length <= tapsMax)) {
    taps += pending[count]!.taps.length;
    count++;
  }
  return [pending.slice(0, count), pending.slice(count)];
}

async function journal(batch: Submission[], deps: GateDeps): Promise<void> {
  const taps: Tap[] = batch.length === 1 ? batch[0]!.taps : batch.flatMap((s) => s.taps);
  let results;
  try {
    results = await deps.store.journalTaps(taps, deps.now());
  } catch (error) {
    // Only a busy or failing database is an operating error here; anything else is a bug: let the supervisor act.
    if (!(error instanceof StoreError) || (error.code !== 'ERR_STORE_BUSY' && error.code !== 'ERR_STORE_IO')) throw error;
    deps.onStorageFailure(error);
    deps.flow.release(taps.length);
    const refusal = new EngineError('ERR_STORAGE', `taps not accepted: storage failed (${error.code})`);
    for (const submission of batch) submission.reply({ ok: false, error: refusal });
    return;
  }
  const accepted: Tap[] = [];
  for (let i = 0; i < taps.length; i++) if (results[i]!.status === 'accepted') accepted.push(taps[i]!);
  deps.flow.release(taps.length - accepted.length);
  if (accepted.length > 0 && !deps.pricing.tell({ kind: 'taps', taps: accepted })) {
    // Journaled but not handed on: they stay pending in SQLite and are picked up at the next start.
    deps.log.error('pricing refused journaled taps; they wait for recovery', { taps: accepted.length });
  }
  let offset = 0;
  for (const submission of batch) {
    submission.reply({ ok: true, results: results.slice(offset, offset + submission.taps.length) });
    offset += submission.taps.length;
  }
}
