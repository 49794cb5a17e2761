/**
 * Seat maps by example: layouts and their errors, seat ids, named holds all or nothing, sell and release, the
 * snapshot, and each rule of best available (front row first, no stranded single where another choice avoids it,
 * exact fits, flush against taken seats, the centre, the fallback, the split).
 */
import { describe, expect, it } from 'vitest';
import { bestAvailable } from '../../src/domain/seating/best-available.ts';
import {
  holderSeatIds, holdSeats, release, releaseSeats, sell, TAKE_SEATS_MAX, takeNamed,
} from '../../src/domain/seating/seat-holds.ts';
import {
  availableCount, createSeatMap, ROW_SEATS_MAX, ROWS_MAX, SEATS_PER_SHOW_MAX, SeatingError, seatIdOf, seatIndexOf,
  seatMapSnapshot, type RowLayout,
} from '../../src/domain/seating/seat-map.ts';
import { idsOf, mapOf, strandsSingle } from './seating-fixtures.ts';

const together = { together: true };
const split = { together: false };

function layoutError(rows: RowLayout[]): SeatingError {
  try {
    createSeatMap(rows);
  } catch (e) {
    if (e instanceof SeatingError) return e;
    throw e;
  }
  throw new Error('the layout was accepted');
}

describe('seat map layout', () => {
  it('counts the seats of every row and maps ids to indices and back', () => {
    const map = createSeatMap([{ row: 'A', seats: 24 }, { row: 'B', seats: 26 }, { row: 'AA', seats: 1 }, { row: '12', seats: ROW_SEATS_MAX }]);
    expect(availableCount(map)).toBe(51 + ROW_SEATS_MAX);
    expect(seatIndexOf(map, `12-${ROW_SEATS_MAX}`)).toBe(50 + ROW_SEATS_MAX);
    expect(seatIndexOf(map, 'A-1')).toBe(0);
    expect(seatIndexOf(map, 'B-1')).toBe(24);
    expect(seatIndexOf(map, 'AA-1')).toBe(50);
    for (let i = 0; i < 51; i++) expect(seatIndexOf(map, seatIdOf(map, i))).toBe(i);
  });

  it.each(['A-0', 'A-25', 'C-1', 'A7', '-7', 'A-07', 'A-7.0', 'A-', 'a-7', 'A-1e1', ''])('%j is no seat', (id) => {
    expect(seatIndexOf(createSeatMap([{ row: 'A', seats: 24 }]), id)).toBe(-1);
  });

  it.each([
    [[], 'rows'],
    [[{ row: 'A-1', seats: 3 }], 'rows[0].row'],
    [[{ row: 'ABCDEFGHI', seats: 3 }], 'rows[0].row'],
    [[{ row: '', seats: 3 }], 'rows[0].row'],
    [[{ row: 'A', seats: 3 }, { row: 'A', seats: 3 }], 'rows[1].row'],
    [[{ row: 'A', seats: 0 }], 'rows[0].seats'],
    [[{ row: 'A', seats: ROW_SEATS_MAX + 1 }], 'rows[0].seats'],
    [[{ row: 'A', seats: 2.5 }], 'rows[0].seats'],
  ] as [RowLayout[], string][])('refuses layout %j at %s', (rows, path) => {
    const error = layoutError(rows);
    expect(error.code).toBe('ERR_SEATING_LAYOUT');
    expect(error.path).toBe(path);
  });

  it('refuses more rows or seats than the bounds', () => {
    const name = (i: number): string => `R${i + 1}`;
    const tooManyRows = Array.from({ length: ROWS_MAX + 1 }, (_, i) => ({ row: name(i), seats: 1 }));
    expect(layoutError(tooManyRows).path).toBe('rows');
    const rowCount = Math.ceil(SEATS_PER_SHOW_MAX / ROW_SEATS_MAX) + 1;
    const tooManySeats = Array.from({ length: rowCount }, (_, i) => ({ row: name(i), seats: ROW_SEATS_MAX }));
    expect(layoutError(tooManySeats).message).toContain(`more than ${SEATS_PER_SHOW_MAX} seats`);
    const atTheBound = tooManySeats.slice(0, SEATS_PER_SHOW_MAX / ROW_SEATS_MAX);
    expect(availableCount(createSeatMap(atTheBound))).toBe(SEATS_PER_SHOW_MAX);
  });
});

