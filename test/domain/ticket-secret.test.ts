/**
 * Ticket secrets: round trips, compact ids, tampering with any byte or character, wrong and rotated keys, bounds.
 * The property tests are seeded: `SEED=1234 npx vitest run test/domain/ticket-secret.test.ts` replays a run.
 */
import fc from 'fast-check';
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  TICKET_SECRET_LENGTH_MAX, TicketSecretFieldError, isTicketSecretId, signTicketSecret, verifyTicketSecret,
  type TicketSecretFields,
} from '../../src/domain/ticket-secret.ts';

const seed = Number(process.env.SEED ?? 20_261_129);
const venue = generateKeyPairSync('ed25519');
const rotated = generateKeyPairSync('ed25519');
const keys = new Map([[1, venue.publicKey], [2, rotated.publicKey]]);
const fields: TicketSecretFields = { keyId: 1, ticketId: 'ticket-1', showId: 'show-1', issuedAtSec: 1_795_000_000 };
const uuidFields: TicketSecretFields = {
  keyId: 1,
  ticketId: 'ticket-6f1c2b3a-9d4e-4f5a-8b6c-7d8e9f0a1b2c',
  showId: 'show-0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  issuedAtSec: 1_795_000_000,
};

const idArbitrary = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/),
  fc.tuple(fc.stringMatching(/^[A-Za-z0-9._:]{0,32}$/), fc.uuid()).map(([p, u]) => (p === '' ? u : `${p}-${u}`)),
);
const fieldsArbitrary = fc.record({
  keyId: fc.constantFrom(1, 2),
  ticketId: idArbitrary,
  showId: idArbitrary,
  issuedAtSec: fc.integer({ min: 0, max: 0xffff_ffff }),
});

