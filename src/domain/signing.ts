/**
 * Ed25519 signatures of taps. A machine with a public key in the catalog signs
 * `tapId|customerId|rideId|machineId|tappedAt`; ids cannot contain `|` and an RFC 3339 time has none, so the
 * payload is unambiguous.
 */

import { sign, verify, type KeyObject } from 'node:crypto';
import type { Tap } from './types.ts';

/** An Ed25519 signature is 64 bytes: 88 chars of padded base64. */
const SIGNATURE_BYTES = 64;
const SIGNATURE_BASE64_LENGTH = 88;

/**
 * The exact text a machine signs for a tap.
 *
 * @example
 * const tap = { tapId: 't1', customerId: 'c1', rideId: 'r1', machineId: 'm1', tappedAt: '2026-11-22T10:00:00Z' };
 * tapSigningPayload(tap); // 't1|c1|r1|m1|2026-11-22T10:00:00Z'
 */
export function tapSigningPayload(tap: Tap): string {
  return `${tap.tapId}|${tap.customerId}|${tap.rideId}|${tap.machineId}|${tap.tappedAt}`;
}

/**
 * Signs a tap as a machine would: base64 Ed25519 over {@link tapSigningPayload}. Used by the demo machine, tests
 * and load generators; the server only verifies.
 *
 * @example
 * const { privateKey } = generateKeyPairSync('ed25519');
 * const signed = { ...tap, signature: signTap(tap, privateKey) };
 */
export function signTap(tap: Tap, privateKey: KeyObject | string): string {
  return sign(null, Buffer.from(tapSigningPayload(tap), 'utf8'), privateKey).toString('base64');
}

/**
 * Whether `tap.signature` is a valid Ed25519 signature of the tap by `publicKey`. Answers `false`, never throws,
 * for a missing signature, malformed or non-canonical base64, a wrong length, or a key that is not Ed25519.
 *
 * @example
 * verifyTapSignature(signed, publicKey);                       // true
 * verifyTapSignature({ ...signed, rideId: 'ride-e' }, publicKey); // false
 */
export function verifyTapSignature(tap: Tap, publicKey: KeyObject): boolean {
  const signature = tap.signature;
  if (typeof signature !== 'string' || signature.length !== SIGNATURE_BASE64_LENGTH) return false;
  const bytes = Buffer.from(signature, 'base64');
  // Node's decoder skips characters outside the alphabet; re-encoding catches that and any non-canonical padding.
  if (bytes.length !== SIGNATURE_BYTES || bytes.toString('base64') !== signature) return false;
  try {
    return verify(null, Buffer.from(tapSigningPayload(tap), 'utf8'), publicKey, bytes);
  } catch {
    return false;
  }
}
