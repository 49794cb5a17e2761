/**
 * Seat maps drawn as pictures for the seating tests ('A ..ss.h': row A, `.` free, `s` sold, `h` held), and the
 * brute-force reading of the stranded-single rule that the tests hold bestAvailable to.
 */
import { holdSeats, sell } from '../../src/domain/seating/seat-holds.ts';
import { createSeatMap, SEAT_FREE, seatIdOf, type SeatMap } from '../../src/domain/seating/seat-map.ts';

/** A map from rows drawn as `'<name> <seats>'`; sold seats belong to holder `sold`, held ones to `held`. */
export function mapOf(...rows: string[]): SeatMap {
  const parsed = rows.map((line) => {
    const [row, seats] = line.split(' ') as [string, string];
    return { row, seats };
  });
  const map = createSeatMap(parsed.map(({ row, seats }) => ({ row, seats: seats.length })));
  let index = 0;
  const sold: number[] = [];
  const held: number[] = [];
  for (const { seats } of parsed) {
    for (const c of seats) {
      if (c === 's') sold.push(index);
      if (c === 'h') held.push(index);
      index++;
    }
  }
  holdSeats(map, sold, 'sold');
  sell(map, 'sold');
  holdSeats(map, held, 'held');
  return map;
}

export function idsOf(map: SeatMap, seats: readonly number[] | undefined): string[] | undefined {
  return seats?.map((i) => seatIdOf(map, i));
}

/** True when taking `seats` leaves a free seat alone (both neighbours taken or a row end) that had a free neighbour. */
export function strandsSingle(map: SeatMap, seats: readonly number[]): boolean {
  const taken = new Set(seats);
  const freeBefore = (i: number, r: number): boolean => inRow(map, i, r) && map.state[i] === SEAT_FREE;
  const freeAfter = (i: number, r: number): boolean => freeBefore(i, r) && !taken.has(i);
  for (const s of seats) {
    const r = map.rowOf[s]!;
    for (const f of [s - 1, s + 1]) {
      if (!freeAfter(f, r)) continue;
      const aloneAfter = !freeAfter(f - 1, r) && !freeAfter(f + 1, r);
      const aloneBefore = !freeBefore(f - 1, r) && !freeBefore(f + 1, r);
      if (aloneAfter && !aloneBefore) return true;
    }
  }
  return false;
}

/** Every run of `n` free seats in one row, as its first index, front row first, left to right. */
export function allRuns(map: SeatMap, n: number): number[] {
  const starts: number[] = [];
  for (let r = 0; r < map.rows.length; r++) {
    for (let s = map.rowStart[r]!; s + n <= map.rowStart[r + 1]!; s++) {
      let free = true;
      for (let k = 0; k < n && free; k++) free = map.state[s + k] === SEAT_FREE;
      if (free) starts.push(s);
    }
  }
  return starts;
}

export function runOf(start: number, n: number): number[] {
  return Array.from({ length: n }, (_, k) => start + k);
}

function inRow(map: SeatMap, i: number, r: number): boolean {
  return i >= map.rowStart[r]! && i < map.rowStart[r + 1]!;
}