describe('named seats, sell and release', () => {
  it('holds named seats all or nothing and names the ones taken', () => {
    const map = createSeatMap([{ row: 'A', seats: 24 }]);
    expect(takeNamed(map, ['A-7', 'A-8'], 'bk_1')).toEqual({ ok: true, seats: [6, 7] });
    expect(takeNamed(map, ['A-9', 'A-8', 'A-7'], 'bk_2')).toEqual({ ok: false, code: 'seats_taken', seats: ['A-8', 'A-7'] });
    expect(seatMapSnapshot(map).rows[0]!.taken).toEqual([7, 8]);
    expect(availableCount(map)).toBe(22);
  });

  it('refuses unknown and repeated seats, no seats, and more than the bound', () => {
    const map = createSeatMap([{ row: 'A', seats: 24 }]);
    expect(takeNamed(map, ['A-1', 'A-25', 'A-1'], 'bk')).toEqual({ ok: false, code: 'invalid_seats', seats: ['A-25', 'A-1'] });
    expect(takeNamed(map, [], 'bk')).toEqual({ ok: false, code: 'invalid_seats', seats: [] });
    const many = Array.from({ length: TAKE_SEATS_MAX + 1 }, (_, i) => `A-${i + 1}`);
    expect(takeNamed(map, many, 'bk')).toMatchObject({ ok: false, code: 'too_many_seats' });
    expect(availableCount(map)).toBe(24);
  });

  it('sells a holder\'s held seats and releases held and sold seats', () => {
    const map = createSeatMap([{ row: 'A', seats: 5 }]);
    takeNamed(map, ['A-1', 'A-2'], 'bk_1');
    takeNamed(map, ['A-4'], 'bk_2');
    expect(sell(map, 'bk_1')).toBe(2);
    expect(sell(map, 'bk_1')).toBe(0);
    expect(seatMapSnapshot(map)).toEqual({ rows: [{ row: 'A', seats: 5, taken: [1, 2, 4] }] });
    expect(holderSeatIds(map, 'bk_1')).toEqual(['A-1', 'A-2']);
    expect(releaseSeats(map, 'bk_1', ['A-2', 'A-4', 'Z-1'])).toEqual({ released: 1, notHeld: ['A-4', 'Z-1'] });
    expect(release(map, 'bk_2')).toBe(1);
    expect(release(map, 'bk_2')).toBe(0);
    expect(release(map, 'bk_1')).toBe(1);
    expect(seatMapSnapshot(map).rows[0]!.taken).toEqual([]);
    expect(availableCount(map)).toBe(5);
    expect(map.holders.size).toBe(0);
  });

  it('the snapshot carries no holder ids', () => {
    const map = createSeatMap([{ row: 'A', seats: 3 }]);
    takeNamed(map, ['A-2'], 'bk_secret');
    expect(JSON.stringify(seatMapSnapshot(map))).not.toContain('bk_secret');
  });

  it('holding a seat that is not free is a bug that fails an assertion and changes nothing', () => {
    const map = mapOf('A ..s');
    expect(() => holdSeats(map, [0, 2], 'bk')).toThrow(/free before it is held/);
    expect(() => holdSeats(map, [0, 1, 0], 'bk')).toThrow(/named twice/);
    expect(availableCount(map)).toBe(2);
  });
});

