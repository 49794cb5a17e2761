/**
 * "Best available N": which free seats a buyer who names none gets. It only chooses; `holdSeats` takes them.
 *
 * Words used below. A row's free seats form *segments* (maximal runs of free seats between taken seats or the
 * row's ends). A choice *strands a single* when it leaves a free seat whose two neighbours are both taken or a row
 * end, and that seat had a free neighbour before (a lone seat that was already lone does not count): for a run of
 * `n` seats at the left or right of a segment that means exactly 1 free seat left between the run and the segment's
 * end on either side.
 *
 * Together (`{ together: true }`): `n` adjacent free seats in one row, chosen in this order:
 * 1. The front-most row (rows in the order the layout gives them) that has a run of `n` free seats stranding no
 *    single. Only if no row in the whole map has one, the front-most row that has any run of `n` free seats, and
 *    that run then strands a single (there is no other way to seat the group together).
 * 2. Within that row, among its runs (stranding no single, or, in the fallback, all of them): first a run that fills
 *    a segment exactly; then a run flush against a taken (held or sold) seat; then any other run, a row end
 *    counting as no neighbour so an empty row fills from its centre outwards; within each class the run whose
 *    centre is nearest the row's centre; on a tie the one with the lower seat numbers.
 *
 * Split (`{ together: false }`): the together choice if it strands no single. Otherwise the seats are split over
 * segments, taking from each segment either all of it or at most all but two (all but one would strand the last),
 * flush against its side that touches a taken seat (the left when neither or both do). Going through segments front
 * to back (rows in layout order, a row's segments left to right), each gives as many seats as it can while the
 * segments after it can still give exactly the rest; this finds a split stranding no single whenever one exists,
 * from a table of the totals each tail of segments can give ((segments + 1) × (n + 1) bytes, kept between calls).
 * Only when none exists, the front-most free seats, row by row, left to right, stranding what they strand.
 *
 * Either way the answer is `undefined` when the map has no `n` seats to give (sold out for this request).
 * Cost: together, one pass over the rows with at least `n` free seats; a split also passes over every row once and
 * fills its table, O(segments × n). Nothing is allocated but the answer (and the split's scratch when it grows).
 */
import assert from 'node:assert/strict';
import { TAKE_SEATS_MAX } from './seat-holds.ts';
import { ROW_SEATS_MAX, SEAT_FREE, type SeatMap } from './seat-map.ts';

export interface BestAvailableOptions {
  /** True: `n` adjacent seats in one row; false: the best seats even if split. */
  together: boolean;
}

/** `SEAT_FREE` read once: under a loader that turns imports into getters (tsx, vitest) hot loops stay fast. */
const FREE: number = SEAT_FREE;

/** The starts of the best run of the last scanned row: stranding no single, and regardless; -1 when none. */
let cleanStart = -1;
let anyStart = -1;

/**
 * Chooses `n` free seats (1 to `TAKE_SEATS_MAX`) by the rules above: their indices, ascending, or `undefined`.
 *
 * @example
 * const map = createSeatMap([{ row: 'A', seats: 24 }]);
 * bestAvailable(map, 2, { together: true }); // [11, 12]: seats, the centre of the row
 */
export function bestAvailable(map: SeatMap, n: number, options: BestAvailableOptions): number[] | undefined {
  assert(Number.isInteger(n) && n >= 1 && n <= TAKE_SEATS_MAX, `n is an integer from 1 to ${TAKE_SEATS_MAX}`);
  if (map.available < n) return undefined;
  let fallback = -1;
  for (let r = 0; r < map.rows.length; r++) {
    if (map.freeInRow[r]! < n) continue;
    scanRow(map, r, n);
    if (cleanStart >= 0) return run(cleanStart, n);
    if (fallback < 0) fallback = anyStart;
  }
  if (options.together) return fallback >= 0 ? run(fallback, n) : undefined;
  return splitWithoutSingles(map, n) ?? frontMost(map, n);
}

