/**
 * One show's availability as pure state: per general-admission category a capacity with held and sold counts, per
 * seated category a seat map (src/domain/seating/). Every decision (hold, confirm, release, expire) answers the
 * `InventoryRecord` it made or changed, so a caller (the booking saga) can commit it, and `rebuild` makes the same
 * state again from the committed records. Only its owner, the show's inventory actor, calls it: nothing locks.
 */
import assert from 'node:assert/strict';
import { bestAvailable } from '../domain/seating/best-available.ts';
import { holdSeats, release as releaseSeatsOf, sell, takeNamed, TAKE_SEATS_MAX } from '../domain/seating/seat-holds.ts';
import { createSeatMap, SEAT_FREE, seatIdOf, seatIndexOf, seatMapSnapshot, type SeatMap, type SeatMapSnapshot } from '../domain/seating/seat-map.ts';
import { ExpiryQueue } from './expiry-queue.ts';
import {
  InventoryError, type CategoryAvailability, type ConfirmResult, type HeldItem, type HoldItem, type HoldResult,
  type InventoryCategory, type InventoryLimits, type InventoryRecord, type ReleaseReason, type ReleaseResult,
} from './inventory-types.ts';

interface Category {
  id: string;
  capacity: number;
  held: number;
  sold: number;
  map: SeatMap | undefined;
}

type Refusal = Extract<HoldResult, { ok: false }>;

/**
 * @example
 * const inv = new Inventory([{ id: 'ga', capacity: 2 }], DEFAULT_INVENTORY_LIMITS);
 * inv.hold('bk_1', [{ categoryId: 'ga', quantity: 2 }], 0, 900_000); // { ok: true, record: { status: 'held', expiresAtMs: 900_000, … } }
 * inv.hold('bk_2', [{ categoryId: 'ga', quantity: 1 }], 0, 900_000); // { ok: false, code: 'sold_out', … }
 */
export class Inventory {
  readonly #categories = new Map<string, Category>();
  readonly #bookings = new Map<string, InventoryRecord>();
  readonly #expiries = new ExpiryQueue();
  readonly #limits: InventoryLimits;
  #heldCount = 0;

  constructor(categories: readonly InventoryCategory[], limits: InventoryLimits) {
    for (const [name, value] of Object.entries(limits)) {
      if (!Number.isInteger(value) || value < 1) throw new InventoryError('ERR_INVENTORY_SPEC', `limits.${name}`, 'not a positive integer');
    }
    this.#limits = { ...limits };
    categories.forEach((c, i) => {
      if (this.#categories.has(c.id)) throw new InventoryError('ERR_INVENTORY_SPEC', `categories[${i}].id`, 'given twice');
      const map = c.rows === undefined ? undefined : createSeatMap(c.rows);
      if (!Number.isInteger(c.capacity) || c.capacity < 0 || (map !== undefined && map.available !== c.capacity)) {
        throw new InventoryError('ERR_INVENTORY_SPEC', `categories[${i}].capacity`, 'not a count (the seat count when seated)');
      }
      this.#categories.set(c.id, { id: c.id, capacity: c.capacity, held: 0, sold: 0, map });
    });
  }

  /**
   * The same state again from committed records (holds still pending and sales), e.g. when the actor starts or
   * restarts. A record that does not fit (an unknown category, a seat given twice, more than capacity) is a
   * corrupt store: `ERR_INVENTORY_RECORD`.
   *
   * @example
   * const inv = Inventory.rebuild(categories, limits, await store.inventoryRecords(showId));
   */
  static rebuild(categories: readonly InventoryCategory[], limits: InventoryLimits, records: readonly InventoryRecord[]): Inventory {
    const inv = new Inventory(categories, limits);
    records.forEach((r, i) => inv.#restore(r, `records[${i}]`));
    return inv;
  }

  /**
   * Holds every item for `bookingId` until `nowMs + holdMs`, all or nothing: when one item cannot be had, nothing
   * is held and the answer names why.
   */
  hold(bookingId: string, items: readonly HoldItem[], nowMs: number, holdMs: number): HoldResult {
    const refused = this.#checkRequest(bookingId, items);
    if (refused !== undefined) return refused;
    const done: HeldItem[] = [];
    for (const item of items) {
      const outcome = this.#holdItem(bookingId, item);
      if ('ok' in outcome) {
        for (const d of done) this.#undo(bookingId, d);
        return outcome;
      }
      done.push(outcome);
    }
    const record: InventoryRecord = { bookingId, status: 'held', expiresAtMs: nowMs + holdMs, items: done };
    this.#add(record);
    return { ok: true, record: copy(record) };
  }

  /** Held → sold. A hold past its expiry is released here (as `expire` would) and refused. Sold again: the same answer. */
  confirm(bookingId: string, nowMs: number): ConfirmResult {
    const record = this.#bookings.get(bookingId);
    if (record === undefined) return { ok: false, code: 'unknown_booking', bookingId };
    if (record.status === 'held' && record.expiresAtMs <= nowMs) {
      this.#remove(record);
      return { ok: false, code: 'hold_expired', bookingId };
    }
    if (record.status === 'held') {
      for (const item of record.items) {
        const c = this.#categories.get(item.categoryId)!;
        c.held -= item.quantity;
        c.sold += item.quantity;
        // One sale per holder and map: a second item of the same category finds its seats sold already.
        if (c.map !== undefined) sell(c.map, bookingId);
      }
      record.status = 'sold';
      this.#heldCount--;
    }
    return { ok: true, record: copy(record) };
  }

  /** Frees every place of a booking, held or sold (a failed payment, an expiry, a cancellation). */
  release(bookingId: string, reason: ReleaseReason): ReleaseResult {
    const record = this.#bookings.get(bookingId);
    if (record === undefined) return { ok: false, code: 'unknown_booking', bookingId };
    this.#remove(record);
    return { ok: true, record: copy(record), reason };
  }

  /** Releases every hold whose expiry is at or before `nowMs`; answers them, earliest first. */
  expire(nowMs: number): InventoryRecord[] {
    const expired: InventoryRecord[] = [];
    for (let top = this.#peek(); top !== undefined && top.atMs <= nowMs; top = this.#peek()) {
      this.#expiries.pop();
      const record = this.#bookings.get(top.bookingId)!;
      this.#remove(record);
      expired.push(copy(record));
    }
    return expired;
  }

  /** When the earliest pending hold expires, if any: the moment the actor's timer is armed for. */
  nextExpiryMs(): number | undefined {
    return this.#peek()?.atMs;
  }

  available(): CategoryAvailability[] {
    return [...this.#categories.values()].map((c) => ({
      categoryId: c.id, capacity: c.capacity, held: c.held, sold: c.sold, available: c.capacity - c.held - c.sold,
    }));
  }