describe('best available together', () => {
  it('an empty row of 24 gives the two centre seats', () => {
    const map = createSeatMap([{ row: 'A', seats: 24 }]);
    expect(idsOf(map, bestAvailable(map, 2, together))).toEqual(['A-12', 'A-13']);
  });

  it('the next group sits flush against the first, nearest the centre', () => {
    const map = createSeatMap([{ row: 'A', seats: 24 }]);
    holdSeats(map, bestAvailable(map, 2, together)!, 'bk_1');
    expect(idsOf(map, bestAvailable(map, 3, together))).toEqual(['A-9', 'A-10', 'A-11']);
  });

  it('three free, two asked: not in that row when another row avoids stranding one', () => {
    const map = mapOf('A s...ss', 'B s..sss');
    expect(idsOf(map, bestAvailable(map, 2, together))).toEqual(['B-2', 'B-3']);
  });

  it('three free, two asked, nothing else: takes them anyway and strands one', () => {
    const map = mapOf('A s...ss', 'B ssssss');
    const seats = bestAvailable(map, 2, together)!;
    expect(seats).toHaveLength(2);
    expect(strandsSingle(map, seats)).toBe(true);
  });

  it('front row first when it has a run without a stranded single', () => {
    const map = mapOf('A ss....ss', 'B ........');
    expect(idsOf(map, bestAvailable(map, 4, together))).toEqual(['A-3', 'A-4', 'A-5', 'A-6']);
  });

  it('a hole that fits exactly beats the centre of the row', () => {
    const map = mapOf('A ..s..........s..');
    expect(idsOf(map, bestAvailable(map, 2, together))).toEqual(['A-1', 'A-2']);
  });

  it('never leaves one seat between the run and a taken seat when a shift avoids it', () => {
    // The centre-most run, A-4 to A-7, would leave alone.
    const map = mapOf('A ss......ss');
    const seats = bestAvailable(map, 4, together)!;
    expect(strandsSingle(map, seats)).toBe(false);
    expect(idsOf(map, seats)).toEqual(['A-3', 'A-4', 'A-5', 'A-6']);
  });

  it('flush against a taken seat beats the centre even at the far end of the longest row', () => {
    const map = mapOf(`A s${'.'.repeat(ROW_SEATS_MAX - 1)}`);
    expect(idsOf(map, bestAvailable(map, 2, together))).toEqual(['A-2', 'A-3']);
  });

  it('a held seat counts as taken', () => {
    const map = mapOf('A h...h', 'B ..hh.');
    expect(idsOf(map, bestAvailable(map, 3, together))).toEqual(['A-2', 'A-3', 'A-4']);
  });

  it('a lone seat that was lone before is not stranded by the choice', () => {
    const map = mapOf('A .s..');
    expect(idsOf(map, bestAvailable(map, 2, together))).toEqual(['A-3', 'A-4']);
  });

  it('answers undefined when no row has n adjacent free seats, or fewer are free', () => {
    expect(bestAvailable(mapOf('A ..s..', 'B .s.s.'), 3, together)).toBeUndefined();
    expect(bestAvailable(mapOf('A ss.'), 2, split)).toBeUndefined();
    const full = createSeatMap([{ row: 'A', seats: 24 }]);
    holdSeats(full, Array.from({ length: 24 }, (_, i) => i), 'bk');
    expect(bestAvailable(full, 1, together)).toBeUndefined();
  });

  it('asks for 1 to TAKE_SEATS_MAX seats', () => {
    const map = createSeatMap([{ row: 'A', seats: 24 }]);
    expect(() => bestAvailable(map, 0, together)).toThrow();
    expect(() => bestAvailable(map, TAKE_SEATS_MAX + 1, together)).toThrow();
  });
});

describe('best available split', () => {
  it('takes a together run when one strands no single', () => {
    const map = mapOf('A ..s..', 'B .....');
    expect(idsOf(map, bestAvailable(map, 3, split))).toEqual(['B-1', 'B-2', 'B-3']);
  });

  it('splits when every together run strands a single', () => {
    const map = mapOf('A ..s..', 'B ....');
    const seats = bestAvailable(map, 3, split)!;
    expect(idsOf(map, seats)).toEqual(['A-1', 'A-2', 'B-1']);
    expect(strandsSingle(map, seats)).toBe(false);
  });

  it('splits over holes without stranding a single', () => {
    const map = mapOf('A ..s..s..s');
    const seats = bestAvailable(map, 4, split)!;
    expect(idsOf(map, seats)).toEqual(['A-1', 'A-2', 'A-4', 'A-5']);
    expect(strandsSingle(map, seats)).toBe(false);
  });

  it('takes fewer from a hole rather than leave one seat in it, when later holes make up the rest', () => {
    const map = mapOf('A ...s..s', 'B sss..s');
    const seats = bestAvailable(map, 4, split)!;
    expect(strandsSingle(map, seats)).toBe(false);
    expect(idsOf(map, seats)).toEqual(['A-5', 'A-6', 'B-4', 'B-5']);
  });

  it('strands one only when every split would', () => {
    const map = mapOf('A ...s');
    const seats = bestAvailable(map, 2, split)!;
    expect(seats).toHaveLength(2);
    expect(strandsSingle(map, seats)).toBe(true);
  });
});
