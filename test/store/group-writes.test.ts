/**
 * The box office's writes in a group commit: all in one savepoint when none throws; when one throws, it alone is
 * undone and answered as its error, and the others commit with their wallet moves and events, in order.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BookingWriter } from '../../src/store/bookings.ts';
import { makeHarness, T0, type Harness } from './helpers.ts';

describe('commitGroup with box-office writes', () => {
  let h: Harness;
  beforeEach(() => {
    h = makeHarness();
    h.store.upsertCustomer('c1', { name: 'Ada', tier: 'standard', balance: 1_000 }, T0);
  });
  afterEach(() => h.cleanup());

  const booking = (w: BookingWriter, id: string) =>
    w.insertBooking({ id, customerId: 'c1', showId: 's1', items: [{ categoryId: 'ga', quantity: 1, unitPrice: 100, amount: 100 }], total: 100, currency: 'EUR', holdExpiresAtMs: T0 + 1_000 });
  const pay = (w: BookingWriter, id: string) => {
    const balanceAfter = w.debitWallet('c1', 100)!;
    w.notify('c1', id, { type: 'booking.held', data: booking(w, id) }, -100, balanceAfter);
    return balanceAfter;
  };

  it('commits every write of a group, sharing the wallet in memory', () => {
    const { written } = h.store.commitGroup([], [(w) => pay(w, 'b1'), (w) => pay(w, 'b2'), (w) => pay(w, 'b3')], T0);
    expect(written.map((o) => (o.ok ? o.value : o.error))).toEqual([900, 800, 700]);
    expect(h.store.getCustomer('c1')?.balance).toBe(700);
    expect(h.store.auditBalances()).toEqual([{ customerId: 'c1', balance: 700, ledgerSum: 700 }]);
    expect(h.store.streamAfter('c1', 0, 10).map((n) => n.type)).toEqual(['booking.held', 'booking.held', 'booking.held']);
  });

  it('undoes only the write that throws, and runs the others again alone', () => {
    const boom = new Error('a bug in one write');
    const { written } = h.store.commitGroup([], [
      (w) => pay(w, 'b1'),
      (w) => {
        pay(w, 'b2');
        throw boom;
      },
      (w) => pay(w, 'b3'),
    ], T0);
    expect(written.map((o) => (o.ok ? o.value : o.error))).toEqual([900, boom, 800]);
    expect(h.store.bookings.get('b2')).toBeUndefined();
    expect(h.store.bookings.get('b3')?.status).toBe('held');
    expect(h.store.getCustomer('c1')?.balance).toBe(800);
    expect(h.store.auditBalances()).toEqual([{ customerId: 'c1', balance: 800, ledgerSum: 800 }]);
    const stream = h.store.streamAfter('c1', 0, 10);
    expect(stream.map((n) => (n.data as { id: string }).id)).toEqual(['b1', 'b3']);
  });
});
