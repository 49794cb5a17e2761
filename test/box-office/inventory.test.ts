/** The pure inventory: each refusal code, all or nothing across items, confirm/release/expire, rebuild. */
import { describe, expect, it } from 'vitest';
import { Inventory } from '../../src/box-office/inventory.ts';
import { DEFAULT_INVENTORY_LIMITS, InventoryError, type InventoryCategory } from '../../src/box-office/inventory-types.ts';

const CATEGORIES: InventoryCategory[] = [
  { id: 'ga', capacity: 3 },
  { id: 'stalls', capacity: 6, rows: [{ row: 'A', seats: 3 }, { row: 'B', seats: 3 }] },
];
const HOLD_MS = 900_000;
const fresh = (): Inventory => new Inventory(CATEGORIES, DEFAULT_INVENTORY_LIMITS);

describe('Inventory.hold', () => {
  it('holds general admission and named seats with an expiry', () => {
    const inv = fresh();
    const r = inv.hold('bk_1', [{ categoryId: 'ga', quantity: 2 }, { categoryId: 'stalls', seats: ['A-1', 'A-2'] }], 1_000, HOLD_MS);
    expect(r).toEqual({ ok: true, record: { bookingId: 'bk_1', status: 'held', expiresAtMs: 1_000 + HOLD_MS,
      items: [{ categoryId: 'ga', quantity: 2 }, { categoryId: 'stalls', quantity: 2, seats: ['A-1', 'A-2'] }] } });
    expect(inv.available()).toEqual([
      { categoryId: 'ga', capacity: 3, held: 2, sold: 0, available: 1 },
      { categoryId: 'stalls', capacity: 6, held: 2, sold: 0, available: 4 },
    ]);
  });

  it('answers each refusal code', () => {
    const inv = fresh();
    inv.hold('bk_1', [{ categoryId: 'stalls', seats: ['B-2', 'A-2'] }], 0, HOLD_MS);
    const code = (items: Parameters<Inventory['hold']>[1], id = 'bk_x'): unknown => {
      const r = inv.hold(id, items, 0, HOLD_MS);
      return r.ok ? 'ok' : [r.code, r.detail];
    };
    expect(code([{ categoryId: 'ga', quantity: 4 }])).toEqual(['sold_out', { categoryId: 'ga', requested: 4, available: 3 }]);
    expect(code([{ categoryId: 'stalls', quantity: 3, together: true }])).toEqual(['sold_out', { categoryId: 'stalls', requested: 3, available: 4 }]);
    expect(code([{ categoryId: 'stalls', seats: ['B-1', 'B-2'] }])).toEqual(['seats_taken', { categoryId: 'stalls', seats: ['B-2'] }]);
    expect(code([{ categoryId: 'stalls', seats: ['Z-1'] }])).toEqual(['invalid_seats', { categoryId: 'stalls', seats: ['Z-1'] }]);
    expect(code([{ categoryId: 'ga', seats: ['A-1'] }])).toEqual(['invalid_seats', { categoryId: 'ga', seats: ['A-1'] }]);
    expect(code([{ categoryId: 'vip', quantity: 1 }])).toEqual(['unknown_category', { categoryId: 'vip' }]);
    expect(code([{ categoryId: 'ga', quantity: 0 }])).toEqual(['invalid_quantity', { categoryId: 'ga', requested: 0 }]);
    expect(code([{ categoryId: 'ga', quantity: 1 }], 'bk_1')).toEqual(['duplicate_booking', {}]);
    expect(code([])).toEqual(['too_many_items', { requested: 0, available: DEFAULT_INVENTORY_LIMITS.itemsPerBookingMax }]);
    const tight = new Inventory(CATEGORIES, { itemsPerBookingMax: 1, seatsPerBookingMax: 2, holdsPerShowMax: 1 });
    expect(tight.hold('a', [{ categoryId: 'ga', quantity: 1 }, { categoryId: 'ga', quantity: 1 }], 0, 1)).toMatchObject({ code: 'too_many_items' });
    expect(tight.hold('a', [{ categoryId: 'ga', quantity: 3 }], 0, 1)).toMatchObject({ code: 'too_many_seats' });
    expect(tight.hold('a', [{ categoryId: 'ga', quantity: 1 }], 0, 1)).toMatchObject({ ok: true });
    expect(tight.hold('b', [{ categoryId: 'ga', quantity: 1 }], 0, 1)).toMatchObject({ code: 'too_many_holds' });
  });

  it('is all or nothing across items', () => {
    const inv = fresh();
    inv.hold('bk_1', [{ categoryId: 'stalls', seats: ['A-3'] }], 0, HOLD_MS);
    const before = inv.available();
    const r = inv.hold('bk_2', [{ categoryId: 'ga', quantity: 2 }, { categoryId: 'stalls', seats: ['A-1'] }, { categoryId: 'stalls', seats: ['A-3'] }], 0, HOLD_MS);
    expect(r).toMatchObject({ ok: false, code: 'seats_taken', detail: { seats: ['A-3'] } });
    expect(inv.available()).toEqual(before);
    expect(inv.hold('bk_3', [{ categoryId: 'stalls', seats: ['A-1', 'A-2'] }], 0, HOLD_MS).ok).toBe(true);
  });
});

