/** The inventory actor in virtual time: expiry by its one timer, a full mailbox as a typed overload, a restart. */
import { describe, expect, it } from 'vitest';
import { EXPIRY_RETRY_MS, InventoryClient, inventoryProps, type InventoryActorOptions } from '../../src/box-office/inventory-actor.ts';
import { DEFAULT_INVENTORY_LIMITS, type InventoryRecord } from '../../src/box-office/inventory-types.ts';
import type { ActorRef } from '../../src/actors/actor-ref.ts';
import type { InventoryMessage, InventoryReply } from '../../src/box-office/inventory-actor.ts';
import { createTestKit, type TestKit } from '../../src/testkit/test-kit.ts';

const HOLD_MS = 1_000;

function start(kit: TestKit, overrides: Partial<InventoryActorOptions> = {}): { client: InventoryClient; expired: InventoryRecord[] } {
  const expired: InventoryRecord[] = [];
  const ref = kit.system.spawn(inventoryProps({
    name: 'inventory:sh_1',
    categories: [{ id: 'ga', capacity: 2 }, { id: 'stalls', capacity: 4, rows: [{ row: 'A', seats: 4 }] }],
    limits: DEFAULT_INVENTORY_LIMITS,
    holdMs: HOLD_MS,
    mailboxCapacity: 16,
    load: () => [],
    onExpired: (records) => expired.push(...records),
    ...overrides,
  }));
  return { client: new InventoryClient(ref, 5_000), expired };
}

async function answer<T>(kit: TestKit, promise: Promise<T>): Promise<T> {
  await kit.settle();
  return promise;
}

