import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepareMultiRow, ROWS_PER_STATEMENT_MAX, RowBuffer, selectMultiRow } from '../../src/store/multi-row.ts';

describe('multi-row statements', () => {
  let db: Database.Database;
  beforeEach(() => {
    db = new Database(':memory:');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT NOT NULL, b INTEGER NOT NULL)');
  });
  afterEach(() => db.close());

  it('writes any number of rows in the order pushed, and says how many each statement wrote', () => {
    const insert = prepareMultiRow(db, 'INSERT INTO t (a, b) VALUES', '(?, ?)');
    let expected = 0;
    for (const count of [0, 1, 2, 3, 31, 32, 33, 63, 64, 65, 2 * ROWS_PER_STATEMENT_MAX + 7]) {
      const runs: number[] = [];
      const lastIds: number[] = [];
      const rows = new RowBuffer(insert, (run, n) => {
        runs.push(n);
        lastIds.push(Number(run.lastInsertRowid));
      });
      for (let i = 0; i < count; i++) rows.push(`row-${expected + i}`, expected + i);
      rows.flush();
      rows.flush(); // nothing left: writes nothing
      expect(runs.reduce((sum, n) => sum + n, 0)).toBe(count);
      expect(runs.every((n) => n <= ROWS_PER_STATEMENT_MAX && Number.isInteger(Math.log2(n)))).toBe(true);
      expected += count;
      // Each run's last id is the running total: ids are consecutive across statements, in push order.
      let total = expected - count;
      runs.forEach((n, i) => expect(lastIds[i]).toBe((total += n)));
    }
    const all = db.prepare('SELECT id, a, b FROM t ORDER BY id').all() as { id: number; a: string; b: number }[];
    expect(all).toEqual(Array.from({ length: expected }, (_, i) => ({ id: i + 1, a: `row-${i}`, b: i })));
  });

  it('refuses a row of the wrong width', () => {
    const rows = new RowBuffer(prepareMultiRow(db, 'INSERT INTO t (a, b) VALUES', '(?, ?)'));
    expect(() => rows.push('only one')).toThrow(RangeError);
  });

  it('looks up any number of keys, each answer carrying the position it was asked at', () => {
    db.exec("INSERT INTO t (a, b) VALUES ('x', 10), ('y', 20), ('z', 30)");
    const lookUp = prepareMultiRow(db, 'SELECT v.column1, t.b FROM (VALUES', '(?, ?)', ') AS v JOIN t ON t.a = v.column2');
    const keys = Array.from({ length: 70 }, (_, i) => ['x', 'y', 'z', 'missing'][i % 4] as string);
    const found = new Array<number | undefined>(keys.length);
    selectMultiRow(lookUp, keys.flatMap((key, i) => [i, key]), ([position, b]) => {
      found[position as number] = b as number;
    });
    expect(found).toEqual(keys.map((key) => ({ x: 10, y: 20, z: 30 })[key]));
  });
});
