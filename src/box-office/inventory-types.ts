/**
 * The vocabulary of one show's inventory: what a buyer asks for (items), what the inventory decides (a hold record,
 * or a refusal with a stable code), the records a store keeps so the inventory can be rebuilt, and the bounds.
 * The logic is in inventory.ts, the actor around it in inventory-actor.ts.
 */
import type { RowLayout } from '../domain/seating/seat-map.ts';

/** One line of a booking request: a quantity (general admission or best available), or named seats. */
export type HoldItem =
  | { categoryId: string; quantity: number; together?: boolean }
  | { categoryId: string; seats: readonly string[] };

/** One category of the show as the inventory needs it: seated when it has rows (capacity = seat count). */
export interface InventoryCategory {
  id: string;
  capacity: number;
  rows?: readonly RowLayout[];
}

export interface InventoryLimits {
  /** Most items in one hold request. */
  itemsPerBookingMax: number;
  /** Most seats (or general-admission places) one booking may hold, over all its items. */
  seatsPerBookingMax: number;
  /** Most bookings held (not yet sold) at once on one show. */
  holdsPerShowMax: number;
}

/** The bounds used when a caller gives none: the API's own (src/domain/request-bodies.ts asks for fewer items). */
export const DEFAULT_INVENTORY_LIMITS: InventoryLimits = {
  itemsPerBookingMax: 20,
  seatsPerBookingMax: 100,
  holdsPerShowMax: 100_000,
};

/** The hold time when the server is given none (issue 10: 15 minutes). */
export const DEFAULT_HOLD_MS = 15 * 60_000;

/** An item as decided: how many places, and for a seated category which seats ("A-7"). */
export interface HeldItem {
  categoryId: string;
  quantity: number;
  seats?: string[];
}

/**
 * One booking's claim on the show, as a store keeps it: `held` until `expiresAtMs`, or `sold`. A list of these is
 * all `Inventory.rebuild` needs.
 */
export interface InventoryRecord {
  bookingId: string;
  status: 'held' | 'sold';
  expiresAtMs: number;
  items: HeldItem[];
}

/**
 * Why a hold was refused. `sold_out`: a category has fewer places (or no such run together) than asked;
 * `seats_taken`: named seats are held or sold; `invalid_seats`: not seats of the category, or named twice;
 * `unknown_category`; `invalid_quantity`: not an integer from 1; `too_many_items`, `too_many_seats`,
 * `too_many_holds`: the bounds; `duplicate_booking`: the booking id already holds or bought here.
 */
export type HoldRefusalCode =
  | 'sold_out'
  | 'seats_taken'
  | 'invalid_seats'
  | 'unknown_category'
  | 'invalid_quantity'
  | 'too_many_items'
  | 'too_many_seats'
  | 'too_many_holds'
  | 'duplicate_booking';

export interface RefusalDetail {
  categoryId?: string;
  /** The seat ids concerned (`seats_taken`, `invalid_seats`). */
  seats?: string[];
  requested?: number;
  available?: number;
}

export type HoldResult = { ok: true; record: InventoryRecord } | { ok: false; code: HoldRefusalCode; detail: RefusalDetail };

/** `confirm` refuses a booking it does not know and a hold past its expiry (whose seats it then releases). */
export type ConfirmResult =
  | { ok: true; record: InventoryRecord }
  | { ok: false; code: 'unknown_booking' | 'hold_expired'; bookingId: string };

export type ReleaseReason = 'payment_failed' | 'expired' | 'cancelled' | 'abandoned';

export type ReleaseResult =
  | { ok: true; record: InventoryRecord; reason: ReleaseReason }
  | { ok: false; code: 'unknown_booking'; bookingId: string };

/** One category's counts; `available = capacity - held - sold`. */
export interface CategoryAvailability {
  categoryId: string;
  capacity: number;
  held: number;
  sold: number;
  available: number;
}

export type InventoryErrorCode = 'ERR_INVENTORY_SPEC' | 'ERR_INVENTORY_RECORD';

/**
 * A show spec or a stored record the inventory cannot take (a bad option, a record that oversells): a bug or a
 * corrupt store, never a buyer's request. `path` names the place.
 *
 * @example
 * try { new Inventory([], DEFAULT_INVENTORY_LIMITS) } catch (e) { if (e instanceof InventoryError) e.code } // 'ERR_INVENTORY_SPEC'
 */
export class InventoryError extends Error {
  override readonly name = 'InventoryError';

  constructor(
    readonly code: InventoryErrorCode,
    readonly path: string,
    problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}
