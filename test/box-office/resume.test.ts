/**
 * A stop at any step of the saga is resumed at the next start: each state a crash can leave (a hold with its
 * payment not yet taken, a payment taken but the booking not yet confirmed, a hold past its expiry, a card charge
 * the provider forgot, a refund asked but not confirmed) is written straight into a store, and an engine started on
 * it must finish or compensate the saga.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { demoPark } from '../../src/domain/demo-park.ts';
import { sequentialIds } from '../../src/platform/ids.ts';
import type { PaymentProvider } from '../../src/payments/provider.ts';
import type { BookingWriter } from '../../src/store/bookings.ts';
import { TicketStore } from '../../src/store/index.ts';
import { GALA, startBoxOffice, type BoxOfficeHarness } from './box-office-harness.ts';

const T0 = 1_700_000_000_000; // the test kit's clock at start
let h: BoxOfficeHarness | undefined;
let dir: string | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A store as a crash left it: the demo park, the gala, and what `crashState` wrote. */
function crashedStore(crashState: (w: BookingWriter) => void): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-resume-'));
  const store = TicketStore.open({ dataDir: d, ids: sequentialIds() });
  store.seedIfEmpty(demoPark(''), T0 - 60_000);
  store.shows.put('gala', GALA, T0 - 60_000);
  const { written } = store.commitGroup([], [crashState], T0 - 30_000);
  expect(written[0]?.ok).toBe(true);
  store.close();
  return d;
}

const FLOOR_2 = [{ categoryId: 'floor', quantity: 2, unitPrice: 2_000, amount: 4_000 }];
const held = (w: BookingWriter, id: string, expiresAtMs: number) =>
  w.insertBooking({ id, customerId: 'customer-1', showId: 'gala', items: FLOOR_2, total: 4_000, currency: 'EUR', holdExpiresAtMs: expiresAtMs });

describe('resuming sagas at start', () => {
  it('takes a wallet payment that a crash left pending, then confirms', async () => {
    dir = crashedStore((w) => {
      held(w, 'bk-a', T0 + 600_000);
      w.insertPayment({ id: 'pay-a', bookingId: 'bk-a', method: 'wallet', amount: 4_000, currency: 'EUR' });
    });
    h = await startBoxOffice({ dir });
    await h.kit.settle();
    await h.run(h.engine.boxOffice.resumed);
    const booking = h.engine.boxOffice.getBooking('bk-a')!;
    expect(booking.status).toBe('confirmed');
    expect(booking.tickets).toHaveLength(2);
    expect(h.store.getCustomer('customer-1')!.balance).toBe(10_000 - 4_000);
    expect((await h.run(h.engine.boxOffice.snapshot('gala')))?.available.find((a) => a.categoryId === 'floor')).toMatchObject({ sold: 2, held: 0 });
  });

  it('confirms a booking whose payment succeeded just before the crash', async () => {
    dir = crashedStore((w) => {
      held(w, 'bk-b', T0 + 600_000);
      const p = w.insertPayment({ id: 'pay-b', bookingId: 'bk-b', method: 'card', amount: 4_000, currency: 'EUR' });
      w.updatePayment({ ...p, status: 'succeeded', providerTransactionId: 'txn-old' });
    });
    h = await startBoxOffice({ dir });
    await h.kit.settle();
    await h.run(h.engine.boxOffice.resumed);
    expect(h.engine.boxOffice.getBooking('bk-b')?.status).toBe('confirmed');
  });

  it('expires a hold that ran out while ticketd was down, and serves the waiting line', async () => {
    dir = crashedStore((w) => {
      held(w, 'bk-c', T0 - 1_000);
      w.insertBooking({ id: 'bk-d', customerId: 'customer-2', showId: 'gala', items: [{ categoryId: 'floor', quantity: 2, unitPrice: 2_000, amount: 4_000 }], total: 4_000, currency: 'EUR', holdExpiresAtMs: T0 + 600_000 });
      w.insertWaiting({ id: 'wl-1', showId: 'gala', customerId: 'customer-3', categoryId: 'floor', quantity: 2 });
    });
    h = await startBoxOffice({ dir });
    await h.run(h.engine.boxOffice.resumed);
    await h.kit.advance(1); // the actor's timer for a hold already due
    expect(h.engine.boxOffice.getBooking('bk-c')?.status).toBe('expired');
    expect(h.engine.boxOffice.getBooking('bk-d')?.status).toBe('held');
    const entry = h.store.bookings.waitingEntry('wl-1')!;
    expect(entry.status).toBe('offered');
    expect(h.engine.boxOffice.getBooking(entry.bookingId!)).toMatchObject({ customerId: 'customer-3', status: 'held' });
  });

  it('charges again a card payment whose webhook never came (same idempotency key), and confirms on its webhook', async () => {
    dir = crashedStore((w) => {
      held(w, 'bk-e', T0 + 600_000);
      w.insertPayment({ id: 'pay-e', bookingId: 'bk-e', method: 'card', amount: 4_000, currency: 'EUR' });
    });
    h = await startBoxOffice({ dir, cardDelayMs: 500 });
    await h.kit.settle();
    await h.kit.advance(600);
    expect(h.engine.boxOffice.getBooking('bk-e')).toMatchObject({ status: 'confirmed', payments: [{ status: 'succeeded' }] });
  });

  it('asks the provider again for a card refund decided before the crash, under the same idempotency key', async () => {
    dir = crashedStore((w) => {
      held(w, 'bk-f', T0 - 1_000);
      w.setStatus('bk-f', 'cancelled');
      const p = w.insertPayment({ id: 'pay-f', bookingId: 'bk-f', method: 'card', amount: 4_000, currency: 'EUR' });
      w.updatePayment({ ...p, status: 'succeeded', providerTransactionId: 'txn-f', refundRequested: 4_000 });
    });
    const refunds: unknown[] = [];
    const provider: PaymentProvider = {
      charge: () => Promise.reject(new Error('no charge expected')),
      refund: (request) => (refunds.push(request), Promise.resolve({ providerTransactionId: request.providerTransactionId, duplicate: false })),
    };
    h = await startBoxOffice({ dir, provider });
    await h.run(h.engine.boxOffice.resumed);
    expect(refunds).toEqual([{ paymentId: 'pay-f', providerTransactionId: 'txn-f', amount: 4_000, idempotencyKey: 'refund:pay-f:4000' }]);
  });

  it('confirms a paid hold whose confirmation a crash cut off, its wallet debited once', async () => {
    dir = crashedStore((w) => {
      held(w, 'bk-g', T0 + 1_000);
      const p = w.insertPayment({ id: 'pay-g', bookingId: 'bk-g', method: 'wallet', amount: 4_000, currency: 'EUR' });
      const balanceAfter = w.debitWallet('customer-1', 4_000)!;
      const paid = w.updatePayment({ ...p, status: 'succeeded' });
      w.notify('customer-1', 'bk-g', { type: 'payment.succeeded', data: { ...paid, booking: { id: 'bk-g', status: 'held', version: 1 } } }, -4_000, balanceAfter);
    });
    h = await startBoxOffice({ dir });
    await h.run(h.engine.boxOffice.resumed);
    expect(h.engine.boxOffice.getBooking('bk-g')?.status).toBe('confirmed');
    expect(h.store.getCustomer('customer-1')!.balance).toBe(6_000);
    expect(h.store.auditBalances().every((a) => a.balance === a.ledgerSum)).toBe(true);
  });
});
