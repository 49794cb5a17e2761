/**
 * Best available on a 2,000-seat hall (40 rows of 50) filling up: groups of 1 to 6 ask for seats together (split
 * when no row has them together) and hold what they get, from an empty hall until the next group no longer fits.
 * One op is one decision (a `bestAvailable` call). Baseline: the same fill with the plainest chooser, the first run
 * of n free seats front to back, no rule about singles, written here so nothing in src/ changes it.
 * `node --import tsx bench/seating.bench.ts [filter]` (or `npm run bench:seating`).
 */
import { bestAvailable } from '../src/domain/seating/best-available.ts';
import { holdSeats } from '../src/domain/seating/seat-holds.ts';
import { createSeatMap, SEAT_FREE, type RowLayout, type SeatMap } from '../src/domain/seating/seat-map.ts';
import {
  isMainModule, printTable, runSubjectCases, settingsFromEnv, type SubjectCase, type SubjectResults,
} from './bench-fixtures.ts';
import type { BenchSettings } from './harness.ts';

const HALL: RowLayout[] = Array.from({ length: 40 }, (_, r) => ({
  row: String.fromCharCode(65 + (r % 26)) + (r >= 26 ? 'A' : ''),
  seats: 50,
}));
/** Group sizes asked in turn, a fixed cycle so every fill makes the same decisions. */
const GROUPS = [2, 4, 1, 3, 2, 5, 6, 2, 3, 4, 2, 1];
const BASELINE = 'seating.first-fit';

type Chooser = (map: SeatMap, n: number) => number[] | undefined;

/** Read once, as best-available.ts does: tsx turns an imported binding into a getter, costly in a hot loop. */
const FREE: number = SEAT_FREE;

const ruled: Chooser = (map, n) => bestAvailable(map, n, { together: true }) ?? bestAvailable(map, n, { together: false });

/** The first n adjacent free seats in one row, front to back (full rows skipped); else the first n free seats. */
const firstFit: Chooser = (map, n) => {
  if (map.available < n) return undefined;
  for (let r = 0; r < map.rows.length; r++) {
    if (map.freeInRow[r]! < n) continue;
    let runLength = 0;
    for (let i = map.rowStart[r]!; i < map.rowStart[r + 1]!; i++) {
      runLength = map.state[i] === FREE ? runLength + 1 : 0;
      if (runLength === n) {
        const seats = new Array<number>(n);
        for (let k = 0; k < n; k++) seats[k] = i - n + 1 + k;
        return seats;
      }
    }
  }
  const seats: number[] = [];
  for (let i = 0; seats.length < n; i++) if (map.state[i] === FREE) seats.push(i);
  return seats;
};

/** Fills an empty hall; answers the decisions made (the last one is the group that no longer fits). */
function fill(choose: Chooser): number {
  const map = createSeatMap(HALL);
  for (let decisions = 1; ; decisions++) {
    const seats = choose(map, GROUPS[decisions % GROUPS.length]!);
    if (seats === undefined) return decisions;
    holdSeats(map, seats, `bk_${decisions}`);
  }
}

function fillCase(name: string, choose: Chooser, baseline?: string): SubjectCase {
  const decisionsPerFill = fill(choose);
  return { name, baseline, messagesPerTask: decisionsPerFill, fn: () => void fill(choose), extra: () => ({ decisionsPerFill }) };
}

/**
 * The slowest decision the bounds allow, as far as we know: 100,000 seats (100 rows of 1,000) in pairs of free
 * seats between sold ones, 4 asked. No row has 4 together, so every row is scanned, then the split table is built
 * over 33,400 segments. The map is not changed, so every call makes the same decision.
 */
function worstCase(name: string, choose: Chooser, baseline?: string): SubjectCase {
  const map = createSeatMap(Array.from({ length: 100 }, (_, r) => ({ row: `R${r + 1}`, seats: 1_000 })));
  holdSeats(map, Array.from(map.state.keys()).filter((i) => (i - map.rowStart[map.rowOf[i]!]!) % 3 === 2), 'sold');
  return { name, baseline, messagesPerTask: 1, fn: () => void choose(map, 4), minCalls: 16 };
}

/**
 * `seating.best-available`: the fill with `bestAvailable` (together, else split). `seating.first-fit`: the baseline.
 * One op is one decision, each followed by its hold; a fill also builds its map (2,000 seats). The `worst-100k`
 * pair: one decision on the 100,000-seat map above, without a hold.
 *
 * @example
 * const results = await runSeatingBenches({ timeMs: 1_500, warmupMs: 300, filter: undefined });
 * results['seating.best-available']?.opsPerSec; // decisions/s
 */
export async function runSeatingBenches(settings: BenchSettings): Promise<SubjectResults> {
  return runSubjectCases([
    fillCase(BASELINE, firstFit),
    fillCase('seating.best-available', ruled, BASELINE),
    worstCase('seating.worst-100k.first-fit', firstFit),
    worstCase('seating.worst-100k.best-available', ruled, 'seating.worst-100k.first-fit'),
  ], settings);
}

if (isMainModule(import.meta.url)) {
  const results = await runSeatingBenches(settingsFromEnv({ timeMs: 1_500, warmupMs: 300 }));
  printTable('best available on a 2,000-seat hall filling up', 'decisions/s', results);
}
