import { afterAll, describe, expect, it } from 'vitest';
import {
  checkPasswordPolicy, InlinePasswordHasher, needsRehash, PasswordHasherError, SCRYPT_DEFAULTS, type ScryptParams,
} from '../../src/auth/password.ts';
import { PoolPasswordHasher } from '../../src/workers/password-pool.ts';
import type { SecretSource } from '../../src/platform/secrets.ts';
import { hash, parseStoredHash, verify } from '../../src/workers/password-task.ts';
import { mulberry32 } from '../support/mulberry32.ts';

/** The cheapest cost accepted: 1 MiB and a millisecond or two a hash, so tests can hash by the hundred. */
const SMALL: ScryptParams = { ln: 10, r: 8, p: 1 };
const PASSWORD = 'correct horse battery';

function seededSecrets(seed: number): SecretSource {
  const next = mulberry32(seed);
  return { bytes: (length) => Buffer.from(Array.from({ length }, () => Math.floor(next() * 256))) };
}

const inline = new InlinePasswordHasher({ secrets: seededSecrets(1), params: SMALL });

describe('scrypt hashes in a PHC-like string', () => {
  it('verifies the password it was made from, and no other', async () => {
    const stored = await inline.hash(PASSWORD);
    expect(stored).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await inline.verify(PASSWORD, stored)).toBe(true);
    expect(await inline.verify('correct horse batterY', stored)).toBe(false);
    expect(await inline.verify('', stored)).toBe(false);
  });

  it('salts each hash: two hashes of one password differ, and both verify', async () => {
    const [a, b] = [await inline.hash(PASSWORD), await inline.hash(PASSWORD)];
    expect(a).not.toBe(b);
    expect(parseStoredHash(a)!.salt).not.toEqual(parseStoredHash(b)!.salt);
    expect([await inline.verify(PASSWORD, a), await inline.verify(PASSWORD, b)]).toEqual([true, true]);
  });

  it('is deterministic with a seeded secret source', async () => {
    const again = (seed: number) => new InlinePasswordHasher({ secrets: seededSecrets(seed), params: SMALL }).hash(PASSWORD);
    expect(await again(7)).toBe(await again(7));
    expect(await again(7)).not.toBe(await again(8));
  });

  it('hashes at N=2^15, r=8, p=1 by default, which needs no rehash', async () => {
    const hasher = new InlinePasswordHasher({ secrets: seededSecrets(2) });
    const stored = await hasher.hash(PASSWORD);
    expect(stored.startsWith('$scrypt$ln=15,r=8,p=1$')).toBe(true);
    expect(await hasher.verify(PASSWORD, stored)).toBe(true);
    expect(needsRehash(stored)).toBe(false);
    expect(hasher.needsRehash(stored)).toBe(false);
  });

  it('asks for a rehash when the parameters or lengths differ from the current ones, or the string is unreadable', async () => {
    const small = await inline.hash(PASSWORD);
    expect(needsRehash(small)).toBe(true);
    expect(needsRehash(small, SMALL)).toBe(false);
    expect(inline.needsRehash(small)).toBe(false);
    expect(needsRehash(small, { ...SMALL, r: 16 })).toBe(true);
    expect(needsRehash(small, { ...SMALL, p: 2 })).toBe(true);
    const longSalt = hash({ password: PASSWORD, salt: Buffer.alloc(32, 1), params: SMALL });
    expect(verify({ password: PASSWORD, stored: longSalt })).toBe(true);
    expect(needsRehash(longSalt, SMALL)).toBe(true);
    expect(needsRehash('garbage', SMALL)).toBe(true);
  });

  it('verifies the NFC form: a composed and a decomposed é are one password', async () => {
    const composed = 'caf\u00e9 au lait, please';
    const stored = await inline.hash(composed);
    expect(await inline.verify('cafe\u0301 au lait, please', stored)).toBe(true);
  });

  it('answers false when any single character of the stored string is changed', async () => {
    const stored = await inline.hash(PASSWORD);
    const swap = (char: string) => (char === 'A' ? 'B' : char === '$' ? 'x' : /\d/.test(char) ? String((Number(char) + 1) % 10) : 'A');
    let tampered = 0;
    for (let index = 0; index < stored.length; index++) {
      const changed = stored.slice(0, index) + swap(stored[index]!) + stored.slice(index + 1);
      expect(changed).not.toBe(stored);
      expect(verify({ password: PASSWORD, stored: changed }), changed).toBe(false);
      tampered++;
    }
    expect(tampered).toBe(stored.length);
  });

  it('answers false for each field tampered on purpose, reaching scrypt where the string still parses', async () => {
    const stored = await inline.hash(PASSWORD);
    const [, , params, salt, key] = stored.split('$') as [string, string, string, string, string];
    const other = await inline.hash('another password entirely');
    const [, , , otherSalt, otherKey] = other.split('$') as [string, string, string, string, string];
    const variants = [
      ['$scrypt2', params, salt, key], ['$argon2id', params, salt, key],
      ['$scrypt', 'ln=11,r=8,p=1', salt, key], ['$scrypt', 'ln=10,r=7,p=1', salt, key], ['$scrypt', 'ln=10,r=8,p=2', salt, key],
      ['$scrypt', 'ln=010,r=8,p=1', salt, key], ['$scrypt', 'r=8,ln=10,p=1', salt, key],
      ['$scrypt', params, otherSalt, key], ['$scrypt', params, salt, otherKey], ['$scrypt', params, key.slice(0, 22), salt],
      ['$scrypt', params, salt, key.slice(0, 42)], ['$scrypt', params, salt, `${key}A`], ['$scrypt', params, `${salt}=`, key],
    ];
    for (const fields of variants) {
      const changed = fields.join('$');
      expect(verify({ password: PASSWORD, stored: changed }), changed).toBe(false);
    }
  });

  it('answers false, never throws, for malformed or out-of-bounds strings', async () => {
    const salt = 'AAAAAAAAAAAAAAAAAAAAAA';
    const key = 'A'.repeat(43);
    const malformed: unknown[] = [
      '', 'x', '$', '$scrypt', '$scrypt$', '$scrypt$$$', `$scrypt$ln=10,r=8,p=1$${salt}`, `$scrypt$ln=10,r=8,p=1$${salt}$${key}$`,
      `scrypt$ln=10,r=8,p=1$${salt}$${key}`, ` $scrypt$ln=10,r=8,p=1$${salt}$${key}`, `$scrypt$ln=10,r=8,p=1$${salt}$${key} `,
      `$scrypt$ln=9,r=8,p=1$${salt}$${key}`, `$scrypt$ln=21,r=8,p=1$${salt}$${key}`, `$scrypt$ln=10,r=0,p=1$${salt}$${key}`,
      `$scrypt$ln=10,r=33,p=1$${salt}$${key}`, `$scrypt$ln=10,r=8,p=0$${salt}$${key}`, `$scrypt$ln=10,r=8,p=5$${salt}$${key}`,
      `$scrypt$ln=20,r=32,p=1$${salt}$${key}`, `$scrypt$ln=1e1,r=8,p=1$${salt}$${key}`, `$scrypt$ln=-10,r=8,p=1$${salt}$${key}`,
      `$scrypt$ln=10,r=8,p=1$AAAAAA$${key}`, `$scrypt$ln=10,r=8,p=1$${salt}$AAAAAA`, `$scrypt$ln=10,r=8,p=1$${salt}==$${key}`,
      `$scrypt$ln=10,r=8,p=1$${salt.slice(1)}*$${key}`, `$scrypt$ln=10,r=8,p=1$${salt}$${key.slice(1)}-`,
      `$scrypt$ln=10,r=8,p=1$${'A'.repeat(100)}$${key}`, `$scrypt$ln=10,r=8,p=1$${salt}$${'A'.repeat(1_000_000)}`,
      null, undefined, 42,
    ];
    for (const stored of malformed) {
      expect(verify({ password: PASSWORD, stored: stored as string }), String(stored).slice(0, 80)).toBe(false);
      expect(await inline.verify(PASSWORD, stored as string)).toBe(false);
    }
  });

  it('answers false for a password over 256 code points without hashing it, and refuses to hash one', async () => {
    const long = 'a'.repeat(257);
    const stored = `$scrypt$ln=10,r=8,p=1$${'A'.repeat(22)}$${'A'.repeat(43)}`;
    expect(verify({ password: long, stored })).toBe(false);
    expect(() => hash({ password: long, salt: Buffer.alloc(16), params: SMALL })).toThrow(RangeError);
    await expect(inline.hash(long)).rejects.toThrow(RangeError);
  });

  it('refuses hashing parameters out of bounds, naming the option', () => {
    const secrets = seededSecrets(3);
    expect(() => new InlinePasswordHasher({ secrets, params: { ln: 9, r: 8, p: 1 } })).toThrow(/params.*ln/);
    expect(() => new InlinePasswordHasher({ secrets, params: { ln: 20, r: 32, p: 1 } })).toThrow(/params.*memory/);
    expect(() => new InlinePasswordHasher({ secrets, params: { ln: 10, r: 8, p: 1.5 } })).toThrow(/params.*p/);
    expect(SCRYPT_DEFAULTS).toEqual({ ln: 15, r: 8, p: 1 });
  });

  it('dummyVerify costs a verify at the current parameters and answers false', async () => {
    expect(await inline.dummyVerify(PASSWORD)).toBe(false);
    expect(await inline.dummyVerify('')).toBe(false);
  });
});

