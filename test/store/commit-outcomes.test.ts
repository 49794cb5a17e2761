import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Tap } from '../../src/domain/types.ts';
import type { Notification, Outcome } from '../../src/store/index.ts';
import { codeOf, failed, makeHarness, makeTap, ok, rejected, T0, type Harness } from './helpers.ts';

describe('commitOutcomes', () => {
  let h: Harness;
  beforeEach(() => {
    h = makeHarness();
    h.store.upsertCustomer('c1', { name: 'Ada', tier: 'standard', balance: 1_000 }, T0);
    h.store.upsertCustomer('c2', { name: 'Bo', tier: 'standard', balance: 500 }, T0);
  });
  afterEach(() => h.cleanup());

  it('issues a ticket: one event that is the debit, the ticket and the notification', () => {
    const tap = makeTap('t1');
    const outcome: Outcome = {
      tap,
      kind: 'evaluated',
      evaluation: {
        tapId: 't1',
        ok: true,
        quote: { basePrice: 300, price: 375, rules: [{ rule: 'afternoon', kind: 'peak', factorBp: 12_500, before: 300, after: 375 }] },
      },
    };
    const { results, notifications } = h.store.commitOutcomes([outcome], T0 + 10);
    expect(results).toEqual([{ tapId: 't1', status: 'issued', ticketId: expect.any(String), price: 375, balanceAfter: 625 }]);
    expect(h.store.getCustomer('c1')?.balance).toBe(625);
    expect(h.store.auditBalances()).toContainEqual({ customerId: 'c1', balance: 625, ledgerSum: 625 });
    expect(notifications.map((n) => n.type)).toEqual(['ticket.issued']);
    const ticket = h.store.getTapState('t1')?.ticket;
    expect(ticket).toMatchObject({ tapId: 't1', customerId: 'c1', rideId: 'r1', basePrice: 300, price: 375, balanceAfter: 625 });
    expect(ticket?.rules).toHaveLength(1);
    expect(ticket?.ticketId).toBe((results[0] as { ticketId: string }).ticketId);
    expect(notifications[0]?.data).toEqual(ticket);
    expect(notifications[0]?.createdAt).toBe(new Date(T0 + 10).toISOString());
    expect(h.store.listTickets('c1', 10).tickets).toEqual([ticket]);
    expect(h.store.streamAfter('c1', 0, 10)).toEqual(notifications);
  });

  it('rejects for insufficient funds when an earlier outcome of the same batch drained the balance', () => {
    const taps = [makeTap('t1'), makeTap('t2'), makeTap('t3')];
    const { results, notifications } = h.store.commitOutcomes([ok(taps[0]!, 600), ok(taps[1]!, 600), ok(taps[2]!, 400)], T0 + 1);
    expect(results.map((r) => r.status)).toEqual(['issued', 'rejected', 'issued']);
    expect(results[1]).toEqual({ tapId: 't2', status: 'rejected', reason: 'insufficient_funds' });
    expect(h.store.getCustomer('c1')?.balance).toBe(0);
    expect(notifications.map((n) => n.type)).toEqual(['ticket.issued', 'ticket.rejected', 'ticket.issued']);
    expect(h.store.listDeadLetters({ limit: 10 }).deadLetters.map((d) => [d.tapId, d.reason])).toEqual([['t2', 'insufficient_funds']]);
  });

  it('turns a rejected evaluation into a dead letter and a ticket.rejected notification', () => {
    const tap = makeTap('t1', 'c2', 'r9');
    const { results, notifications } = h.store.commitOutcomes([rejected(tap, 'unknown_ride', 'no ride r9')], T0 + 7);
    expect(results).toEqual([{ tapId: 't1', status: 'rejected', reason: 'unknown_ride' }]);
    expect(notifications).toHaveLength(1);
    expect(notifications[0]).toMatchObject({
      customerId: 'c2',
      type: 'ticket.rejected',
      data: { tapId: 't1', customerId: 'c2', rideId: 'r9', reason: 'unknown_ride', message: 'no ride r9', tappedAt: tap.tappedAt },
    });
    const [letter] = h.store.listDeadLetters({ limit: 10 }).deadLetters;
    expect(letter).toMatchObject({ tapId: 't1', tap, reason: 'unknown_ride', error: 'no ride r9', attempts: 1, status: 'open' });
    expect(letter?.firstAt).toBe(new Date(T0 + 7).toISOString());
    expect(h.store.getCustomer('c2')?.balance).toBe(500);
    expect(h.store.getTapState('t1')).toEqual({ tapId: 't1', status: 'rejected', reason: 'unknown_ride' });
  });

  it('turns a failure into a dead letter with its attempts and times, without notifying', () => {
    const tap = makeTap('t1');
    const { results, notifications } = h.store.commitOutcomes([failed(tap, 3, T0 + 1)], T0 + 9);
    expect(results).toEqual([{ tapId: 't1', status: 'failed', reason: 'worker_crash' }]);
    expect(notifications).toEqual([]);
    expect(h.store.streamAfter('c1', 0, 10)).toEqual([]);
    const [letter] = h.store.listDeadLetters({ limit: 10 }).deadLetters;
    expect(letter).toMatchObject({ reason: 'worker_crash', error: 'worker exited with code 1', attempts: 3 });
    expect(letter?.firstAt).toBe(new Date(T0 + 1).toISOString());
    expect(letter?.lastAt).toBe(new Date(T0 + 9).toISOString());
    expect(h.store.getDeadLetter(letter?.id ?? -1)).toEqual(letter);
    expect(h.store.getTapState('t1')).toEqual({ tapId: 't1', status: 'failed', reason: 'worker_crash' });
  });

  it('rejects a tap whose customer no longer exists in the catalog', () => {
    const tap = makeTap('t1', 'ghost');
    const { results } = h.store.commitOutcomes([ok(tap, 100)], T0);
    expect(results[0]).toEqual({ tapId: 't1', status: 'rejected', reason: 'unknown_customer' });
    expect(h.store.auditBalances().every((a) => a.balance === a.ledgerSum)).toBe(true);
  });

  it('charges a tap once: the same tap again, in the batch or later, is a duplicate with its first outcome', () => {
    const tap = makeTap('t1');
    const first = h.store.commitOutcomes([ok(tap, 100), ok(tap, 100)], T0);
    const issued = first.results[0] as { ticketId: string };
    expect(first.results[1]).toEqual({ tapId: 't1', status: 'duplicate', outcome: 'issued', ticketId: issued.ticketId, price: 100, balanceAfter: 900 });
    expect(first.notifications).toHaveLength(1);
    const again = h.store.commitOutcomes([ok(tap, 100), rejected(tap, 'stale_tap'), failed(tap, 2, T0)], T0 + 1);
    expect(again.results.map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(again.notifications).toEqual([]);
    expect(h.store.getCustomer('c1')?.balance).toBe(900);
    expect(h.store.listTickets('c1', 10).tickets).toHaveLength(1);
    expect(h.store.listDeadLetters({ limit: 10 }).deadLetters).toEqual([]);
    const rejectedTap = makeTap('t2');
    h.store.commitOutcomes([rejected(rejectedTap, 'ride_closed')], T0 + 2);
    expect(h.store.commitOutcomes([ok(rejectedTap, 100)], T0 + 3).results).toEqual([
      { tapId: 't2', status: 'duplicate', outcome: 'rejected', reason: 'ride_closed' },
    ]);
  });

  it('answers conflict, revealing nothing, for a taken tap id from another machine or with other content', () => {
    const tap = makeTap('t1');
    h.store.commitOutcomes([ok(tap, 100)], T0);
    const otherMachine: Tap = { ...tap, machineId: 'm2' };
    const otherContent: Tap = { ...tap, rideId: 'r2' };
    const otherCustomer: Tap = { ...tap, customerId: 'c2' };
    const { results, notifications } = h.store.commitOutcomes([ok(otherMachine, 100), ok(otherContent, 100), ok(otherCustomer, 100)], T0 + 1);
    expect(results).toEqual([
      { tapId: 't1', status: 'conflict' },
      { tapId: 't1', status: 'conflict' },
      { tapId: 't1', status: 'conflict' },
    ]);
    expect(notifications).toEqual([]);
    expect(h.store.getCustomer('c1')?.balance).toBe(900);
    expect(h.store.getCustomer('c2')?.balance).toBe(500);
    // Inside one batch too: the first copy decides, a different copy is a conflict.
    const fresh = makeTap('t9');
    expect(h.store.commitOutcomes([ok(fresh, 10), ok({ ...fresh, machineId: 'm2' }, 10)], T0 + 2).results.map((r) => r.status)).toEqual([
      'issued',
      'conflict',
    ]);
  });

  it('numbers notifications strictly increasing, and replays them after an id', () => {
    const taps: Tap[] = [];
    for (let i = 0; i < 12; i++) taps.push(makeTap(`t${i}`, i % 3 === 0 ? 'c2' : 'c1'));
    const all: Notification[] = [];
    for (let i = 0; i < taps.length; i += 4) {
      const batch = taps.slice(i, i + 4).map((t, k) => (k === 3 ? rejected(t, 'ride_closed') : ok(t, 50)));
      all.push(...h.store.commitOutcomes(batch, T0 + i).notifications);
    }
    const ids = all.map((n) => n.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    for (const customerId of ['c1', 'c2']) {
      const mine = all.filter((n) => n.customerId === customerId);
      expect(h.store.streamAfter(customerId, 0, 100)).toEqual(mine);
      const cut = mine[2]?.id ?? 0;
      expect(h.store.streamAfter(customerId, cut, 100)).toEqual(mine.slice(3));
      expect(h.store.streamAfter(customerId, cut, 1)).toEqual(mine.slice(3, 4));
    }
    expect(h.store.streamAfter('nobody', 0, 10)).toEqual([]);
  });

  it('refuses malformed outcomes, and the whole batch rolls back', () => {
    const tap = makeTap('t1');
    expect(codeOf(() => h.store.commitOutcomes([ok(makeTap('t0'), 10), ok(tap, 1.5)], T0))).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(() => h.store.commitOutcomes([failed(tap, 0, T0)], T0))).toBe('ERR_INVALID_ARGUMENT');
    expect(h.store.getTapState('t0')).toBeUndefined();
    expect(h.store.getTapState('t1')).toBeUndefined();
    expect(h.store.getCustomer('c1')?.balance).toBe(1_000);
  });
});
