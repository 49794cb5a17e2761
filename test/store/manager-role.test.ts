/** Migration v7 and the manager role of tokens: existing tokens are kept as they were; manager tokens work like admin ones. */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate } from '../../src/store/schema.ts';
import { DB_FILE_NAME } from '../../src/store/index.ts';
import { makeHarness, T0, type Harness } from './helpers.ts';

let h: Harness | undefined;
afterEach(() => h?.cleanup());

describe('tokens with the manager role (schema v7)', () => {
  it('keeps the tokens of a v6 database, hashes and revocations included', () => {
    h = makeHarness();
    h.store.close();
    const file = path.join(h.dir, DB_FILE_NAME);
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
    const v6 = new Database(file);
    migrate(v6, MIGRATIONS.slice(0, 6));
    v6.exec(`
      INSERT INTO customers VALUES ('c1', 'Ada', 'standard', 0, 'EUR');
      INSERT INTO tokens (id, hash, role, customer_id, machine_id, created_at, revoked_at) VALUES
        ('tok-a', 'hash-a', 'admin', NULL, NULL, ${T0}, NULL),
        ('tok-c', 'hash-c', 'customer', 'c1', NULL, ${T0}, ${T0 + 5});
    `);
    const before = v6.prepare('SELECT * FROM tokens ORDER BY id').all();
    expect(() => v6.prepare("INSERT INTO tokens VALUES ('tok-m', 'hash-m', 'manager', NULL, NULL, 1, NULL)").run()).toThrow(/CHECK/);
    v6.close();

    const store = h.reopen();
    store.close();
    const v7 = new Database(file);
    expect(v7.pragma('user_version', { simple: true })).toBe(9);
    // v8 adds whose session a token is and when it ends: null for API tokens.
    expect(v7.prepare('SELECT * FROM tokens ORDER BY id').all()).toEqual(before.map((t) => ({ ...(t as object), user_id: null, expires_at: null })));
    v7.close();
  });

  it('makes, finds, lists and revokes manager tokens', () => {
    h = makeHarness();
    const created = h.store.createToken({ role: 'manager' }, T0);
    expect(created).toMatchObject({ role: 'manager' });
    expect(h.store.findToken(created.token, T0)).toEqual({ tokenId: created.id, role: 'manager' });
    expect(h.store.listTokens().find((t) => t.id === created.id)).toMatchObject({ role: 'manager' });
    expect(h.store.revokeToken(created.id, T0 + 1)).toBe('revoked');
    expect(h.store.findToken(created.token, T0)).toBeUndefined();
  });
});
