/**
 * Wallet top-ups, idempotent on the caller's `topUpId`: the same id again is answered, not applied again. The
 * request that applied one (`requestId`) is its event's correlation id in the feed.
 * Runs inside a transaction opened by TicketStore.
 */
import { AMOUNT_MAX } from '../domain/types.ts';
import { appendEvent } from './commit-batch.ts';
import { checkCents, checkId, checkTimeMs } from './check-input.ts';
import { customerFromRow, iso } from './rows.ts';
import type { StoreContext } from './statements.ts';
import { StoreError } from './store-error.ts';
import type { BalanceChangedData, Notification, TopUpResult } from './store-types.ts';

export function topUp(
  ctx: StoreContext,
  customerId: string,
  topUpId: string,
  amount: number,
  nowMs: number,
  requestId?: string,
): TopUpResult {
  checkId(customerId, 'customerId');
  checkId(topUpId, 'topUpId');
  checkCents(amount, 'amount', 1);
  checkTimeMs(nowMs, 'nowMs');
  const { st } = ctx;
  const previous = st.getTopUp.get(topUpId);
  if (previous !== undefined && (previous.customer_id !== customerId || previous.amount !== amount)) {
    throw new StoreError('ERR_TOPUP_CONFLICT', `top-up ${topUpId} was already used for another customer or amount`);
  }
  const row = st.getCustomer.get(customerId);
  if (row === undefined) throw new StoreError('ERR_UNKNOWN_CUSTOMER', `no customer ${customerId}`);
  if (previous !== undefined) return { status: 'duplicate', customer: customerFromRow(row) };

  const balance = row.balance + amount;
  if (balance > AMOUNT_MAX) {
    throw new StoreError('ERR_BALANCE_LIMIT', `a top-up of ${amount} would take the balance of ${customerId} over ${AMOUNT_MAX}`);
  }
  st.setBalance.run(balance, customerId);
  st.insertTopUp.run(topUpId, customerId, amount, nowMs);
  const id = appendEvent(ctx, { customer_id: customerId, type: 'balance.changed', amount, balance_after: balance, ref: topUpId }, nowMs, requestId ?? null);
  const data: BalanceChangedData = {
    customerId,
    balance,
    currency: row.currency,
    change: amount,
    cause: { kind: 'top-up', topUpId },
  };
  const notification: Notification = { id, customerId, type: 'balance.changed', data, createdAt: iso(nowMs) };
  return { status: 'applied', customer: { ...customerFromRow(row), balance }, notification };
}
