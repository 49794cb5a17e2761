/**
 * Migration v4 on a database as ticketd v3 left it: the event log, customers and tokens are as they were, and the
 * shows catalogue is there, empty, writable and searchable.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DB_FILE_NAME, SCHEMA_VERSION } from '../../src/store/index.ts';
import { MIGRATIONS, migrate } from '../../src/store/schema.ts';
import { makeHarness, T0, type Harness } from './helpers.ts';

describe('migration v4: the shows catalogue', () => {
  let h: Harness | undefined;
  afterEach(() => h?.cleanup());

  it('upgrades a v3 database in place through every later version, its events untouched', () => {
    h = makeHarness();
    h.store.close();
    const file = path.join(h.dir, DB_FILE_NAME);
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
    const v3 = new Database(file);
    migrate(v3, MIGRATIONS.slice(0, 3));
    expect(v3.pragma('user_version', { simple: true })).toBe(3);
    v3.exec(`
      INSERT INTO customers VALUES ('c1', 'Ada', 'standard', 1000, 'EUR');
      INSERT INTO events (customer_id, type, amount, balance_after, at) VALUES ('c1', 'customer.opened', 1000, 1000, ${T0});
      INSERT INTO stream_heads VALUES ('c1', 1);
    `);
    const eventsBefore = v3.prepare('SELECT * FROM events').all();
    v3.close();

    const store = h.reopen();
    expect(SCHEMA_VERSION).toBe(9);
    expect(MIGRATIONS.map((m) => m.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(store.getCustomer('c1')?.balance).toBe(1000);
    expect(store.auditBalances()).toEqual([{ customerId: 'c1', balance: 1000, ledgerSum: 1000 }]);
    expect(store.shows.search({ includeDrafts: true, limit: 10 })).toEqual({ shows: [] });
    store.shows.put('gala', {
      name: 'Gala', venue: 'Hall', location: 'Utrecht', startsAt: '2026-12-05T20:00:00Z', status: 'on_sale',
      categories: [{ id: 'floor', name: 'Floor', price: 100, capacity: 10 }],
    }, T0);
    expect(store.shows.search({ q: 'utrecht', includeDrafts: false, limit: 10 }).shows.map((s) => s.id)).toEqual(['gala']);
    store.close();

    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(9);
    // v5 copies the log into a table whose type check knows the box office's events and adds `data` (null here); v8
    // into one with the feed's envelope: the opening balance is the first version of its customer's aggregate.
    expect(check.prepare('SELECT * FROM events').all()).toEqual(eventsBefore.map((e) => ({
      ...(e as object), data: null, version: 1, aggregate_type: null, aggregate_id: null, correlation_id: null, causation_id: null,
    })));
    expect(check.prepare('SELECT last_id, version FROM stream_heads').all()).toEqual([{ last_id: 1, version: 1 }]);
    check.close();
  });
});