/** Sets `cleanStart` and `anyStart` to the best runs of `n` seats in row `r`, by the rules of the file comment. */
function scanRow(map: SeatMap, r: number, n: number): void {
  cleanStart = -1;
  anyStart = -1;
  let cleanScore = Infinity;
  let anyScore = Infinity;
  const rowFirst = map.rowStart[r]!;
  const rowEnd = map.rowStart[r + 1]!; // one past the last seat
  const centreTwice = rowFirst + rowEnd - 1; // twice the row's centre, in seat indices
  let a = rowFirst;
  while (a < rowEnd) {
    if (map.state[a] !== FREE) {
      a++;
      continue;
    }
    const b = lastFreeFrom(map, a, rowEnd);
    // Segment [a, b]: every run [s, s + n - 1] inside it.
    for (let s = a; s + n - 1 <= b; s++) {
      const left = s - a;
      const right = b - (s + n - 1);
      const touchesTaken = (left === 0 && a > rowFirst) || (right === 0 && b < rowEnd - 1);
      const kind = left === 0 && right === 0 ? 0 : touchesTaken ? 1 : 2;
      // The distance term (twice the distance between the run's centre and the row's) is under ROW_SEATS_MAX, so
      // the kind always decides first.
      const score = kind * ROW_SEATS_MAX + Math.abs(2 * s + n - 1 - centreTwice);
      if (score < anyScore) {
        anyScore = score;
        anyStart = s;
      }
      if (left !== 1 && right !== 1 && score < cleanScore) {
        cleanScore = score;
        cleanStart = s;
      }
    }
    a = b + 1;
  }
}

/** The last seat of the run of free seats that starts at the free seat `a` and ends before `rowEnd` at the latest. */
function lastFreeFrom(map: SeatMap, a: number, rowEnd: number): number {
  let b = a;
  while (b + 1 < rowEnd && map.state[b + 1] === FREE) b++;
  return b;
}

/**
 * Scratch space of `splitWithoutSingles`, grown to the largest map seen and reused: segment starts and lengths in
 * pairs, and the table. Plain arrays grown by `push` cost ten times more here (measured on 33,400 segments).
 */
let segments = new Int32Array(0);
let table = new Uint8Array(0);

/** The split of the file comment, or `undefined` when every split strands a single. */
function splitWithoutSingles(map: SeatMap, n: number): number[] | undefined {
  // A row of s seats has at most ceil(s / 2) segments.
  const segmentsMax = (map.state.length + map.rows.length) >> 1;
  if (segments.length < 2 * segmentsMax) segments = new Int32Array(2 * segmentsMax);
  let count = 0;
  for (let r = 0; r < map.rows.length; r++) {
    const rowEnd = map.rowStart[r + 1]!;
    let a = map.rowStart[r]!;
    while (a < rowEnd) {
      if (map.state[a] !== FREE) {
        a++;
        continue;
      }
      const b = lastFreeFrom(map, a, rowEnd);
      segments[2 * count] = a;
      segments[2 * count + 1] = b - a + 1;
      count++;
      a = b + 1;
    }
  }
  // table[k * width + v] is 1 when the segments k.. can give exactly v seats without stranding a single.
  const width = n + 1;
  if (table.length < (count + 1) * width) table = new Uint8Array((count + 1) * width);
  table.fill(0, 0, (count + 1) * width);
  table[count * width] = 1;
  for (let k = count - 1; k >= 0; k--) {
    const length = segments[2 * k + 1]!;
    for (let v = 0; v <= n; v++) {
      if (table[(k + 1) * width + v] !== 1) continue;
      for (let t = 0; t <= length && v + t <= n; t++) if (allowed(t, length)) table[k * width + v + t] = 1;
    }
  }
  if (table[n] !== 1) return undefined;
  const seats: number[] = [];
  let rest = n;
  for (let k = 0; k < count && rest > 0; k++) {
    const a = segments[2 * k]!;
    const length = segments[2 * k + 1]!;
    let take = Math.min(length, rest);
    while (!allowed(take, length) || table[(k + 1) * width + rest - take] !== 1) take--;
    const r = map.rowOf[a]!;
    const fromLeft = a > map.rowStart[r]! || a + length === map.rowStart[r + 1]!;
    const first = fromLeft ? a : a + length - take;
    for (let i = first; i < first + take; i++) seats.push(i);
    rest -= take;
  }
  assert(rest === 0, 'the table promised a split');
  return seats.sort((x, y) => x - y);
}

/** Taking `t` seats of a segment of `length` strands no single: all of it, none, or leaving at least two. */
function allowed(t: number, length: number): boolean {
  return t === 0 || t === length || t <= length - 2;
}

function frontMost(map: SeatMap, n: number): number[] {
  const seats: number[] = [];
  for (let i = 0; seats.length < n; i++) if (map.state[i] === FREE) seats.push(i);
  return seats;
}

function run(start: number, n: number): number[] {
  const seats = new Array<number>(n);
  for (let k = 0; k < n; k++) seats[k] = start + k;
  return seats;
}
