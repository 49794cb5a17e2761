/**
 * The ledger's group commit: a batch of tap outcomes becomes balances, ledger entries, tickets, tap states,
 * dead letters and outbox rows in one transaction (one fsync for the whole batch). Runs inside a transaction
 * opened by TicketStore. This is the hot path: the batch's taps are looked up a few statements at a time, rows
 * are written many per statement (commit-batch.ts), and each JSON is built once.
 */
import type { Quote, RejectReason, Tap, TapState, Ticket } from '../domain/types.ts';
import { checkTimeMs } from './check-input.ts';
import { CommitBatch, lookUpTaps } from './commit-batch.ts';
import { getTapState } from './journal.ts';
import type { StoreContext } from './statements.ts';
import { StoreError } from './store-error.ts';
import type { CommitResult, Outcome } from './store-types.ts';
import { ticketBalanceChangeJson, ticketJson, type TicketBalanceChange } from './ticket-json.ts';

/**
 * Applies the outcomes in order, as if one by one: a tap already decided keeps its outcome, a wallet is charged
 * only while it covers the price.
 *
 * @example
 * const { results, notifications } = commitOutcomes(ctx, [{ tap, kind: 'evaluated', evaluation }], nowMs);
 */
export function commitOutcomes(ctx: StoreContext, outcomes: readonly Outcome[], nowMs: number): CommitResult {
  checkTimeMs(nowMs, 'nowMs');
  const batch = new CommitBatch(ctx, nowMs);
  const taps = lookUpTaps(ctx, outcomes);
  batch.loadWallets(customersToCharge(outcomes));
  const results: TapState[] = new Array(outcomes.length);
  for (let i = 0; i < outcomes.length; i++) {
    const outcome = outcomes[i] as Outcome;
    const seq = taps.seq[i];
    if (seq === undefined) {
      // The gate journals every tap before it reaches the ledger; an unknown tap here is a pipeline bug.
      const { tapId } = outcome.tap;
      throw new StoreError('ERR_TAP_NOT_JOURNALED', `tap ${tapId} reached the ledger without being journaled`);
    }
    results[i] = applyOutcome(batch, outcome, seq, taps.status[i] === 'pending');
  }
  batch.flush();
  return { results, notifications: batch.notifications };
}

function* customersToCharge(outcomes: readonly Outcome[]): Generator<string> {
  for (const outcome of outcomes) {
    if (outcome.kind === 'evaluated' && outcome.evaluation.ok) yield outcome.tap.customerId;
  }
}

function applyOutcome(batch: CommitBatch, outcome: Outcome, seq: number, pendingBefore: boolean): TapState {
  const { tap } = outcome;
  // Idempotence: a tap decided before (by an earlier batch, or earlier in this one) keeps its outcome.
  if (!pendingBefore) return getTapState(batch.ctx, tap.tapId) as TapState;
  if (batch.decided(seq)) {
    batch.flush(); // so that its state is read back as written
    return getTapState(batch.ctx, tap.tapId) as TapState;
  }
  if (outcome.kind === 'failed') return fail(batch, seq, outcome);
  const { evaluation } = outcome;
  if (!evaluation.ok) return reject(batch, tap, seq, evaluation.reason, evaluation.message);
  return issue(batch, tap, seq, evaluation.quote);
}

function issue(batch: CommitBatch, tap: Tap, seq: number, quote: Quote): TapState {
  const { price } = quote;
  if (!Number.isInteger(price) || price < 0 || !Number.isInteger(quote.basePrice)) {
    throw new StoreError('ERR_INVALID_ARGUMENT', `quote for tap ${tap.tapId} is not in integer cents`);
  }
  // The batch's own wallet: an earlier outcome of this batch has already been charged to it.
  const wallet = batch.wallet(tap.customerId);
  if (wallet === undefined) return reject(batch, tap, seq, 'unknown_customer', `customer ${tap.customerId} is unknown`);
  const { balance: before, currency } = wallet;
  if (before < price) return reject(batch, tap, seq, 'insufficient_funds', `balance ${before} is below price ${price}`);
  const ticketId = batch.ctx.ids.next('tkt');
  const { tapId, customerId, rideId, tappedAt } = tap;
  const balance = batch.debit(wallet, price, tapId);
  batch.setTapOutcome(seq, 'issued', null, ticketId);
  const { basePrice } = quote;
  const ticket: Ticket = {
    ticketId,
    tapId,
    customerId,
    rideId,
    basePrice,
    price,
    currency,
    rules: quote.rules,
    balanceAfter: balance,
    tappedAt,
    issuedAt: batch.createdAt,
  };
  const rules = JSON.stringify(quote.rules);
  batch.addTicket(seq, ticket, rules);
  batch.notify(customerId, { type: 'ticket.issued', data: ticket }, ticketJson(ticket, rules));
  const change: TicketBalanceChange = {
    customerId,
    balance,
    currency,
    change: -price,
    cause: { kind: 'ticket', tapId, ticketId },
  };
  batch.notify(customerId, { type: 'balance.changed', data: change }, ticketBalanceChangeJson(change));
  return { tapId, status: 'issued', ticket };
}

/** A rejection is final for the pipeline but kept as an open dead letter, so an operator can replay it. */
function reject(batch: CommitBatch, tap: Tap, seq: number, reason: RejectReason, message: string): TapState {
  batch.setTapOutcome(seq, 'rejected', reason, null);
  deadLetter(batch, tap, reason, message, 1, batch.nowMs);
  const { tapId, customerId, rideId, tappedAt } = tap;
  const data = { tapId, customerId, rideId, reason, message, tappedAt };
  batch.notify(customerId, { type: 'ticket.rejected', data });
  return { tapId, status: 'rejected', reason };
}

function fail(batch: CommitBatch, seq: number, outcome: Extract<Outcome, { kind: 'failed' }>): TapState {
  const { tap, reason } = outcome;
  if (!Number.isInteger(outcome.attempts) || outcome.attempts < 1) {
    throw new StoreError('ERR_INVALID_ARGUMENT', `attempts for tap ${tap.tapId} must be a positive integer`);
  }
  checkTimeMs(outcome.firstAtMs, 'firstAtMs');
  batch.setTapOutcome(seq, 'failed', reason, null);
  deadLetter(batch, tap, reason, outcome.error, outcome.attempts, outcome.firstAtMs);
  return { tapId: tap.tapId, status: 'failed', reason };
}

function deadLetter(batch: CommitBatch, tap: Tap, reason: string, error: string, attempts: number, firstAtMs: number) {
  batch.ctx.st.insertDeadLetter.run(tap.tapId, JSON.stringify(tap), reason, error, attempts, firstAtMs, batch.nowMs);
}
