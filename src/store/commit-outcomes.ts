/**
 * The ledger's group commit: a batch of evaluated taps is decided and written in one transaction (one fsync for the
 * whole batch). A tap is identified by its id: the same tap again from the same machine is a `duplicate` answered
 * with its first outcome; the id on another machine's tap or on other content is a `conflict` that reveals nothing.
 * A new tap becomes one row of the event log (issued, rejected or failed), and rejections and failures also a dead
 * letter. This is the hot path: the batch's taps and wallets are looked up a few statements at a time, and rows are
 * written many per statement (commit-batch.ts).
 */
import type { Quote, RejectReason, Tap, Ticket } from '../domain/types.ts';
import { checkTimeMs } from './check-input.ts';
import { CommitBatch } from './commit-batch.ts';
import { parseTappedAt } from '../domain/rfc3339.ts';
import { latestTapEvent } from './customer-reads.ts';
import type { EventRow } from './rows.ts';
import type { StoreContext } from './statements.ts';
import { StoreError } from './store-error.ts';
import type { CommitResult, DecidedOutcome, Notification, Outcome, TapResult } from './store-types.ts';

/** What the log knows of a tap already decided: enough to tell a duplicate from a conflict, and to answer it. */
interface DecidedTap {
  machineId: string;
  customerId: string;
  rideId: string;
  tappedAt: string;
  decided: DecidedOutcome;
}

/**
 * Applies the outcomes in order, as if one by one: a tap already decided keeps its outcome, a wallet is charged
 * only while it covers the price.
 *
 * @example
 * const { results, notifications } = commitOutcomes(ctx, [{ tap, kind: 'evaluated', evaluation }], nowMs);
 */
export function commitOutcomes(ctx: StoreContext, outcomes: readonly Outcome[], nowMs: number, seen: SeenTap[]): CommitResult {
  checkTimeMs(nowMs, 'nowMs');
  ctx.taps.expire(nowMs);
  const batch = new CommitBatch(ctx, nowMs);
  batch.loadWallets(customersToCharge(outcomes));
  batch.loadHeads(outcomes.map((o) => o.tap.customerId));
  const notifications: Notification[] = [];
  const decidedHere = new Map<string, DecidedTap>();
  const results = new Array<TapResult>(outcomes.length);
  for (let i = 0; i < outcomes.length; i++) {
    const outcome = outcomes[i] as Outcome;
    const { tap } = outcome;
    const known = decidedHere.get(tap.tapId) ?? knownTap(ctx, tap.tapId);
    if (known !== undefined && !replaysFailure(outcome, known)) {
      results[i] = sameTap(known, tap) ? { tapId: tap.tapId, status: 'duplicate', ...known.decided } : { tapId: tap.tapId, status: 'conflict' };
      continue;
    }
    const tappedAtMs = parseTappedAt(tap.tappedAt);
    if (Number.isNaN(tappedAtMs)) throw new StoreError('ERR_INVALID_ARGUMENT', `tap ${tap.tapId} has no valid tappedAt`);
    if (known === undefined && outcome.replayOf === undefined && ctx.taps.tooOld(tappedAtMs)) {
      // Older than anything the window vouches for: it may have been decided long ago, and it cannot be charged now.
      // (A replayed letter's tap is known to have been refused: it is decided again, and refused again as stale.)
      results[i] = { tapId: tap.tapId, status: 'rejected', reason: 'stale_tap' };
      continue;
    }
    const result = decide(batch, outcome, notifications);
    results[i] = result;
    decidedHere.set(tap.tapId, decidedTap(tap, result));
    seen.push({ tapId: tap.tapId, eventId: batch.lastId, tappedAtMs });
  }
  batch.flush();
  return { results, notifications };
}

/** A tap this commit decided, for the tap window once the transaction has committed. */
export interface SeenTap {
  tapId: string;
  eventId: number;
  tappedAtMs: number;
}

/** A replayed dead letter decides its tap again, if its last outcome was a rejection or a failure. */
function replaysFailure(outcome: Outcome, known: DecidedTap): boolean {
  return outcome.replayOf !== undefined && known.decided.outcome !== 'issued' && sameTap(known, outcome.tap);
}

function sameTap(known: DecidedTap, tap: Tap): boolean {
  return (
    known.machineId === tap.machineId &&
    known.customerId === tap.customerId &&
    known.rideId === tap.rideId &&
    known.tappedAt === tap.tappedAt
  );
}

function decidedTap(tap: Tap, result: TapResult): DecidedTap {
  const { machineId, customerId, rideId, tappedAt } = tap;
  const decided: DecidedOutcome =
    result.status === 'issued'
      ? { outcome: 'issued', ticketId: result.ticketId, price: result.price, balanceAfter: result.balanceAfter }
      : { outcome: result.status as 'rejected' | 'failed', reason: (result as { reason: string }).reason };
  return { machineId, customerId, rideId, tappedAt, decided };
}

/** What the log says of a tap the window remembers. */
function knownTap(ctx: StoreContext, tapId: string): DecidedTap | undefined {
  const row = latestTapEvent(ctx, tapId);
  if (row === undefined) return undefined;
  const decided = decidedOfRow(row);
  if (decided === undefined) throw new Error(`the tap window points ${tapId} at event ${row.id}, which is not a tap's`);
  return {
    machineId: row.machine_id as string,
    customerId: row.customer_id,
    rideId: row.ride_id as string,
    tappedAt: row.tapped_at as string,
    decided,
  };
}

