/**
 * Machine public keys as `KeyObject`s, parsed from PEM once rather than for every tap (parsing costs about as much
 * as the check itself). Entries are per machine of one catalog version: a new version clears the cache, so a
 * rotated or removed key is never used again, and `capacity` bounds it even for a catalog with many machines.
 */

import { createPublicKey, type KeyObject } from 'node:crypto';

/** A constructor option out of range; `option` names it. */
export class KeyCacheOptionError extends RangeError {
  override readonly name = 'KeyCacheOptionError';
  readonly code = 'ERR_INVALID_OPTION';
  readonly option: string;

  constructor(option: string, problem: string) {
    super(`${option}: ${problem}`);
    this.option = option;
  }
}

interface Entry {
  pem: string;
  /** `null` when the PEM is not a readable Ed25519 public key: taps of that machine then fail closed. */
  key: KeyObject | null;
}

/**
 * A bounded cache from machine id to its Ed25519 public key.
 *
 * @example
 * const keys = new KeyCache({ capacity: 1_024 });
 * const key = keys.keyFor(catalog.version, 'gate-s1', machine.publicKey); // KeyObject, or null if unreadable
 */
export class KeyCache {
  readonly capacity: number;
  #catalogVersion: number | undefined;
  readonly #entries = new Map<string, Entry>();

  constructor(options: { capacity: number }) {
    const capacity = options.capacity;
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new KeyCacheOptionError('capacity', `must be a positive integer, got ${String(capacity)}`);
    }
    this.capacity = capacity;
  }

  /** Entries held now. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The key of `machineId` as listed in catalog `catalogVersion`, parsed on first use. `null` if `publicKeyPem` is
   * not an Ed25519 public key. When full, the oldest entry goes.
   */
  keyFor(catalogVersion: number, machineId: string, publicKeyPem: string): KeyObject | null {
    if (catalogVersion !== this.#catalogVersion) {
      this.#entries.clear();
      this.#catalogVersion = catalogVersion;
    }
    const hit = this.#entries.get(machineId);
    if (hit !== undefined && hit.pem === publicKeyPem) return hit.key;
    const key = readEd25519PublicKey(publicKeyPem);
    if (hit === undefined && this.#entries.size >= this.capacity) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(machineId, { pem: publicKeyPem, key });
    return key;
  }
}

function readEd25519PublicKey(pem: string): KeyObject | null {
  try {
    const key = createPublicKey({ key: pem, format: 'pem' });
    return key.asymmetricKeyType === 'ed25519' ? key : null;
  } catch {
    return null;
  }
}
