/**
 * A show's block of numbered seats: built once from `rows: [{ row: "A", seats: 24 }]`, then each seat is free, held
 * or sold. Storage is one byte a seat (`Uint8Array`) plus each row's first index and free count; a seat id ("A-7":
 * row name, dash, 1-based number) maps to its index in O(1) and back. The show's inventory actor owns one map and is
 * its only writer, so nothing here locks. Holds and sales are in seat-holds.ts, the choice of seats in
 * best-available.ts.
 */

/** Longest row a layout may have (the catalogue's `SEATS_PER_ROW_MAX`, src/domain/show.ts). */
export const ROW_SEATS_MAX = 1_000;
/** Most rows a layout may have (a row index fits a `Uint16Array`); the catalogue allows fewer. */
export const ROWS_MAX = 2_000;
/** Most seats a show may have. */
export const SEATS_PER_SHOW_MAX = 100_000;
/** Row names: 1 to 8 letters or digits ("A", "AA", "12"), as the catalogue's `ROW_LABEL`; never a dash. */
export const ROW_NAME = /^[A-Za-z0-9]{1,8}$/;

/** What a seat is; the numbers are what the map stores. */
export const SEAT_FREE = 0;
export const SEAT_HELD = 1;
export const SEAT_SOLD = 2;
export type SeatState = typeof SEAT_FREE | typeof SEAT_HELD | typeof SEAT_SOLD;

export type SeatingErrorCode = 'ERR_SEATING_LAYOUT';

/**
 * A layout that cannot be a seat map. `path` names the place (`rows[3].seats`), like a request field.
 *
 * @example
 * try { createSeatMap([{ row: 'A', seats: 0 }]) }
 * catch (e) { if (e instanceof SeatingError) e.code } // 'ERR_SEATING_LAYOUT', path 'rows[0].seats'
 */
export class SeatingError extends Error {
  override readonly name = 'SeatingError';
  readonly code: SeatingErrorCode;
  readonly path: string;

  constructor(code: SeatingErrorCode, path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.code = code;
    this.path = path;
  }
}

/** One row of a layout, front row first. */
export interface RowLayout {
  row: string;
  seats: number;
}

/**
 * The seats of one show. Fields are read by the other seating modules; only they (called by the inventory actor)
 * write `state`, `freeInRow`, `available` and `holders`.
 */
export interface SeatMap {
  /** The layout as given, front row first. */
  readonly rows: readonly RowLayout[];
  /** `rowStart[r]` is the index of seat 1 of row `r`; `rowStart[rows.length]` is the seat count. */
  readonly rowStart: Uint32Array;
  /** The row of each seat index. */
  readonly rowOf: Uint16Array;
  readonly rowIndexByName: ReadonlyMap<string, number>;
  /** One `SeatState` a seat. */
  readonly state: Uint8Array;
  /** Free seats a row, kept with `state`, so a search skips full rows without reading them. */
  readonly freeInRow: Uint16Array;
  /** Each holder's seats (held or sold), by seat index; a holder with none is removed. */
  readonly holders: Map<string, number[]>;
  /** Free seats of the whole map, kept with `state`. */
  available: number;
}

/**
 * Builds an all-free seat map. A bad layout (no rows, more than `ROWS_MAX`, a name not `ROW_NAME` or given twice,
 * a row of 0 or more than `ROW_SEATS_MAX` seats, more than `SEATS_PER_SHOW_MAX` in all) is a `SeatingError`.
 *
 * @example
 * const map = createSeatMap([{ row: 'A', seats: 24 }, { row: 'B', seats: 26 }]);
 * map.available; // 50
 */
