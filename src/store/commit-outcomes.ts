/**
 * The ledger's group commit: a batch of tap outcomes becomes balances, ledger entries, tickets, tap states,
 * dead letters and outbox rows in one transaction (one fsync for the whole batch). Runs inside a transaction
 * opened by TicketStore. This is the hot path: per outcome it only runs prepared statements and builds each JSON
 * once.
 */
import type { Quote, RejectReason, Tap, TapState, Ticket } from '../domain/types.ts';
import { checkTimeMs } from './check-input.ts';
import { getTapState } from './journal.ts';
import { iso } from './rows.ts';
import type { StoreContext } from './statements.ts';
import { StoreError } from './store-error.ts';
import type { CommitResult, Notification, NotificationPayload, Outcome } from './store-types.ts';

/** One batch being written: its clock and the notifications it produced so far. */
interface Batch {
  ctx: StoreContext;
  nowMs: number;
  createdAt: string;
  notifications: Notification[];
}

export function commitOutcomes(ctx: StoreContext, outcomes: readonly Outcome[], nowMs: number): CommitResult {
  checkTimeMs(nowMs, 'nowMs');
  const batch: Batch = { ctx, nowMs, createdAt: iso(nowMs), notifications: [] };
  const results: TapState[] = new Array(outcomes.length);
  for (let i = 0; i < outcomes.length; i++) {
    results[i] = applyOutcome(batch, outcomes[i] as Outcome);
  }
  return { results, notifications: batch.notifications };
}

function applyOutcome(batch: Batch, outcome: Outcome): TapState {
  const { tap } = outcome;
  const row = batch.ctx.st.tapStatus.get(tap.tapId);
  if (row === undefined) {
    // The gate journals every tap before it reaches the ledger; an unknown tap here is a pipeline bug.
    throw new StoreError('ERR_TAP_NOT_JOURNALED', `tap ${tap.tapId} reached the ledger without being journaled`);
  }
  // Idempotence: a tap decided before (by an earlier batch, or earlier in this one) keeps its outcome.
  if (row.status !== 'pending') return getTapState(batch.ctx, tap.tapId) as TapState;
  if (outcome.kind === 'failed') return fail(batch, row.seq, outcome);
  const { evaluation } = outcome;
  if (!evaluation.ok) return reject(batch, tap, row.seq, evaluation.reason, evaluation.message);
  return issue(batch, tap, row.seq, evaluation.quote);
}

function issue(batch: Batch, tap: Tap, seq: number, quote: Quote): TapState {
  const { st, ids } = batch.ctx;
  const { price } = quote;
  if (!Number.isInteger(price) || price < 0 || !Number.isInteger(quote.basePrice)) {
    throw new StoreError('ERR_INVALID_ARGUMENT', `quote for tap ${tap.tapId} is not in integer cents`);
  }
  // Read inside the transaction, so an earlier outcome of this batch has already been charged.
  const wallet = st.wallet.get(tap.customerId);
  if (wallet === undefined) return reject(batch, tap, seq, 'unknown_customer', `customer ${tap.customerId} is unknown`);
  const [before, currency] = wallet;
  if (before < price) return reject(batch, tap, seq, 'insufficient_funds', `balance ${before} is below price ${price}`);
  const ticketId = ids.next('tkt');
  const balance = before - price;
  const { nowMs } = batch;
  st.setTapOutcome.run('issued', null, ticketId, seq);
  st.setBalance.run(balance, tap.customerId);
  st.insertLedger.run(tap.customerId, 'debit', -price, balance, tap.tapId, nowMs);
  const rules = JSON.stringify(quote.rules);
  const { tapId, customerId, rideId, tappedAt } = tap;
  const { basePrice } = quote;
  st.insertTicket.run(
    seq,
    ticketId,
    tapId,
    customerId,
    rideId,
    basePrice,
    price,
    currency,
    rules,
    balance,
    tappedAt,
    nowMs,
  );
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
  notify(batch, customerId, { type: 'ticket.issued', data: ticket });
  const cause = { kind: 'ticket', tapId, ticketId } as const;
  const change = { customerId, balance, currency, change: -price, cause };
  notify(batch, customerId, { type: 'balance.changed', data: change });
  return { tapId, status: 'issued', ticket };
}

/** A rejection is final for the pipeline but kept as an open dead letter, so an operator can replay it. */
function reject(batch: Batch, tap: Tap, seq: number, reason: RejectReason, message: string): TapState {
  batch.ctx.st.setTapOutcome.run('rejected', reason, null, seq);
  deadLetter(batch, tap, reason, message, 1, batch.nowMs);
  const { tapId, customerId, rideId, tappedAt } = tap;
  const data = { tapId, customerId, rideId, reason, message, tappedAt };
  notify(batch, customerId, { type: 'ticket.rejected', data });
  return { tapId, status: 'rejected', reason };
}

function fail(batch: Batch, seq: number, outcome: Extract<Outcome, { kind: 'failed' }>): TapState {
  const { tap, reason } = outcome;
  if (!Number.isInteger(outcome.attempts) || outcome.attempts < 1) {
    throw new StoreError('ERR_INVALID_ARGUMENT', `attempts for tap ${tap.tapId} must be a positive integer`);
  }
  checkTimeMs(outcome.firstAtMs, 'firstAtMs');
  batch.ctx.st.setTapOutcome.run('failed', reason, null, seq);
  deadLetter(batch, tap, reason, outcome.error, outcome.attempts, outcome.firstAtMs);
  return { tapId: tap.tapId, status: 'failed', reason };
}

function deadLetter(batch: Batch, tap: Tap, reason: string, error: string, attempts: number, firstAtMs: number) {
  batch.ctx.st.insertDeadLetter.run(tap.tapId, JSON.stringify(tap), reason, error, attempts, firstAtMs, batch.nowMs);
}

function notify(batch: Batch, customerId: string, payload: NotificationPayload): void {
  const { nowMs, createdAt } = batch;
  const run = batch.ctx.st.insertOutbox.run(customerId, payload.type, JSON.stringify(payload.data), nowMs);
  batch.notifications.push({ id: Number(run.lastInsertRowid), customerId, createdAt, ...payload });
}
