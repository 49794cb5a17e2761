import { describe, it, expect } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { signTap, tapSigningPayload, verifyTapSignature } from '../../src/domain/signing.ts';
import type { Tap } from '../../src/domain/types.ts';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const tap: Tap = {
  tapId: 'tap-1', customerId: 'customer-1', rideId: 'ride-a', machineId: 'gate-s1', tappedAt: '2026-11-22T10:00:00Z',
};

describe('tap signatures', () => {
  it('signs tapId|customerId|rideId|machineId|tappedAt', () => {
    expect(tapSigningPayload(tap)).toBe('tap-1|customer-1|ride-a|gate-s1|2026-11-22T10:00:00Z');
  });

  it('verifies a signature made with a KeyObject or a PEM string', () => {
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    for (const key of [privateKey, pem]) {
      const signature = signTap(tap, key);
      expect(signature).toHaveLength(88);
      expect(verifyTapSignature({ ...tap, signature }, publicKey)).toBe(true);
    }
  });

  it('refuses a missing signature and one by another key', () => {
    expect(verifyTapSignature(tap, publicKey)).toBe(false);
    expect(verifyTapSignature({ ...tap, signature: signTap(tap, other.privateKey) }, publicKey)).toBe(false);
  });

  it.each(['tapId', 'customerId', 'rideId', 'machineId', 'tappedAt'] as const)('refuses a tampered %s', (field) => {
    const signed = { ...tap, signature: signTap(tap, privateKey) };
    expect(verifyTapSignature({ ...signed, [field]: `${signed[field]}x` }, publicKey)).toBe(false);
  });

  it('answers false, without throwing, for garbage and wrong lengths', () => {
    const good = signTap(tap, privateKey);
    const garbage = [
      '', 'not base64 at all!', '!'.repeat(88), good.slice(0, 86), `${good}AAAA`, good.replace(/==$/, ''),
      Buffer.alloc(63).toString('base64'), Buffer.alloc(65).toString('base64'), `${good.slice(0, 80)}*${good.slice(81)}`,
    ];
    for (const signature of garbage) expect(verifyTapSignature({ ...tap, signature }, publicKey), signature).toBe(false);
  });

  it('answers false for a key of another type', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    expect(verifyTapSignature({ ...tap, signature: signTap(tap, privateKey) }, rsa)).toBe(false);
  });
});