describe('checkPasswordPolicy', () => {
  it.each([
    ['11 characters', 'a'.repeat(11), 'at least 12'],
    ['12 characters', 'a'.repeat(12), undefined],
    ['256 characters', 'a'.repeat(256), undefined],
    ['257 characters', 'a'.repeat(257), 'at most 256'],
    ['11 emoji (22 UTF-16 units)', '🔑'.repeat(11), 'at least 12'],
    ['12 emoji', '🔑'.repeat(12), undefined],
    ['256 emoji (512 UTF-16 units)', '🔑'.repeat(256), undefined],
    ['257 emoji', '🔑'.repeat(257), 'at most 256'],
    ['empty', '', 'at least 12'],
    ['a megabyte', 'a'.repeat(1_000_000), 'at most 256'],
  ])('%s', (_, password, problem) => {
    const answer = checkPasswordPolicy(password);
    if (problem === undefined) expect(answer).toBeUndefined();
    else expect(answer).toContain(problem);
  });
});

describe('PoolPasswordHasher on a real worker thread', () => {
  const pool = new PoolPasswordHasher({ secrets: seededSecrets(5), params: SMALL, threads: 1, maxQueue: 3 });
  afterAll(() => pool.close());

  it('hashes and verifies in the worker, as the inline hasher does from the same seed', async () => {
    const stored = await pool.hash(PASSWORD);
    const inlineSame = new InlinePasswordHasher({ secrets: seededSecrets(5), params: SMALL });
    expect(stored).toBe(await inlineSame.hash(PASSWORD));
    expect(await pool.verify(PASSWORD, stored)).toBe(true);
    expect(await pool.verify('wrong password here', stored)).toBe(false);
    expect(await pool.verify(PASSWORD, 'not a hash')).toBe(false);
    expect(await pool.dummyVerify(PASSWORD)).toBe(false);
    await expect(pool.hash('a'.repeat(257))).rejects.toThrow(RangeError);
  });

  it('hashes 4 at once on one thread while the event loop stays free', async () => {
    let finished = 0;
    let finishedWhenLoopRan: number | undefined;
    const hashes = [1, 2, 3, 4].map(async (i) => {
      const stored = await pool.hash(`${PASSWORD} ${i}`);
      finished++;
      return stored;
    });
    setImmediate(() => { finishedWhenLoopRan = finished; });
    const stored = await Promise.all(hashes);
    expect(finishedWhenLoopRan).toBeDefined();
    expect(finishedWhenLoopRan).toBeLessThan(4);
    expect(new Set(stored).size).toBe(4);
    expect(await Promise.all(stored.map((s, i) => pool.verify(`${PASSWORD} ${i + 1}`, s)))).toEqual([true, true, true, true]);
  });

  it('refuses a hash past its threads and queue with PasswordHasherBusyError, then takes more once they are done', async () => {
    const running = [1, 2, 3, 4].map((i) => pool.hash(`${PASSWORD} ${i}`));
    expect(pool.inFlight).toBe(4);
    const refused = await pool.hash(PASSWORD).then(() => undefined, (error: unknown) => error);
    expect(refused).toBeInstanceOf(PasswordHasherError);
    expect((refused as PasswordHasherError).code).toBe('ERR_PASSWORD_HASHER_BUSY');
    expect((await Promise.all(running)).length).toBe(4);
    expect(pool.inFlight).toBe(0);
    expect(await pool.verify(PASSWORD, await pool.hash(PASSWORD))).toBe(true);
  });

  it('refuses options out of range, naming the option', () => {
    const secrets = seededSecrets(6);
    expect(() => new PoolPasswordHasher({ secrets, threads: 0, maxQueue: 1 })).toThrow(/threads/);
    expect(() => new PoolPasswordHasher({ secrets, threads: 3, maxQueue: 1 })).toThrow(/threads/);
    expect(() => new PoolPasswordHasher({ secrets, threads: 1, maxQueue: 0 })).toThrow(/maxQueue/);
    expect(() => new PoolPasswordHasher({ secrets, threads: 1, maxQueue: Infinity })).toThrow(/maxQueue/);
  });

  it('refuses work once closed, with ERR_PASSWORD_HASHER_CLOSED', async () => {
    const closing = new PoolPasswordHasher({ secrets: seededSecrets(7), params: SMALL, threads: 1, maxQueue: 1 });
    await closing.close();
    await expect(closing.hash(PASSWORD)).rejects.toMatchObject({ code: 'ERR_PASSWORD_HASHER_CLOSED' });
  });
});