function decidedOfRow(row: EventRow): DecidedOutcome | undefined {
  switch (row.type) {
    case 'ticket.issued':
      return { outcome: 'issued', ticketId: row.ref as string, price: row.price as number, balanceAfter: row.balance_after as number };
    case 'ticket.rejected':
      return { outcome: 'rejected', reason: row.reason as string };
    case 'tap.failed':
      return { outcome: 'failed', reason: row.reason as string };
    default:
      return undefined;
  }
}

function* customersToCharge(outcomes: readonly Outcome[]): Generator<string> {
  for (const outcome of outcomes) {
    if (outcome.kind === 'evaluated' && outcome.evaluation.ok) yield outcome.tap.customerId;
  }
}

function decide(batch: CommitBatch, outcome: Outcome, notifications: Notification[]): TapResult {
  const { tap } = outcome;
  if (outcome.kind === 'failed') return fail(batch, outcome);
  const { evaluation } = outcome;
  if (!evaluation.ok) return reject(batch, outcome, evaluation.reason, evaluation.message, notifications);
  return issue(batch, outcome, evaluation.quote, notifications) ?? reject(batch, outcome, ...refusal(batch, tap, evaluation.quote), notifications);
}

/** Why the ledger refuses a priced tap: the customer is unknown, or cannot pay. */
function refusal(batch: CommitBatch, tap: Tap, quote: Quote): [RejectReason, string] {
  const wallet = batch.wallet(tap.customerId);
  if (wallet === undefined) return ['unknown_customer', `customer ${tap.customerId} is unknown`];
  return ['insufficient_funds', `balance ${wallet.balance} is below price ${quote.price}`];
}

/** Charges the tap and writes its ticket; undefined when the wallet is unknown or does not cover the price. */
function issue(batch: CommitBatch, outcome: Outcome, quote: Quote, notifications: Notification[]): TapResult | undefined {
  const { tap } = outcome;
  const { price, basePrice } = quote;
  if (!Number.isInteger(price) || price < 0 || !Number.isInteger(basePrice)) {
    throw new StoreError('ERR_INVALID_ARGUMENT', `quote for tap ${tap.tapId} is not in integer cents`);
  }
  // The batch's own wallet: an earlier outcome of this batch has already been charged to it.
  const wallet = batch.wallet(tap.customerId);
  if (wallet === undefined || wallet.balance < price) return undefined;
  const ticketId = batch.ctx.ids.next('tkt');
  const { tapId, customerId, rideId, tappedAt } = tap;
  const balanceAfter = batch.debit(wallet, price);
  const rules = JSON.stringify(quote.rules);
  const id = batch.appendTap(tap, 'ticket.issued', -price, balanceAfter, null, basePrice, price, rules, ticketId, null);
  const ticket: Ticket = {
    ticketId, tapId, customerId, rideId, basePrice, price, currency: wallet.currency, rules: quote.rules, balanceAfter, tappedAt,
    issuedAt: batch.createdAt,
  };
  notifications.push({ id, customerId, createdAt: batch.createdAt, type: 'ticket.issued', data: ticket });
  if (outcome.replayOf !== undefined) batch.ctx.st.markReplayed.run(outcome.replayOf);
  return { tapId, status: 'issued', ticketId, price, balanceAfter };
}

/** A rejection is final for the pipeline but kept as an open dead letter, so an operator can replay it. */
function reject(batch: CommitBatch, outcome: Outcome, reason: RejectReason, message: string, notifications: Notification[]): TapResult {
  const { tap } = outcome;
  const id = batch.appendTap(tap, 'ticket.rejected', 0, null, reason, null, null, null, null, message);
  deadLetter(batch, outcome, reason, message, 1, batch.nowMs);
  const { tapId, customerId, rideId, tappedAt } = tap;
  const data = { tapId, customerId, rideId, reason, message, tappedAt };
  notifications.push({ id, customerId, createdAt: batch.createdAt, type: 'ticket.rejected', data });
  return { tapId, status: 'rejected', reason };
}

function fail(batch: CommitBatch, outcome: Extract<Outcome, { kind: 'failed' }>): TapResult {
  const { tap, reason } = outcome;
  if (!Number.isInteger(outcome.attempts) || outcome.attempts < 1) {
    throw new StoreError('ERR_INVALID_ARGUMENT', `attempts for tap ${tap.tapId} must be a positive integer`);
  }
  checkTimeMs(outcome.firstAtMs, 'firstAtMs');
  batch.appendTap(tap, 'tap.failed', 0, null, reason, null, null, null, null, outcome.error);
  deadLetter(batch, outcome, reason, outcome.error, outcome.attempts, outcome.firstAtMs);
  return { tapId: tap.tapId, status: 'failed', reason };
}

/** A first failure opens a letter; a replayed letter that fails again stays that letter, one attempt more. */
function deadLetter(batch: CommitBatch, outcome: Outcome, reason: string, error: string, attempts: number, firstAtMs: number): void {
  const { st } = batch.ctx;
  if (outcome.replayOf !== undefined) {
    st.refailDeadLetter.run(reason, error, batch.nowMs, outcome.replayOf);
    return;
  }
  st.insertDeadLetter.run(outcome.tap.tapId, JSON.stringify(outcome.tap), reason, error, attempts, firstAtMs, batch.nowMs);
}
