/**
 * The secret of an API token: `tkd_` and 32 random bytes in base64url (256 bits: not guessable, so one hash
 * lookup is the whole check, and a stored SHA-256 of it is enough: no salt or slow hash is needed for a secret
 * that was never chosen by a person). Only the hash is stored.
 */
import { createHash } from 'node:crypto';
import type { SecretSource } from '../platform/secrets.ts';

export const TOKEN_PREFIX = 'tkd_';
/** Random bytes in a secret. */
export const TOKEN_SECRET_BYTES = 32;
/** `tkd_` and 43 base64url characters. */
const TOKEN_SECRET_PATTERN = /^tkd_[A-Za-z0-9_-]{43}$/;
/** `Bearer <secret>`, the scheme case-insensitive (RFC 9110), one or more spaces. */
const BEARER_PATTERN = /^Bearer +(\S+) *$/i;
/** Longest Authorization header looked at; a token's is about 55 characters. */
const HEADER_LENGTH_MAX = 200;

/**
 * A fresh token secret from `secrets`.
 *
 * @example
 * newTokenSecret(cryptoSecrets); // 'tkd_3q2-…' (47 characters)
 */
export function newTokenSecret(secrets: SecretSource): string {
  const bytes = secrets.bytes(TOKEN_SECRET_BYTES);
  if (bytes.length !== TOKEN_SECRET_BYTES) throw new Error(`the secret source gave ${bytes.length} bytes, not 32`);
  return `${TOKEN_PREFIX}${bytes.toString('base64url')}`;
}

/**
 * Whether `value` has the shape of a token secret; anything else cannot be a token and needs no lookup.
 *
 * @example
 * isTokenSecret('tkd_' + 'A'.repeat(43)); // true
 */
export function isTokenSecret(value: string): boolean {
  return TOKEN_SECRET_PATTERN.test(value);
}

/**
 * What is stored and looked up instead of the secret: SHA-256, hex.
 *
 * @example
 * hashTokenSecret(secret); // '9f86d0…' (64 hex digits)
 */
export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * The secret in an `Authorization: Bearer <secret>` header, or `undefined` when the header is absent, of another
 * scheme, or holds something that is not a token secret.
 *
 * @example
 * bearerSecret('Bearer tkd_…'); // 'tkd_…'
 * bearerSecret('Basic dXNlcg=='); // undefined
 */
export function bearerSecret(header: string | undefined): string | undefined {
  const secret = bearerCredential(header);
  return secret !== undefined && isTokenSecret(secret) ? secret : undefined;
}

/**
 * Whatever an `Authorization: Bearer <credential>` header carries, token secret or not (the metrics token is not one),
 * or `undefined` when the header is absent, too long or of another scheme.
 *
 * @example
 * bearerCredential('bearer  scrape-0123456789abcdef'); // 'scrape-0123456789abcdef'
 */
export function bearerCredential(header: string | undefined): string | undefined {
  if (header === undefined || header.length > HEADER_LENGTH_MAX) return undefined;
  return BEARER_PATTERN.exec(header)?.[1];
}
