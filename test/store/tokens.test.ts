import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { hashTokenSecret } from '../../src/domain/token-secret.ts';
import { DB_FILE_NAME, TicketStore } from '../../src/store/index.ts';
import { MIGRATIONS, migrate } from '../../src/store/schema.ts';
import { codeOf, counterIds, makeHarness, T0, type Harness } from './helpers.ts';

/** Bytes 0, 1, 2, … so each secret is known in advance. */
function countingSecrets() {
  let next = 0;
  return { bytes: (length: number) => Buffer.from(Array.from({ length }, () => next++ % 256)) };
}

describe('API tokens in the store', () => {
  let h: Harness | undefined;
  afterEach(() => {
    h?.cleanup();
    h = undefined;
  });

  it('creates a token whose secret is returned once and stored only as its SHA-256', () => {
    h = makeHarness();
    const created = h.store.createToken({ role: 'machine', machineId: 'gate-1' }, T0);
    expect(created).toMatchObject({ role: 'machine', machineId: 'gate-1' });
    expect(created.token).toMatch(/^tkd_[A-Za-z0-9_-]{43}$/);
    const db = new Database(path.join(h.dir, DB_FILE_NAME), { readonly: true });
    try {
      const rows = db.prepare('SELECT * FROM tokens').all() as Array<Record<string, unknown>>;
      expect(rows).toEqual([{
        id: created.id, hash: hashTokenSecret(created.token), role: 'machine', customer_id: null,
        machine_id: 'gate-1', created_at: T0, revoked_at: null, user_id: null, expires_at: null,
      }]);
      expect(JSON.stringify(rows)).not.toContain(created.token.slice(4));
    } finally {
      db.close();
    }
  });

  it('with scopeMustExist, mints no token for a customer or machine the store does not hold', () => {
    h = makeHarness();
    const must = { scopeMustExist: true };
    expect(codeOf(() => h!.store.createToken({ role: 'customer', customerId: 'c1' }, T0, must))).toBe('ERR_UNKNOWN_CUSTOMER');
    expect(codeOf(() => h!.store.createToken({ role: 'machine', machineId: 'm1' }, T0, must))).toBe('ERR_UNKNOWN_MACHINE');
    expect(h.store.listTokens(10)).toEqual([]);
    h.store.upsertCustomer('c1', { name: 'Ada', tier: 'standard' }, T0);
    h.store.upsertMachine('m1', {});
    expect(h.store.createToken({ role: 'customer', customerId: 'c1' }, T0, must).role).toBe('customer');
    expect(h.store.createToken({ role: 'machine', machineId: 'm1' }, T0, must).role).toBe('machine');
    expect(h.store.createToken({ role: 'admin' }, T0, must).role).toBe('admin');
  });

  it('takes its secrets from the injected source', () => {
    h = makeHarness();
    const store = TicketStore.open({ dataDir: h.dir, ids: counterIds(), secrets: countingSecrets() });
    try {
      const expected = `tkd_${Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString('base64url')}`;
      expect(store.createToken({ role: 'admin' }, T0).token).toBe(expected);
    } finally {
      store.close();
    }
  });

  it('finds the principal of a known secret, and nothing for unknown, malformed or revoked ones', () => {
    h = makeHarness();
    const admin = h.store.createToken({ role: 'admin' }, T0);
    const customer = h.store.createToken({ role: 'customer', customerId: 'customer-1' }, T0);
    expect(h.store.findToken(admin.token, T0)).toEqual({ tokenId: admin.id, role: 'admin' });
    expect(h.store.findToken(customer.token, T0)).toEqual({ tokenId: customer.id, role: 'customer', customerId: 'customer-1' });
    expect(h.store.findToken(`tkd_${'A'.repeat(43)}`, T0)).toBeUndefined();
    expect(h.store.findToken('not a token', T0)).toBeUndefined();
    expect(h.store.findToken(hashTokenSecret(admin.token), T0)).toBeUndefined(); // the stored hash is no key

    expect(h.store.revokeToken(customer.id, T0 + 5)).toBe('revoked');
    expect(h.store.findToken(customer.token, T0)).toBeUndefined();
    expect(h.store.revokeToken(customer.id, T0 + 6)).toBe('already_revoked');
    expect(h.store.revokeToken('tok-nope', T0)).toBe('unknown');
    expect(h.store.findToken(admin.token, T0)).toEqual({ tokenId: admin.id, role: 'admin' });
  });

  it('lists tokens newest first without secrets, revoked ones with their time, at most the limit', () => {
    h = makeHarness();
    const a = h.store.createToken({ role: 'admin' }, T0);
    const m = h.store.createToken({ role: 'machine', machineId: 'gate-2' }, T0 + 1_000);
    h.store.revokeToken(a.id, T0 + 2_000);
    const list = h.store.listTokens();
    expect(list).toEqual([
      { id: m.id, role: 'machine', machineId: 'gate-2', createdAt: new Date(T0 + 1_000).toISOString() },
      { id: a.id, role: 'admin', createdAt: new Date(T0).toISOString(), revokedAt: new Date(T0 + 2_000).toISOString() },
    ]);
    expect(JSON.stringify(list)).not.toContain('tkd_');
    expect(h.store.listTokens(1).map((t) => t.id)).toEqual([m.id]);
    expect(codeOf(() => h!.store.listTokens(0))).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(() => h!.store.listTokens(1_001))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('refuses a scope that does not fit its role', () => {
    h = makeHarness();
    const bad = [
      { role: 'machine', machineId: '' },
      { role: 'customer', customerId: 'has space' },
      { role: 'root' },
    ] as never[];
    for (const scope of bad) expect(codeOf(() => h!.store.createToken(scope, T0))).toBe('ERR_INVALID_ARGUMENT');
    expect(h.store.listTokens()).toEqual([]);
  });

  it('migration v2 adds the tokens table to a v1 database and keeps its data', () => {
    h = makeHarness();
    const db = new Database(path.join(h.dir, 'v1.db'));
    try {
      expect(migrate(db, MIGRATIONS.slice(0, 1))).toBe(0);
      db.prepare("INSERT INTO customers VALUES ('c1', 'Ada', 'standard', 100, 'EUR')").run();
      expect(migrate(db, MIGRATIONS.slice(0, 2))).toBe(1);
      expect(db.pragma('user_version', { simple: true })).toBe(2);
      expect(db.prepare('SELECT count(*) AS n FROM tokens').get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT id FROM customers').all()).toEqual([{ id: 'c1' }]);
    } finally {
      db.close();
    }
  });
});
