/**
 * Values for every field of every request body: good ones, and bad ones that are bad by construction (each list
 * below is wrong whatever the server thinks), so a request carrying one must be refused.
 */
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { RawJson } from './json-text.ts';

/** What an id is (the API's contract, written out here rather than imported, so the test checks the code). */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const AMOUNT_MAX = 100_000_000;

const keyPair = generateKeyPairSync('ed25519');
/** A good machine key, and bad ones: other algorithms, a private key, extra text after the PEM block. */
export const ED25519_PUBLIC_PEM = keyPair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const ED25519_PRIVATE_PEM = keyPair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const RSA_PUBLIC_PEM = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey
  .export({ type: 'spki', format: 'pem' }).toString();
const EC_PUBLIC_PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey
  .export({ type: 'spki', format: 'pem' }).toString();

/** Anything but a string. */
export const notAString: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.nat(), { maxLength: 3 }),
  fc.constant({}),
);

/** Anything but a number. */
const notANumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('100', 'NaN', 'Infinity', '-1', '1e3', '', ' 5'),
  fc.boolean(),
  fc.constant(null),
  fc.constant([100]),
  fc.constant({ cents: 100 }),
);

/** Strings holding an unpaired UTF-16 surrogate: not Unicode text, so no name can be one. */
export const loneSurrogateString: fc.Arbitrary<string> = fc
  .tuple(fc.string({ maxLength: 8 }), fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff', '\udc00\ud800'), fc.string({ maxLength: 8 }))
  .map(([before, lone, after]) => before + lone + after);

export const badId: fc.Arbitrary<unknown> = fc.oneof(
  notAString,
  fc.constant(''),
  fc.integer({ min: 65, max: 400 }).map((n) => 'a'.repeat(n)),
  fc.constantFrom('a b', 'a/b', '../x', 'x.y', 'ü', 'a\u0000', 'tap\n', '%41', 'a+b', '\u{1f600}'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).filter((s) => !ID_PATTERN.test(s)),
  loneSurrogateString,
);

export const goodName: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
).filter((s) => s.length >= 1 && s.length <= 100);

export const badName: fc.Arbitrary<unknown> = fc.oneof(
  notAString,
  fc.constant(''),
  fc.integer({ min: 101, max: 400 }).map((n) => 'n'.repeat(n)),
  loneSurrogateString,
);

/** Bad cents for a field whose smallest good value is `min` (0 for balances and prices, 1 for top-ups). */
export function badAmount(min: 0 | 1): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.integer({ min: -1_000_000_000, max: min - 1 }),
    fc.double({ min: 0.001, max: AMOUNT_MAX, noNaN: true }).filter((x) => !Number.isInteger(x)),
    fc.integer({ min: AMOUNT_MAX + 1, max: Number.MAX_SAFE_INTEGER }),
    fc.constantFrom(
      new RawJson('1e400'), new RawJson('-1e400'), new RawJson('1e309'), new RawJson('-0.5'), new RawJson('1.25e1'),
      new RawJson('9007199254740993'), new RawJson('100000000.5'),
      ...(min === 1 ? [0, new RawJson('-0'), new RawJson('0.0')] : []),
    ),
    notANumber,
  );
}

export function goodAmount(min: 0 | 1): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.integer({ min, max: 20_000 }),
    fc.integer({ min, max: AMOUNT_MAX }),
    // Other spellings of integers: JSON numbers, not strings, so they are as good as `100`.
    fc.constantFrom(new RawJson('100.0'), new RawJson('1e2'), new RawJson('1E3')),
  );
}

export const badTier: fc.Arbitrary<unknown> = fc.oneof(
  notAString,
  fc.constantFrom('', 'gold', 'Standard', 'season_pass', 'season-pass ', 'STANDARD'),
);

export const badOpen: fc.Arbitrary<unknown> = fc.constantFrom('true', 'false', 1, 0, null, [], {});

/** Epoch milliseconds as RFC 3339 with an offset of `offsetMinutes`, e.g. `2026-11-22T13:30:00.123+01:00`. */
export function rfc3339(epochMs: number, offsetMinutes: number): string {
  const local = new Date(epochMs + offsetMinutes * 60_000).toISOString().slice(0, -1);
  if (offsetMinutes === 0) return `${local}Z`;
  const abs = Math.abs(offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${offsetMinutes < 0 ? '-' : '+'}${hh}:${mm}`;
}

/** Well-formed tap times from 30 h ago (stale) to 10 min ahead (too early) of when the test module loaded. */
const LOADED_AT_MS = Date.now();
export const goodTappedAt: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: -30 * 3_600_000, max: 10 * 60_000 }), fc.constantFrom(0, 60, 120, -300, 330, 765))
  .map(([deltaMs, offsetMinutes]) => rfc3339(LOADED_AT_MS + deltaMs, offsetMinutes));

export const badTappedAt: fc.Arbitrary<unknown> = fc.oneof(
  notAString,
  fc.constantFrom(
    '', 'NaN', '2026-11-22', '2026-11-22T10:00:00', '2026-02-30T10:00:00Z', '2025-02-29T10:00:00Z',
    '2026-13-01T10:00:00Z', '2026-00-10T10:00:00Z', '2026-11-22T24:00:00Z', '2026-11-22T10:60:00Z',
    '2026-11-22T10:00:60Z', '2026-11-22T10:00:00+24:00', '2026-11-22T10:00:00+01:60', '2026-11-22T10:00:00+0100',
    '2026-11-22 10:00:00Z', '2026-11-22T10:00:00Zjunk', '2026-11-22T10:00:00.Z', '+2026-11-22T10:00:00Z',
    `2026-11-22T10:00:00.${'1'.repeat(25)}Z`, '２０２６-11-22T10:00:00Z', '2026-1-22T10:00:00Z',
  ),
  fc.string({ maxLength: 45 }).filter((s) => !/^[0-9]{4}-/.test(s)),
);

export const goodSignature: fc.Arbitrary<string> = fc
  .uint8Array({ minLength: 64, maxLength: 64 })
  .map((bytes) => Buffer.from(bytes).toString('base64'));

export const badSignature: fc.Arbitrary<unknown> = fc.oneof(
  notAString,
  fc.constantFrom('', 'abc', 'ab!d', '====', 'A===', 'AB=C', 'A'.repeat(204), 'QUJD\n'),
);

export const badPublicKey: fc.Arbitrary<unknown> = fc.oneof(
  notAString,
  fc.constantFrom(
    'hello',
    RSA_PUBLIC_PEM,
    EC_PUBLIC_PEM,
    ED25519_PRIVATE_PEM,
    // A good key followed by a private one: the private key must never reach the server's database.
    ED25519_PUBLIC_PEM + ED25519_PRIVATE_PEM,
    `${ED25519_PUBLIC_PEM}trailing text`,
    `${ED25519_PUBLIC_PEM}\ud800`,
    ED25519_PUBLIC_PEM + ' '.repeat(1_000),
    '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n',
  ),
);
