import { describe, it, expect } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { KeyCache, KeyCacheOptionError } from '../../src/domain/key-cache.ts';

const pemOf = (): string =>
  generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('KeyCache', () => {
  it('parses a PEM once per catalog version', () => {
    const keys = new KeyCache({ capacity: 4 });
    const pem = pemOf();
    const first = keys.keyFor(1, 'gate-s1', pem);
    expect(first?.asymmetricKeyType).toBe('ed25519');
    expect(keys.keyFor(1, 'gate-s1', pem)).toBe(first);
    expect(keys.size).toBe(1);
  });

  it('drops every entry when the catalog version changes', () => {
    const keys = new KeyCache({ capacity: 4 });
    const pem = pemOf();
    const v1 = keys.keyFor(1, 'gate-s1', pem);
    keys.keyFor(1, 'gate-s2', pemOf());
    const v2 = keys.keyFor(2, 'gate-s1', pem);
    expect(v2).not.toBe(v1);
    expect(keys.size).toBe(1);
  });

  it('re-reads a key whose PEM changed', () => {
    const keys = new KeyCache({ capacity: 4 });
    const a = keys.keyFor(1, 'gate-s1', pemOf());
    const b = keys.keyFor(1, 'gate-s1', pemOf());
    expect(b).not.toBe(a);
    expect(a?.equals(b as NonNullable<typeof b>)).toBe(false);
  });

  it('stays within its capacity, evicting the oldest', () => {
    const keys = new KeyCache({ capacity: 2 });
    const pems = [pemOf(), pemOf(), pemOf()];
    const first = keys.keyFor(1, 'm0', pems[0] as string);
    keys.keyFor(1, 'm1', pems[1] as string);
    keys.keyFor(1, 'm2', pems[2] as string);
    expect(keys.size).toBe(2);
    expect(keys.keyFor(1, 'm0', pems[0] as string)).not.toBe(first);
    expect(keys.size).toBe(2);
  });

  it('answers null for a PEM that is not an Ed25519 public key', () => {
    const keys = new KeyCache({ capacity: 2 });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(keys.keyFor(1, 'm', 'garbage')).toBeNull();
    expect(keys.keyFor(1, 'r', rsa)).toBeNull();
  });

  it.each([0, -1, 1.5, NaN, Infinity])('refuses capacity %s', (capacity) => {
    expect(() => new KeyCache({ capacity })).toThrow(KeyCacheOptionError);
    try {
      new KeyCache({ capacity });
    } catch (e) {
      expect((e as KeyCacheOptionError).code).toBe('ERR_INVALID_OPTION');
      expect((e as KeyCacheOptionError).option).toBe('capacity');
    }
  });
});