  /** Each seated category's seat map: which seats of each row are held or sold. */
  seatMaps(): Record<string, SeatMapSnapshot> {
    const maps: Record<string, SeatMapSnapshot> = {};
    for (const c of this.#categories.values()) if (c.map !== undefined) maps[c.id] = seatMapSnapshot(c.map);
    return maps;
  }

  /** A booking's record as it stands (held or sold), or undefined. */
  record(bookingId: string): InventoryRecord | undefined {
    const r = this.#bookings.get(bookingId);
    return r === undefined ? undefined : copy(r);
  }

  /** Bookings held (not sold) now. */
  get holdCount(): number {
    return this.#heldCount;
  }

  #checkRequest(bookingId: string, items: readonly HoldItem[]): Refusal | undefined {
    if (this.#bookings.has(bookingId)) return { ok: false, code: 'duplicate_booking', detail: {} };
    if (items.length === 0 || items.length > this.#limits.itemsPerBookingMax) {
      return { ok: false, code: 'too_many_items', detail: { requested: items.length, available: this.#limits.itemsPerBookingMax } };
    }
    if (this.#heldCount >= this.#limits.holdsPerShowMax) {
      return { ok: false, code: 'too_many_holds', detail: { available: this.#limits.holdsPerShowMax } };
    }
    let seats = 0;
    for (const item of items) {
      if (!this.#categories.has(item.categoryId)) return { ok: false, code: 'unknown_category', detail: { categoryId: item.categoryId } };
      const n = 'seats' in item ? item.seats.length : item.quantity;
      if (!Number.isInteger(n) || n < 1 || n > TAKE_SEATS_MAX) {
        if ('seats' in item) return { ok: false, code: 'invalid_seats', detail: { categoryId: item.categoryId, seats: [] } };
        return { ok: false, code: 'invalid_quantity', detail: { categoryId: item.categoryId, requested: n } };
      }
      seats += n;
    }
    if (seats > this.#limits.seatsPerBookingMax) {
      return { ok: false, code: 'too_many_seats', detail: { requested: seats, available: this.#limits.seatsPerBookingMax } };
    }
    return undefined;
  }

  /** Takes one item (counts and seats) or answers the refusal; the caller undoes earlier items on a refusal. */
  #holdItem(bookingId: string, item: HoldItem): HeldItem | Refusal {
    const c = this.#categories.get(item.categoryId)!;
    const available = c.capacity - c.held - c.sold;
    if (c.map === undefined) {
      if ('seats' in item) return { ok: false, code: 'invalid_seats', detail: { categoryId: c.id, seats: [...item.seats] } };
      if (item.quantity > available) return { ok: false, code: 'sold_out', detail: { categoryId: c.id, requested: item.quantity, available } };
      c.held += item.quantity;
      return { categoryId: c.id, quantity: item.quantity };
    }
    // Seats already held by this booking (an earlier item of the same category) are told apart from taken ones.
    const before = c.map.holders.get(bookingId)?.length ?? 0;
    let indices: number[];
    if ('seats' in item) {
      const taken = takeNamed(c.map, item.seats, bookingId);
      if (!taken.ok) return { ok: false, code: taken.code === 'too_many_seats' ? 'too_many_seats' : taken.code, detail: { categoryId: c.id, seats: taken.seats } };
      indices = taken.seats;
    } else {
      const chosen = bestAvailable(c.map, item.quantity, { together: item.together === true });
      if (chosen === undefined) return { ok: false, code: 'sold_out', detail: { categoryId: c.id, requested: item.quantity, available } };
      holdSeats(c.map, chosen, bookingId);
      indices = chosen;
    }
    assert.equal(c.map.holders.get(bookingId)!.length, before + indices.length, 'the map holds exactly the seats taken');
    c.held += indices.length;
    return { categoryId: c.id, quantity: indices.length, seats: indices.map((i) => seatIdOf(c.map!, i)) };
  }

  #undo(bookingId: string, item: HeldItem): void {
    const c = this.#categories.get(item.categoryId)!;
    c.held -= item.quantity;
    // Releasing the whole holder is right: a booking being held has no seats in the map but this request's.
    if (c.map !== undefined) releaseSeatsOf(c.map, bookingId);
  }

  #add(record: InventoryRecord): void {
    this.#bookings.set(record.bookingId, record);
    if (record.status === 'held') {
      this.#heldCount++;
      this.#expiries.push(record.expiresAtMs, record.bookingId);
      // Stale entries (confirmed, released) are dropped at the top; this bounds them by twice the live holds.
      if (this.#expiries.size > 2 * this.#limits.holdsPerShowMax) this.#expiries.compact((id, at) => this.#isLiveHold(id, at));
    }
    for (const c of this.#categories.values()) assert(c.held + c.sold <= c.capacity, `no oversell in ${c.id}`);
  }

  #remove(record: InventoryRecord): void {
    for (const item of record.items) {
      const c = this.#categories.get(item.categoryId)!;
      if (record.status === 'held') c.held -= item.quantity;
      else c.sold -= item.quantity;
      assert(c.held >= 0 && c.sold >= 0, `counts of ${c.id} stay at or above zero`);
      if (c.map !== undefined) releaseSeatsOf(c.map, record.bookingId);
    }
    if (record.status === 'held') this.#heldCount--;
    this.#bookings.delete(record.bookingId);
  }

  #restore(record: InventoryRecord, path: string): void {
    if (this.#bookings.has(record.bookingId)) throw new InventoryError('ERR_INVENTORY_RECORD', path, 'booking given twice');
    for (const item of record.items) {
      const c = this.#categories.get(item.categoryId);
      if (c === undefined) throw new InventoryError('ERR_INVENTORY_RECORD', path, `unknown category ${item.categoryId}`);
      if (c.held + c.sold + item.quantity > c.capacity) throw new InventoryError('ERR_INVENTORY_RECORD', path, `oversells ${c.id}`);
      if (c.map !== undefined) {
        const indices = (item.seats ?? []).map((id) => seatIndexOf(c.map!, id));
        if (indices.length !== item.quantity || indices.some((i) => i < 0 || c.map!.state[i] !== SEAT_FREE)) {
          throw new InventoryError('ERR_INVENTORY_RECORD', path, `seats of ${c.id} unknown or taken twice`);
        }
        holdSeats(c.map, indices, record.bookingId);
        if (record.status === 'sold') sell(c.map, record.bookingId);
      }
      if (record.status === 'held') c.held += item.quantity;
      else c.sold += item.quantity;
    }
    this.#add(copy(record));
  }

  #peek(): { atMs: number; bookingId: string } | undefined {
    return this.#expiries.peek((id, at) => this.#isLiveHold(id, at));
  }

  #isLiveHold(bookingId: string, atMs: number): boolean {
    const r = this.#bookings.get(bookingId);
    return r !== undefined && r.status === 'held' && r.expiresAtMs === atMs;
  }
}

function copy(record: InventoryRecord): InventoryRecord {
  return { ...record, items: record.items.map((i) => (i.seats === undefined ? { ...i } : { ...i, seats: [...i.seats] })) };
}