describe('Inventory confirm, release, expire, rebuild', () => {
  it('confirms a hold, refuses an expired or unknown one, and releases a sale', () => {
    const inv = fresh();
    inv.hold('bk_1', [{ categoryId: 'stalls', quantity: 2, together: true }], 0, 100);
    inv.hold('bk_2', [{ categoryId: 'ga', quantity: 1 }], 0, 100);
    expect(inv.confirm('bk_1', 99)).toMatchObject({ ok: true, record: { status: 'sold' } });
    expect(inv.confirm('bk_2', 100)).toEqual({ ok: false, code: 'hold_expired', bookingId: 'bk_2' });
    expect(inv.confirm('nope', 0)).toMatchObject({ ok: false, code: 'unknown_booking' });
    expect(inv.available()[0]).toMatchObject({ held: 0, available: 3 });
    expect(inv.available()[1]).toMatchObject({ held: 0, sold: 2, available: 4 });
    expect(inv.release('bk_1', 'cancelled')).toMatchObject({ ok: true, reason: 'cancelled' });
    expect(inv.available()[1]).toMatchObject({ sold: 0, available: 6 });
    expect(inv.release('bk_1', 'cancelled')).toMatchObject({ ok: false, code: 'unknown_booking' });
  });

  it('expires holds due by now, earliest first, and frees their seats', () => {
    const inv = fresh();
    inv.hold('late', [{ categoryId: 'stalls', seats: ['A-1'] }], 50, 100);
    inv.hold('early', [{ categoryId: 'stalls', seats: ['A-2'] }], 0, 100);
    inv.hold('sold', [{ categoryId: 'stalls', seats: ['A-3'] }], 0, 100);
    inv.confirm('sold', 10);
    expect(inv.nextExpiryMs()).toBe(100);
    expect(inv.expire(99)).toEqual([]);
    expect(inv.expire(150).map((r) => r.bookingId)).toEqual(['early', 'late']);
    expect(inv.nextExpiryMs()).toBeUndefined();
    expect(inv.hold('again', [{ categoryId: 'stalls', seats: ['A-1', 'A-2'] }], 150, 100).ok).toBe(true);
  });

  it('rebuilds the same state from its records and refuses a record that oversells', () => {
    const inv = fresh();
    inv.hold('bk_1', [{ categoryId: 'stalls', seats: ['B-1'] }, { categoryId: 'ga', quantity: 2 }], 0, 100);
    inv.hold('bk_2', [{ categoryId: 'stalls', quantity: 2, together: true }], 0, 200);
    inv.confirm('bk_2', 1);
    const records = ['bk_1', 'bk_2'].map((id) => inv.record(id)!);
    const again = Inventory.rebuild(CATEGORIES, DEFAULT_INVENTORY_LIMITS, records);
    expect(again.available()).toEqual(inv.available());
    expect(again.nextExpiryMs()).toBe(100);
    expect(again.hold('x', [{ categoryId: 'stalls', seats: records[1]!.items[0]!.seats! }], 0, 1)).toMatchObject({ code: 'seats_taken' });
    const oversold = [...records, { bookingId: 'bk_3', status: 'sold' as const, expiresAtMs: 0, items: [{ categoryId: 'ga', quantity: 2 }] }];
    expect(() => Inventory.rebuild(CATEGORIES, DEFAULT_INVENTORY_LIMITS, oversold)).toThrow(InventoryError);
  });
});
