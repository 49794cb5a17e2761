import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DB_FILE_NAME, SCHEMA_VERSION, TicketStore } from '../../src/store/index.ts';
import { MIGRATIONS, migrate } from '../../src/store/schema.ts';
import { codeOf, counterIds, makeHarness, T0, type Harness } from './helpers.ts';

describe('opening the store', () => {
  let h: Harness | undefined;
  const tmp: string[] = [];
  afterEach(() => {
    h?.cleanup();
    h = undefined;
    for (const dir of tmp.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates the schema at the latest version with WAL and foreign keys', () => {
    h = makeHarness();
    const db = new Database(path.join(h.dir, DB_FILE_NAME), { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const tables = db
        .prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .pluck()
        .all();
      for (const t of ['customers', 'rides', 'machines', 'pricing', 'events', 'top_ups', 'dead_letters', 'tokens']) {
        expect(tables).toContain(t);
      }
      // v3 folded the journal, tickets, ledger and outbox into the one event log.
      for (const t of ['taps', 'tickets', 'ledger', 'outbox']) expect(tables).not.toContain(t);
    } finally {
      db.close();
    }
  });

  it('keeps data across close and reopen, and migrating again is a no-op', () => {
    h = makeHarness();
    h.store.upsertCustomer('c1', { name: 'Ada', tier: 'standard', balance: 1_000 }, T0);
    h.store.upsertRide('r1', { name: 'Wheel', price: 300, open: true });
    const version = h.store.loadCatalog().version;
    const store = h.reopen();
    const ada = { id: 'c1', name: 'Ada', tier: 'standard', balance: 1_000, currency: 'EUR' };
    expect(store.getCustomer('c1')).toEqual(ada);
    expect(store.listRides()).toEqual([{ id: 'r1', name: 'Wheel', price: 300, open: true }]);
    expect(store.loadCatalog().version).toBe(version);
    const db = new Database(path.join(h.dir, DB_FILE_NAME));
    try {
      expect(migrate(db)).toBe(SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });

  it('creates the directory 0700 and the database file 0600', () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-perm-'));
    tmp.push(parent);
    const dataDir = path.join(parent, 'nested', 'data');
    const store = TicketStore.open({ dataDir, ids: counterIds() });
    try {
      expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
      expect(fs.statSync(path.join(dataDir, DB_FILE_NAME)).mode & 0o777).toBe(0o600);
      // SQLite gives the WAL the database file's mode.
      store.upsertCustomer('c1', { name: 'Ada', tier: 'standard', balance: 0 }, T0);
      expect(fs.statSync(path.join(dataDir, `${DB_FILE_NAME}-wal`)).mode & 0o777).toBe(0o600);
    } finally {
      store.close();
    }
  });

  it('refuses a database written by a newer ticketd', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-new-'));
    tmp.push(dir);
    const db = new Database(path.join(dir, DB_FILE_NAME));
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(codeOf(() => TicketStore.open({ dataDir: dir, ids: counterIds() }))).toBe('ERR_SCHEMA_TOO_NEW');
  });

  it('validates its options and refuses calls once closed', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-opt-'));
    tmp.push(dir);
    expect(codeOf(() => TicketStore.open({ dataDir: dir, ids: counterIds(), busyTimeoutMs: -1 }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(codeOf(() => TicketStore.open({ dataDir: dir, ids: counterIds(), batchSizeMax: 0 }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    const store = TicketStore.open({ dataDir: dir, ids: counterIds() });
    store.close();
    store.close();
    expect(codeOf(() => store.getCustomer('c1'))).toBe('ERR_STORE_CLOSED');
  });
});