describe('inventory actor', () => {
  it('holds, then releases the hold when it expires in virtual time, with one timer armed', async () => {
    const kit = createTestKit({ seed: 1 });
    const { client, expired } = start(kit);
    const first = await answer(kit, client.hold('bk_1', [{ categoryId: 'stalls', seats: ['A-1', 'A-2'] }]));
    const firstExpiryMs = kit.clock.now() + HOLD_MS;
    expect(first).toMatchObject({ ok: true, record: { expiresAtMs: firstExpiryMs } });
    // The ask registry keeps a timer of its own; later holds must not add timers, and the earliest is the one due.
    const timers = kit.clock.pendingTimers();
    await kit.advance(400);
    await answer(kit, client.hold('bk_2', [{ categoryId: 'ga', quantity: 2 }]));
    expect(kit.clock.pendingTimers()).toBe(timers);
    expect(kit.clock.nextDueMs()).toBe(firstExpiryMs);
    await kit.advance(599);
    expect(expired).toEqual([]);
    await kit.advance(1);
    expect(expired.map((r) => r.bookingId)).toEqual(['bk_1']);
    expect(kit.clock.nextDueMs()).toBe(firstExpiryMs + 400);
    expect(await answer(kit, client.hold('bk_3', [{ categoryId: 'stalls', seats: ['A-1'] }]))).toMatchObject({ ok: true });
    expect(await answer(kit, client.hold('bk_4', [{ categoryId: 'ga', quantity: 1 }]))).toMatchObject({ ok: false, code: 'sold_out' });
    await kit.advance(400);
    expect(expired.map((r) => r.bookingId)).toEqual(['bk_1', 'bk_2']);
    expect(await answer(kit, client.confirm('bk_2'))).toMatchObject({ ok: false, code: 'unknown_booking' });
  });

  it('confirms before expiry; the sale then never expires and the timer is disarmed', async () => {
    const kit = createTestKit({ seed: 2 });
    const { client, expired } = start(kit);
    const held = await answer(kit, client.hold('bk_1', [{ categoryId: 'stalls', quantity: 2, together: true }]));
    const timers = kit.clock.pendingTimers();
    expect(await answer(kit, client.confirm('bk_1'))).toMatchObject({ ok: true, record: { status: 'sold' } });
    expect(kit.clock.pendingTimers()).toBe(timers - 1);
    expect(kit.clock.nextDueMs()).not.toBe(held.ok ? held.record.expiresAtMs : -1);
    await kit.advance(5 * HOLD_MS);
    expect(expired).toEqual([]);
    expect(await answer(kit, client.available())).toContainEqual({ categoryId: 'stalls', capacity: 4, held: 0, sold: 2, available: 2 });
  });

  it('answers overloaded when the mailbox is full, and the queued requests are still decided', async () => {
    const kit = createTestKit({ seed: 3 });
    const { client } = start(kit, { mailboxCapacity: 2 });
    const asks = [1, 2, 3].map((n) => client.hold(`bk_${n}`, [{ categoryId: 'ga', quantity: 1 }]));
    await kit.settle();
    const answers = await Promise.all(asks);
    expect(answers.map((a) => a.ok)).toEqual([true, true, false]);
    expect(answers[2]).toEqual({ ok: false, code: 'overloaded', reason: 'ERR_MAILBOX_FULL' });
  });

  it('offers an expiry refused by a full mailbox again, every EXPIRY_RETRY_MS, until the actor takes it', async () => {
    const kit = createTestKit({ seed: 5 });
    const { client, expired } = start(kit, { mailboxCapacity: 2 });
    expect(await answer(kit, client.hold('bk_1', [{ categoryId: 'ga', quantity: 1 }]))).toMatchObject({ ok: true });
    await kit.advance(HOLD_MS - 1);
    // Two requests fill the mailbox; the hold's timer fires with no room for its message.
    const queued = [client.available(), client.available()];
    kit.clock.advanceTo(kit.clock.now() + 1); // the timer fires before the actor has read either request
    await answer(kit, Promise.all(queued));
    expect(expired).toEqual([]);
    await kit.advance(EXPIRY_RETRY_MS - 1);
    expect(expired).toEqual([]);
    await kit.advance(1);
    expect(expired.map((r) => r.bookingId)).toEqual(['bk_1']);
  });

  it('starts from the committed records', async () => {
    const kit = createTestKit({ seed: 4 });
    const records: InventoryRecord[] = [
      { bookingId: 'bk_1', status: 'sold', expiresAtMs: 0, items: [{ categoryId: 'stalls', quantity: 1, seats: ['A-3'] }] },
      { bookingId: 'bk_2', status: 'held', expiresAtMs: kit.clock.now() + 10, items: [{ categoryId: 'ga', quantity: 2 }] },
    ];
    const { client, expired } = start(kit, { load: () => records });
    expect(await answer(kit, client.hold('bk_3', [{ categoryId: 'stalls', seats: ['A-3'] }]))).toMatchObject({ code: 'seats_taken', detail: { seats: ['A-3'] } });
    await kit.advance(10);
    expect(expired.map((r) => r.bookingId)).toEqual(['bk_2']);
  });

  it('runs under a parent; when committing an expiry fails it restarts from the store and expires again', async () => {
    const kit = createTestKit({ seed: 5 });
    const store = new Map<string, InventoryRecord>();
    let failCommits = 1;
    let inventory!: ActorRef<InventoryMessage, InventoryReply>;
    kit.system.spawn<string>({
      name: 'show:sh_1',
      mailbox: { capacity: 8, overflow: 'reject' },
      create: () => ({
        receive: () => {},
        preStart: (ctx) => {
          inventory = ctx.spawn(inventoryProps({
            name: 'inventory', categories: [{ id: 'ga', capacity: 2 }], limits: DEFAULT_INVENTORY_LIMITS, holdMs: HOLD_MS,
            mailboxCapacity: 8, load: () => [...store.values()],
            onExpired: (records) => {
              if (failCommits-- > 0) throw new Error('store unavailable');
              for (const r of records) store.delete(r.bookingId);
            },
          }));
        },
      }),
    });
    const client = new InventoryClient(inventory, 5_000);
    const held = await answer(kit, client.hold('bk_1', [{ categoryId: 'ga', quantity: 2 }]));
    if (!held.ok) throw new Error('hold refused');
    store.set('bk_1', held.record); // what the saga commits
    await kit.advance(HOLD_MS);
    expect(kit.events.some((e) => e.type === 'restarted' && e.path.endsWith('/inventory'))).toBe(true);
    expect(store.size).toBe(0);
    expect(await answer(kit, client.available())).toEqual([{ categoryId: 'ga', capacity: 2, held: 0, sold: 0, available: 2 }]);
  });
});
