import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classifySqliteError, DB_FILE_NAME, StoreError, toStoreError } from '../../src/store/index.ts';
import { codeOf, makeHarness, makeTap, ok, T0, type Harness } from './helpers.ts';

function sqliteError(code: string): Error {
  return Object.assign(new Error(`simulated ${code}`), { code });
}

describe('classifySqliteError', () => {
  it.each([
    ['SQLITE_BUSY', 'ERR_STORE_BUSY'],
    ['SQLITE_BUSY_SNAPSHOT', 'ERR_STORE_BUSY'],
    ['SQLITE_LOCKED', 'ERR_STORE_BUSY'],
    ['SQLITE_LOCKED_SHAREDCACHE', 'ERR_STORE_BUSY'],
    ['SQLITE_FULL', 'ERR_STORE_IO'],
    ['SQLITE_IOERR', 'ERR_STORE_IO'],
    ['SQLITE_IOERR_FSYNC', 'ERR_STORE_IO'],
    ['SQLITE_READONLY', 'ERR_STORE_IO'],
    ['SQLITE_READONLY_DBMOVED', 'ERR_STORE_IO'],
    ['SQLITE_CANTOPEN', 'ERR_STORE_IO'],
    ['SQLITE_CONSTRAINT_UNIQUE', undefined],
    ['SQLITE_BUSYNESS', undefined],
    ['EACCES', undefined],
  ])('%s → %s', (code, expected) => {
    expect(classifySqliteError(sqliteError(code))).toBe(expected);
  });

  it('leaves values without a code alone', () => {
    expect(classifySqliteError(new Error('x'))).toBeUndefined();
    expect(classifySqliteError('SQLITE_BUSY')).toBeUndefined();
    expect(classifySqliteError(null)).toBeUndefined();
  });

  it('wraps busy and I/O errors as StoreError with the cause, and nothing else', () => {
    const busy = sqliteError('SQLITE_BUSY');
    const wrapped = toStoreError(busy);
    expect(wrapped).toBeInstanceOf(StoreError);
    expect((wrapped as StoreError).code).toBe('ERR_STORE_BUSY');
    expect((wrapped as StoreError).retryable).toBe(true);
    expect((wrapped as StoreError).cause).toBe(busy);
    expect((toStoreError(sqliteError('SQLITE_IOERR_WRITE')) as StoreError).retryable).toBe(false);
    const constraint = sqliteError('SQLITE_CONSTRAINT_CHECK');
    expect(toStoreError(constraint)).toBe(constraint);
  });
});

describe('a locked database', () => {
  let h: Harness;
  let other: Database.Database;
  beforeEach(() => {
    h = makeHarness();
    h.store.upsertCustomer('c1', { name: 'Ada', tier: 'standard', balance: 1_000 }, T0);
    other = new Database(path.join(h.dir, DB_FILE_NAME), { timeout: 0 });
  });
  afterEach(() => {
    if (other.inTransaction) other.exec('ROLLBACK');
    other.close();
    h.cleanup();
  });

  it('answers ERR_STORE_BUSY while another connection holds the write lock, and works after', () => {
    other.exec('BEGIN IMMEDIATE');
    expect(codeOf(() => h.store.commitOutcomes([ok(makeTap('t1'), 100)], T0))).toBe('ERR_STORE_BUSY');
    expect(codeOf(() => h.store.topUp('c1', 'tu1', 100, T0))).toBe('ERR_STORE_BUSY');
    // WAL: readers are not blocked by the writer.
    expect(h.store.getCustomer('c1')?.balance).toBe(1_000);
    other.exec('ROLLBACK');
    expect(h.store.commitOutcomes([ok(makeTap('t1'), 100)], T0).results[0]?.status).toBe('issued');
    expect(h.store.getCustomer('c1')?.balance).toBe(900);
  });
});
