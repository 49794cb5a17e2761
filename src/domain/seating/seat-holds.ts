/**
 * Moves seats of a seat map between free, held and sold for a holder (an opaque booking id): named seats all or
 * nothing, seats chosen by best-available.ts, a sale of a holder's held seats, and the release of a holder's seats
 * (a hold that expired or failed, a cancelled booking). Every move keeps `available` and each row's free count equal
 * to a recount of `state`.
 */
import assert from 'node:assert/strict';
import { SEAT_FREE, SEAT_HELD, SEAT_SOLD, seatIdOf, seatIndexOf, type SeatMap } from './seat-map.ts';

/** Most seats one take (named or best available) may ask for. */
export const TAKE_SEATS_MAX = 100;

/**
 * A take's answer: the seats now held (indices, in the order asked), or why none were taken with the seat ids
 * concerned: `seats_taken` (not free: the `409 seats_taken` answer), `invalid_seats` (not a seat of this map, or
 * named twice; empty when no seat was named), `too_many_seats` (more than `TAKE_SEATS_MAX`).
 */
export type TakeResult =
  | { ok: true; seats: number[] }
  | { ok: false; code: 'seats_taken' | 'invalid_seats' | 'too_many_seats'; seats: string[] };

/**
 * Holds the named seats for `holder`, all or nothing.
 *
 * @example
 * const map = createSeatMap([{ row: 'A', seats: 24 }]);
 * takeNamed(map, ['A-7', 'A-8'], 'bk_1');  // { ok: true, seats: [6, 7] }
 * takeNamed(map, ['A-8', 'A-9'], 'bk_2');  // { ok: false, code: 'seats_taken', seats: ['A-8'] }
 */
export function takeNamed(map: SeatMap, seatIds: readonly string[], holder: string): TakeResult {
  if (seatIds.length > TAKE_SEATS_MAX) return { ok: false, code: 'too_many_seats', seats: [] };
  if (seatIds.length === 0) return { ok: false, code: 'invalid_seats', seats: [] };
  const indices: number[] = [];
  const invalid: string[] = [];
  for (const id of seatIds) {
    const index = seatIndexOf(map, id);
    if (index < 0 || indices.includes(index)) invalid.push(id);
    else indices.push(index);
  }
  if (invalid.length > 0) return { ok: false, code: 'invalid_seats', seats: invalid };
  const taken = indices.filter((i) => map.state[i] !== SEAT_FREE).map((i) => seatIdOf(map, i));
  if (taken.length > 0) return { ok: false, code: 'seats_taken', seats: taken };
  holdSeats(map, indices, holder);
  return { ok: true, seats: indices };
}

/**
 * Holds seats known to be free (the answer of `bestAvailable`, or a hold read back from the store when the actor
 * starts) for `holder`. A seat that is not free, or one given twice, is a bug of the caller and fails an assertion
 * before anything changes.
 *
 * @example
 * const seats = bestAvailable(map, 2, { together: true });
 * if (seats !== undefined) holdSeats(map, seats, 'bk_1');
 */
export function holdSeats(map: SeatMap, indices: readonly number[], holder: string): void {
  assert(holder !== '', 'a holder id is not empty');
  for (const i of indices) assert(map.state[i] === SEAT_FREE, `seat ${i} is free before it is held`);
  assert(new Set(indices).size === indices.length, 'no seat is named twice in one hold');
  let mine = map.holders.get(holder);
  if (mine === undefined) {
    mine = [];
    map.holders.set(holder, mine);
  }
  for (const i of indices) {
    map.state[i] = SEAT_HELD;
    map.freeInRow[map.rowOf[i]!]!--;
    mine.push(i);
  }
  map.available -= indices.length;
  assert(map.available >= 0, 'available never goes below zero');
}

/**
 * Turns every seat `holder` holds into a sold seat (the payment succeeded); answers how many were sold. Sold seats
 * stay the holder's, so a cancelled booking can release them.
 *
 * @example
 * takeNamed(map, ['A-7', 'A-8'], 'bk_1');
 * sell(map, 'bk_1'); // 2
 */
export function sell(map: SeatMap, holder: string): number {
  let sold = 0;
  for (const i of map.holders.get(holder) ?? []) {
    if (map.state[i] === SEAT_HELD) {
      map.state[i] = SEAT_SOLD;
      sold++;
    }
  }
  return sold;
}

/**
 * Frees every seat of `holder`, held or sold (an expired or failed hold, a cancelled booking); answers how many.
 *
 * @example
 * release(map, 'bk_1'); // 2, and 0 when called again
 */
export function release(map: SeatMap, holder: string): number {
  const mine = map.holders.get(holder);
  if (mine === undefined) return 0;
  for (const i of mine) freeSeat(map, i);
  map.holders.delete(holder);
  return mine.length;
}

/**
 * Frees some of `holder`'s seats by id (part of a booking given back). Answers how many were freed and the ids that
 * were not the holder's (left as they were).
 *
 * @example
 * releaseSeats(map, 'bk_1', ['A-8', 'A-20']); // { released: 1, notHeld: ['A-20'] }
 */
export function releaseSeats(
  map: SeatMap,
  holder: string,
  seatIds: readonly string[],
): { released: number; notHeld: string[] } {
  const mine = map.holders.get(holder) ?? [];
  const notHeld: string[] = [];
  let released = 0;
  for (const id of seatIds) {
    const at = mine.indexOf(seatIndexOf(map, id));
    if (at < 0) {
      notHeld.push(id);
      continue;
    }
    freeSeat(map, mine[at]!);
    mine.splice(at, 1);
    released++;
  }
  if (mine.length === 0) map.holders.delete(holder);
  return { released, notHeld };
}

/**
 * The seat ids `holder` holds or bought, in the order taken.
 *
 * @example
 * holderSeatIds(map, 'bk_1'); // ['A-7', 'A-8']
 */
export function holderSeatIds(map: SeatMap, holder: string): string[] {
  return (map.holders.get(holder) ?? []).map((i) => seatIdOf(map, i));
}

function freeSeat(map: SeatMap, i: number): void {
  assert(map.state[i] !== SEAT_FREE, `seat ${i} of a holder is not free`);
  map.state[i] = SEAT_FREE;
  map.freeInRow[map.rowOf[i]!]!++;
  map.available++;
}
