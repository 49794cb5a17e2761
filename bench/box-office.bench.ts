/**
 * The whole hold path in-process, without HTTP (issue 10's in-process target: 100,000 hold decisions a second): the
 * real engine on a temp SQLite file, one task making 1,000 bookings at once with `BoxOffice.book` (no payment, so a
 * hold: the show's inventory actor decides it, and the booking and its `booking.held` event are written in the
 * ledger's group commit before the call returns). One op is one booking answered. Cases:
 * - `box-office.refused`: the same calls on a sold-out category: the actor refuses, nothing is written;
 * - `box-office.held`: 1 general-admission place a booking on 400,000 places, each hold committed.
 * The baseline is the refusal: the difference is what committing a hold costs.
 * `node --import tsx bench/box-office.bench.ts [filter]` (or `npm run bench:box-office`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BookingRequest } from '../src/box-office/booking-types.ts';
import { BoxOfficeError } from '../src/box-office/box-office-error.ts';
import { demoPark } from '../src/domain/demo-park.ts';
import type { ShowInput } from '../src/domain/show.ts';
import { Engine } from '../src/pipeline/engine.ts';
import { systemContext } from '../src/platform/context.ts';
import { silentLogger } from '../src/platform/logger.ts';
import { TicketStore } from '../src/store/index.ts';
import { InlineEvaluator } from '../src/workers/inline-evaluator.ts';
import { isMainModule, printTable, runSubjectCases, settingsFromEnv, type SubjectResults } from './bench-fixtures.ts';
import type { BenchSettings } from './harness.ts';

const BATCH = 1_000;
const BASELINE = 'box-office.refused';

const SHOW: ShowInput = {
  name: 'Bench', venue: 'Hall', location: 'Here', startsAt: '2099-06-01T20:00:00Z', status: 'on_sale',
  categories: [
    ...[1, 2, 3, 4].map((n) => ({ id: `ga${n}`, name: `GA ${n}`, price: 100, capacity: 100_000 })),
    { id: 'gone', name: 'Gone', price: 100, capacity: 1 },
  ],
};

function bookCase(engine: Engine, categoryOf: (task: number) => string, refused: boolean): () => Promise<void> {
  let task = 0;
  return async () => {
    task++;
    const categoryId = categoryOf(task);
    const request = (i: number): BookingRequest => ({ customerId: `customer-${1 + (i % 6)}`, showId: 'bench', items: [{ categoryId, quantity: 1 }] });
    const answers = await Promise.allSettled(Array.from({ length: BATCH }, (_, i) => engine.boxOffice.book(request(i))));
    for (const answer of answers) {
      const wasRefused = answer.status === 'rejected' && answer.reason instanceof BoxOfficeError && answer.reason.code === 'sold_out';
      if (wasRefused !== refused) throw new Error(`expected ${refused ? 'sold_out' : 'held'}, got ${answer.status === 'fulfilled' ? answer.value.booking.status : String(answer.reason)}`);
    }
  };
}

/**
 * @example
 * const results = await runBoxOfficeBenches({ timeMs: 3_000, warmupMs: 500, filter: undefined });
 * results['box-office.held']?.opsPerSec; // bookings held (and committed) a second
 */
export async function runBoxOfficeBenches(settings: BenchSettings): Promise<SubjectResults> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-bench-box-office-'));
  const store = TicketStore.open({ dataDir: dir, ids: systemContext.ids });
  const engine = await Engine.start({ store, evaluator: (o) => new InlineEvaluator(o), runtime: systemContext, log: silentLogger });
  try {
    store.seedIfEmpty(demoPark(''), Date.now());
    await engine.putShow('bench', SHOW);
    // The one place of `gone` is taken: every later booking of it is refused.
    await engine.boxOffice.book({ customerId: 'customer-1', showId: 'bench', items: [{ categoryId: 'gone', quantity: 1 }] });
    // A category holds at most 100,000: the tasks go round the four, each bounded by the time (a few hundred tasks).
    return await runSubjectCases([
      { name: BASELINE, messagesPerTask: BATCH, async: true, fn: bookCase(engine, () => 'gone', true) },
      { name: 'box-office.held', baseline: BASELINE, messagesPerTask: BATCH, async: true, fn: bookCase(engine, (task) => `ga${1 + (Math.floor(task / 90) % 4)}`, false) },
    ], settings);
  } finally {
    await engine.stop();
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (isMainModule(import.meta.url)) {
  const results = await runBoxOfficeBenches(settingsFromEnv({ timeMs: 3_000, warmupMs: 500 }));
  printTable('bookings on one hot show in-process (BoxOffice.book, no payment), 1,000 at once', 'bookings/s', results);
}
