/**
 * Migration v3 on a database as ticketd v2 left it: issued, rejected, failed and still pending taps, a top-up, and
 * the outbox a customer's phone resumes from. After it, the event log holds every notification under the id the
 * phone already has, balances still equal their ledger, and the pending tap waits to be decided.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DB_FILE_NAME } from '../../src/store/index.ts';
import { MIGRATIONS, migrate } from '../../src/store/schema.ts';
import { makeHarness, makeTap, T0, type Harness } from './helpers.ts';

const V2_ROWS = `
INSERT INTO customers VALUES ('c1', 'Ada', 'standard', 9375, 'EUR'), ('c2', 'Bo', 'standard', 500, 'EUR');
INSERT INTO ledger (customer_id, kind, amount, balance_after, ref, at) VALUES
  ('c1', 'opening', 10000, 10000, NULL, ${T0}), ('c2', 'opening', 500, 500, NULL, ${T0}),
  ('c1', 'debit', -1125, 8875, 't1', ${T0 + 1}), ('c1', 'top-up', 500, 9375, 'tu1', ${T0 + 2});
INSERT INTO taps (seq, tap_id, customer_id, ride_id, machine_id, tapped_at, signature, accepted_at, status, reason, ticket_id) VALUES
  (1, 't1', 'c1', 'r1', 'm1', '2026-11-22T10:00:00+02:00', NULL, ${T0}, 'issued', NULL, 'tkt_1'),
  (2, 't2', 'c2', 'r9', 'm1', '2026-11-22T10:00:00+02:00', NULL, ${T0}, 'rejected', 'unknown_ride', NULL),
  (3, 't3', 'c2', 'r1', 'm2', '2026-11-22T10:00:00+02:00', NULL, ${T0}, 'failed', 'worker_failed', NULL),
  (4, 't4', 'c1', 'r1', 'm1', '2026-11-22T10:00:00+02:00', 'c2ln', ${T0}, 'pending', NULL, NULL);
INSERT INTO tickets VALUES (1, 'tkt_1', 't1', 'c1', 'r1', 900, 1125, 'EUR', '[{"rule":"peak"}]', 8875, '2026-11-22T10:00:00+02:00', ${T0 + 1});
INSERT INTO outbox (id, customer_id, type, data, created_at) VALUES
  (1, 'c1', 'ticket.issued', '{"tapId":"t1"}', ${T0 + 1}),
  (2, 'c1', 'balance.changed', '{"customerId":"c1","balance":8875,"currency":"EUR","change":-1125,"cause":{"kind":"ticket","tapId":"t1","ticketId":"tkt_1"}}', ${T0 + 1}),
  (3, 'c2', 'ticket.rejected', '{"tapId":"t2","customerId":"c2","rideId":"r9","reason":"unknown_ride","message":"no ride r9","tappedAt":"2026-11-22T10:00:00+02:00"}', ${T0 + 1}),
  (4, 'c1', 'balance.changed', '{"customerId":"c1","balance":9375,"currency":"EUR","change":500,"cause":{"kind":"top-up","topUpId":"tu1"}}', ${T0 + 2});
INSERT INTO top_ups VALUES ('tu1', 'c1', 500, ${T0 + 2});
`;

describe('migration v3: the event log', () => {
  let h: Harness | undefined;
  afterEach(() => h?.cleanup());

  it('carries a v2 database over with its SSE ids, balances and pending taps', () => {
    h = makeHarness();
    h.store.close();
    // Replace the harness's database with a v2 file: built by the first two migrations, holding v2's rows.
    const file = path.join(h.dir, DB_FILE_NAME);
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
    const v2 = new Database(file);
    migrate(v2, MIGRATIONS.slice(0, 2));
    v2.exec(V2_ROWS);
    v2.close();
    const store = h.reopen();
    expect(MIGRATIONS[2]?.version).toBe(3);

    expect(store.streamAfter('c1', 0, 10).map((n) => [n.id, n.type])).toEqual([
      [1, 'ticket.issued'],
      [4, 'balance.changed'],
    ]);
    expect(store.streamAfter('c1', 1, 10).map((n) => n.id)).toEqual([4]);
    expect(store.streamAfter('c2', 0, 10)).toMatchObject([
      { id: 3, type: 'ticket.rejected', data: { tapId: 't2', reason: 'unknown_ride', message: 'no ride r9' } },
    ]);
    const [issued] = store.streamAfter('c1', 0, 1);
    expect(issued?.data).toMatchObject({ ticketId: 'tkt_1', tapId: 't1', price: 1125, basePrice: 900, balanceAfter: 8875 });
    expect(store.getTapState('t1')?.status).toBe('issued');
    expect(store.getTapState('t3')).toEqual({ tapId: 't3', status: 'failed', reason: 'worker_failed' });
    expect(store.getTapState('t4')).toBeUndefined();
    expect(store.listTickets('c1', 10).tickets.map((t) => t.ticketId)).toEqual(['tkt_1']);
    for (const row of store.auditBalances()) expect(row.balance).toBe(row.ledgerSum);
    const pending = store.legacyPendingTaps(0, 10);
    expect(pending).toEqual([[4, { ...makeTap('t4'), signature: 'c2ln' }]]);
    store.dropLegacyPending('t4');
    expect(store.legacyPendingTaps(0, 10)).toEqual([]);
    // New events come after every id the phones hold.
    expect(store.topUp('c2', 'tu2', 100, T0 + 9).status === 'applied' && store.streamAfter('c2', 3, 10)[0]!.id).toBeGreaterThan(4);
  });
});