describe('ticket secrets', () => {
  it('round-trips, in base64url, at the documented lengths', () => {
    const short = signTicketSecret(fields, venue.privateKey);
    const long = signTicketSecret(uuidFields, venue.privateKey);
    expect(short).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(short).toHaveLength(115);
    expect(long).toHaveLength(152);
    expect(verifyTicketSecret(short, keys)).toEqual({ ok: true, fields });
    expect(verifyTicketSecret(long, keys)).toEqual({ ok: true, fields: uuidFields });
  });

  it('round-trips any valid fields, and one ticket has one secret (seeded)', () => {
    fc.assert(
      fc.property(fieldsArbitrary, (f) => {
        const key = f.keyId === 1 ? venue.privateKey : rotated.privateKey;
        const secret = signTicketSecret(f, key);
        expect(signTicketSecret(f, key)).toBe(secret); // Ed25519 is deterministic
        expect(secret.length).toBeLessThanOrEqual(TICKET_SECRET_LENGTH_MAX);
        expect(verifyTicketSecret(secret, keys)).toEqual({ ok: true, fields: f });
      }),
      { seed, numRuns: 300 },
    );
  });

  it('is invalid_signature or malformed, never ok, with any byte changed', () => {
    const bytes = Buffer.from(signTicketSecret(fields, venue.privateKey), 'base64url');
    const reasons = new Set<string>();
    for (let i = 0; i < bytes.length; i++) {
      for (const flip of [0x01, 0x80, 0xff]) {
        const tampered = Buffer.from(bytes);
        tampered[i] = (tampered[i] as number) ^ flip;
        const result = verifyTicketSecret(tampered.toString('base64url'), keys);
        expect(result.ok, `byte ${i} ^ ${flip}`).toBe(false);
        if (!result.ok) reasons.add(result.reason);
      }
    }
    expect([...reasons].sort()).toEqual(['invalid_signature', 'malformed']);
  });

  it('is never ok with any character replaced, cut or added (seeded)', () => {
    const secret = signTicketSecret(uuidFields, venue.privateKey);
    const edit = fc.record({
      at: fc.nat({ max: secret.length - 1 }),
      kind: fc.constantFrom('replace', 'delete', 'insert'),
      char: fc.constantFrom(...'AZaz09-_=+/ .\u00e9'.split('')),
    });
    fc.assert(
      fc.property(edit, ({ at, kind, char }) => {
        const cut = kind === 'insert' ? at : at + 1;
        const edited = secret.slice(0, at) + (kind === 'delete' ? '' : char) + secret.slice(cut);
        fc.pre(edited !== secret);
        expect(verifyTicketSecret(edited, keys).ok).toBe(false);
      }),
      { seed, numRuns: 500 },
    );
  });

  it('is invalid_signature for another key under the same id, and for a key id the ring does not hold', () => {
    const stranger = generateKeyPairSync('ed25519');
    expect(verifyTicketSecret(signTicketSecret(fields, stranger.privateKey), keys)).toEqual({
      ok: false, reason: 'invalid_signature',
    });
    const unknownId = signTicketSecret({ ...fields, keyId: 7 }, venue.privateKey);
    expect(verifyTicketSecret(unknownId, keys)).toEqual({ ok: false, reason: 'invalid_signature' });
  });

  it('carries the key id so a ring holds old and new keys during a rotation', () => {
    const old = signTicketSecret({ ...fields, keyId: 1 }, venue.privateKey);
    const fresh = signTicketSecret({ ...fields, keyId: 2 }, rotated.privateKey);
    expect(verifyTicketSecret(old, keys).ok).toBe(true);
    expect(verifyTicketSecret(fresh, keys).ok).toBe(true);
    // Once key 1 is retired, its secrets stop verifying; the new ones still do.
    const afterRotation = new Map([[2, rotated.publicKey]]);
    expect(verifyTicketSecret(old, afterRotation)).toEqual({ ok: false, reason: 'invalid_signature' });
    expect(verifyTicketSecret(fresh, afterRotation).ok).toBe(true);
    // Signing with key 2 but labelling it key 1 does not verify.
    expect(verifyTicketSecret(signTicketSecret(fields, rotated.privateKey), keys).ok).toBe(false);
  });

  it('is malformed for over-long input, garbage, non-canonical base64url and non-canonical ids', () => {
    const good = signTicketSecret(fields, venue.privateKey);
    // A uuid id written as text instead of compactly, with a real signature: refused for its encoding.
    const uuidAsText = Buffer.concat([
      Buffer.of(1, 1, 0, 0, 0, 0, 36), Buffer.from('6f1c2b3a-9d4e-4f5a-8b6c-7d8e9f0a1b2c', 'ascii'), Buffer.of(1, 0x41),
    ]);
    const nonCanonical = Buffer.concat([uuidAsText, sign(null, uuidAsText, venue.privateKey)]).toString('base64url');
    const garbage = [
      '', 'A', 'not a secret', `${good}=`, `${good}A`, good.slice(0, -1), 'A'.repeat(TICKET_SECRET_LENGTH_MAX + 1),
      'A'.repeat(1_000_000), good.replace(/.$/, (c) => (c === 'B' ? 'C' : 'B')),
      Buffer.concat([Buffer.of(2), Buffer.from(good, 'base64url').subarray(1)]).toString('base64url'),
      nonCanonical,
    ];
    for (const secret of garbage) expect(verifyTicketSecret(secret, keys), secret.slice(0, 40)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses to sign fields out of range, naming the field', () => {
    const bad: [Partial<TicketSecretFields>, keyof TicketSecretFields][] = [
      [{ keyId: 256 }, 'keyId'], [{ keyId: -1 }, 'keyId'], [{ keyId: 1.5 }, 'keyId'],
      [{ issuedAtSec: -1 }, 'issuedAtSec'], [{ issuedAtSec: 2 ** 32 }, 'issuedAtSec'],
      [{ ticketId: '' }, 'ticketId'], [{ ticketId: 'a b' }, 'ticketId'], [{ showId: 'x'.repeat(65) }, 'showId'],
    ];
    for (const [change, field] of bad) {
      let error: unknown;
      try {
        signTicketSecret({ ...fields, ...change }, venue.privateKey);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TicketSecretFieldError);
      expect((error as TicketSecretFieldError).code).toBe('ERR_TICKET_SECRET_FIELD');
      expect((error as TicketSecretFieldError).field).toBe(field);
    }
    expect(isTicketSecretId('x'.repeat(64))).toBe(true);
  });

  it('is invalid_signature, without throwing, when the ring holds a key of another type', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    expect(verifyTicketSecret(signTicketSecret(fields, venue.privateKey), new Map([[1, rsa]]))).toEqual({
      ok: false, reason: 'invalid_signature',
    });
  });
});