export function createSeatMap(rows: readonly RowLayout[]): SeatMap {
  if (rows.length === 0) throw new SeatingError('ERR_SEATING_LAYOUT', 'rows', 'needs at least one row');
  if (rows.length > ROWS_MAX) throw new SeatingError('ERR_SEATING_LAYOUT', 'rows', `more than ${ROWS_MAX} rows`);
  const rowStart = new Uint32Array(rows.length + 1);
  const rowIndexByName = new Map<string, number>();
  let total = 0;
  rows.forEach(({ row, seats }, r) => {
    if (!ROW_NAME.test(row)) throw new SeatingError('ERR_SEATING_LAYOUT', `rows[${r}].row`, 'not 1 to 8 letters or digits');
    if (rowIndexByName.has(row)) throw new SeatingError('ERR_SEATING_LAYOUT', `rows[${r}].row`, `row ${row} given twice`);
    if (!Number.isInteger(seats) || seats < 1 || seats > ROW_SEATS_MAX) {
      throw new SeatingError('ERR_SEATING_LAYOUT', `rows[${r}].seats`, `not an integer from 1 to ${ROW_SEATS_MAX}`);
    }
    rowIndexByName.set(row, r);
    rowStart[r] = total;
    total += seats;
    if (total > SEATS_PER_SHOW_MAX) {
      throw new SeatingError('ERR_SEATING_LAYOUT', 'rows', `more than ${SEATS_PER_SHOW_MAX} seats in all`);
    }
  });
  rowStart[rows.length] = total;
  const rowOf = new Uint16Array(total);
  const freeInRow = new Uint16Array(rows.length);
  rows.forEach(({ seats }, r) => {
    rowOf.fill(r, rowStart[r], rowStart[r]! + seats);
    freeInRow[r] = seats;
  });
  return {
    rows: rows.map(({ row, seats }) => ({ row, seats })),
    rowStart,
    rowOf,
    rowIndexByName,
    state: new Uint8Array(total),
    freeInRow,
    holders: new Map(),
    available: total,
  };
}

/**
 * The index of a seat id, or -1 when the map has no such seat (an unknown row, a number out of the row, not the
 * shape "A-7").
 *
 * @example
 * seatIndexOf(createSeatMap([{ row: 'A', seats: 2 }, { row: 'B', seats: 2 }]), 'B-1'); // 2
 */
export function seatIndexOf(map: SeatMap, seatId: string): number {
  const dash = seatId.indexOf('-');
  if (dash < 1) return -1;
  const r = map.rowIndexByName.get(seatId.slice(0, dash));
  if (r === undefined) return -1;
  const digits = seatId.slice(dash + 1);
  // Digits only, no leading zero: "A-07" and "A-7.0" are not seat ids, so one seat has exactly one id.
  if (!/^[1-9][0-9]{0,3}$/.test(digits)) return -1;
  const number = Number(digits);
  return number <= map.rows[r]!.seats ? map.rowStart[r]! + number - 1 : -1;
}

/**
 * The id of a seat index.
 *
 * @example
 * seatIdOf(createSeatMap([{ row: 'A', seats: 2 }, { row: 'B', seats: 2 }]), 3); // 'B-2'
 */
export function seatIdOf(map: SeatMap, index: number): string {
  const r = map.rowOf[index];
  if (r === undefined || !Number.isInteger(index)) throw new RangeError(`no seat at index ${index}`);
  return `${map.rows[r]!.row}-${index - map.rowStart[r]! + 1}`;
}

/**
 * Free seats of the whole map, in O(1).
 *
 * @example
 * availableCount(createSeatMap([{ row: 'A', seats: 24 }])); // 24
 */
export function availableCount(map: SeatMap): number {
  return map.available;
}

/**
 * One row as `GET /v1/shows/:id` shows it (the API's `SeatMap`, src/http/api/show-api.ts): seats `1..seats`,
 * `taken` the numbers held or sold, ascending.
 */
export interface RowSnapshot {
  row: string;
  seats: number;
  taken: number[];
}

export interface SeatMapSnapshot {
  rows: RowSnapshot[];
}

/**
 * The map as plain JSON for readers: which seats are not free, never who holds them nor whether held or sold.
 *
 * @example
 * const map = createSeatMap([{ row: 'A', seats: 3 }]);
 * takeNamed(map, ['A-2'], 'bk_1');
 * seatMapSnapshot(map); // { rows: [{ row: 'A', seats: 3, taken: [2] }] }
 */
export function seatMapSnapshot(map: SeatMap): SeatMapSnapshot {
  const rows = map.rows.map(({ row, seats }, r) => {
    const taken: number[] = [];
    const start = map.rowStart[r]!;
    for (let i = start; i < start + seats; i++) if (map.state[i] !== SEAT_FREE) taken.push(i - start + 1);
    return { row, seats, taken };
  });
  return { rows };
}
