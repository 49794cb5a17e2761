/**
 * Hold decisions on one hot show, in-process (issue 10's target: 100,000 a second). One task sends 1,000 hold
 * requests at once, awaits every answer, then gives the places back (1,000 releases) so the next task finds the
 * same show; one op is one hold decided, and the releases' cost is inside the time. Cases:
 * - `inventory.direct`: the baseline, `Inventory.hold` and `release` called in a loop, no actor, no promise;
 * - `inventory.actor.ga`: the same through the show's inventory actor (`ask` each hold, `tell` each release), one
 *   general-admission place a hold on a 100,000-place category;
 * - `inventory.actor.seated`: best available 2 together on a 2,000-seat hall (40 rows of 50) through the actor.
 * `node --import tsx bench/inventory.bench.ts [filter]` (or `npm run bench:inventory`).
 */
import { ActorSystem } from '../src/actors/actor-system.ts';
import { InventoryClient, inventoryProps, type InventoryMessage } from '../src/box-office/inventory-actor.ts';
import { Inventory } from '../src/box-office/inventory.ts';
import { DEFAULT_INVENTORY_LIMITS, type HoldItem, type InventoryCategory } from '../src/box-office/inventory-types.ts';
import { isMainModule, printTable, runSubjectCases, settingsFromEnv, type SubjectResults } from './bench-fixtures.ts';
import type { BenchSettings } from './harness.ts';

const BATCH = 1_000;
const HOLD_MS = 900_000;
const CATEGORIES: InventoryCategory[] = [
  { id: 'ga', capacity: 100_000 },
  { id: 'hall', capacity: 2_000, rows: Array.from({ length: 40 }, (_, r) => ({ row: `R${r + 1}`, seats: 50 })) },
];
const GA: HoldItem[] = [{ categoryId: 'ga', quantity: 1 }];
const SEATED: HoldItem[] = [{ categoryId: 'hall', quantity: 2, together: true }];
const BASELINE = 'inventory.direct';

function directCase(): () => void {
  const inv = new Inventory(CATEGORIES, DEFAULT_INVENTORY_LIMITS);
  let task = 0;
  return () => {
    task++;
    for (let i = 0; i < BATCH; i++) if (!inv.hold(`bk_${task}_${i}`, GA, 0, HOLD_MS).ok) throw new Error('baseline hold refused');
    for (let i = 0; i < BATCH; i++) inv.release(`bk_${task}_${i}`, 'cancelled');
  };
}

function actorCase(system: ActorSystem, name: string, items: HoldItem[]): () => Promise<void> {
  const ref = system.spawn(inventoryProps({
    name, categories: CATEGORIES, limits: DEFAULT_INVENTORY_LIMITS, holdMs: HOLD_MS, mailboxCapacity: 4 * BATCH, load: () => [],
  }));
  const client = new InventoryClient(ref, 10_000);
  let task = 0;
  return async () => {
    task++;
    const answers = await Promise.all(Array.from({ length: BATCH }, (_, i) => client.hold(`bk_${task}_${i}`, items)));
    const refused = answers.filter((a) => !a.ok).length;
    if (refused > 0) throw new Error(`${name}: ${refused} of ${BATCH} holds refused`);
    for (let i = 0; i < BATCH; i++) {
      const release: InventoryMessage = { type: 'release', bookingId: `bk_${task}_${i}`, reason: 'cancelled' };
      if (!ref.tell(release)) throw new Error(`${name}: release refused`);
    }
  };
}

/**
 * @example
 * const results = await runInventoryBenches({ timeMs: 1_500, warmupMs: 300, filter: undefined });
 * results['inventory.actor.ga']?.opsPerSec; // hold decisions/s through the actor
 */
export async function runInventoryBenches(settings: BenchSettings): Promise<SubjectResults> {
  const system = new ActorSystem();
  try {
    return await runSubjectCases([
      { name: BASELINE, messagesPerTask: BATCH, fn: directCase() },
      { name: 'inventory.actor.ga', baseline: BASELINE, messagesPerTask: BATCH, async: true, fn: actorCase(system, 'inventory-ga', GA) },
      { name: 'inventory.actor.seated', baseline: BASELINE, messagesPerTask: BATCH, async: true, fn: actorCase(system, 'inventory-seated', SEATED) },
    ], settings);
  } finally {
    await system.stop();
  }
}

if (isMainModule(import.meta.url)) {
  const results = await runInventoryBenches(settingsFromEnv({ timeMs: 1_500, warmupMs: 300 }));
  printTable('hold decisions on one hot show, 1,000 at once then released', 'holds/s', results);
}
