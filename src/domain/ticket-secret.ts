/**
 * Ticket secrets: what a ticket's QR code carries. A secret is base64url (no padding) of
 * `[format 1][keyId][issuedAtSec u32 BE][ticketId][showId][Ed25519 signature, 64 bytes]`, the signature by the
 * venue's key over every byte before it. A scanner holding the venue's public keys verifies it offline; the key id
 * byte lets it hold several keys while one is rotated out.
 *
 * Ids are stored compactly: `<prefix>-<lowercase uuid>` (what `randomIds` makes) as the prefix and 16 raw bytes,
 * anything else as its ASCII text. Every id has exactly one encoding and a secret is refused unless it re-encodes
 * to the bytes that were signed, so one ticket has one secret string. Measured lengths: `ticket-1` of `show-1`
 * 115 characters; `ticket-<uuid>` of `show-<uuid>` 152 (a byte-mode QR code of version 7 at level L, or 8 at M);
 * the longest possible is {@link TICKET_SECRET_LENGTH_MAX} (267). The 64-byte signature alone is 86 of them.
 */

import { sign, verify, type KeyObject } from 'node:crypto';

/** The format byte this module writes and reads. */
export const TICKET_SECRET_FORMAT = 1;
/** Longest id in ASCII form, and the id characters allowed. */
export const TICKET_ID_LENGTH_MAX = 64;
const ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
/** `<prefix>-<uuid>` with a prefix of up to 32 characters without `-`, or a bare uuid. */
const UUID_ID_PATTERN = /^(?:([A-Za-z0-9._:]{1,32})-)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const UUID_TAG = 0x80;
const HEADER_BYTES = 6;
const SIGNATURE_BYTES = 64;
const ID_BYTES_MAX = 1 + TICKET_ID_LENGTH_MAX;
/** 6 + 65 + 65 + 64 = 200 bytes, 267 base64url characters: longer input is refused before it is decoded. */
export const TICKET_SECRET_LENGTH_MAX = Math.ceil(((HEADER_BYTES + 2 * ID_BYTES_MAX + SIGNATURE_BYTES) * 4) / 3);
const SECRET_PATTERN = /^[A-Za-z0-9_-]+$/;
/** `issuedAtSec` is an unsigned 32-bit count of seconds (good until 2106). */
const U32_MAX = 0xffff_ffff;

/** What a secret says. `issuedAtSec` is epoch seconds, from the injected clock of whoever issues the ticket. */
export interface TicketSecretFields {
  /** Which venue key signed it, 0–255. */
  keyId: number;
  ticketId: string;
  showId: string;
  issuedAtSec: number;
}

/** A scanner's or the server's venue public keys by key id. */
export type TicketKeyRing = ReadonlyMap<number, KeyObject>;

/** `malformed`: not a secret this format can hold; `invalid_signature`: well formed, but no key of the ring signed it. */
export type TicketSecretFailure = 'malformed' | 'invalid_signature';

export type TicketSecretVerification =
  | { ok: true; fields: TicketSecretFields }
  | { ok: false; reason: TicketSecretFailure };

/** A field that cannot go into a secret; `field` names it. Issuing code validates ids, so this is a bug there. */
export class TicketSecretFieldError extends RangeError {
  override readonly name = 'TicketSecretFieldError';
  readonly code = 'ERR_TICKET_SECRET_FIELD';
  readonly field: keyof TicketSecretFields;

  constructor(field: keyof TicketSecretFields, problem: string) {
    super(`${field}: ${problem}`);
    this.field = field;
  }
}

/**
 * Whether `id` can be a ticket or show id in a secret (1–64 of `A-Z a-z 0-9 . _ : -`).
 *
 * @example
 * isTicketSecretId('ticket-1'); // true
 * isTicketSecretId('a b');      // false
 */
export function isTicketSecretId(id: string): boolean {
  return ID_PATTERN.test(id);
}

function encodeId(id: string, field: 'ticketId' | 'showId'): Buffer {
  if (!isTicketSecretId(id)) throw new TicketSecretFieldError(field, 'must be 1-64 of A-Z a-z 0-9 . _ : -');
  const match = UUID_ID_PATTERN.exec(id);
  if (match === null) return Buffer.concat([Buffer.of(id.length), Buffer.from(id, 'ascii')]);
  const prefix = match[1] ?? '';
  const uuid = Buffer.from((match[2] as string).replaceAll('-', ''), 'hex');
  return Buffer.concat([Buffer.of(UUID_TAG | prefix.length), Buffer.from(prefix, 'ascii'), uuid]);
}

/** The id at `offset` and where the next field starts, or `undefined` if the bytes cannot be an id. */
function decodeId(bytes: Buffer, offset: number): { id: string; next: number } | undefined {
  const tag = bytes[offset];
  if (tag === undefined) return undefined;
  if (tag < UUID_TAG) {
    const next = offset + 1 + tag;
    if (tag === 0 || next > bytes.length) return undefined;
    return { id: bytes.toString('latin1', offset + 1, next), next };
  }
  const prefixLength = tag - UUID_TAG;
  const next = offset + 1 + prefixLength + 16;
  if (prefixLength > 32 || next > bytes.length) return undefined;
  const hex = bytes.toString('hex', offset + 1 + prefixLength, next);
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  const prefix = bytes.toString('latin1', offset + 1, offset + 1 + prefixLength);
  return { id: prefixLength === 0 ? uuid : `${prefix}-${uuid}`, next };
}

function encodeBody(fields: TicketSecretFields): Buffer {
  const { keyId, issuedAtSec } = fields;
  if (!Number.isInteger(keyId) || keyId < 0 || keyId > 255) throw new TicketSecretFieldError('keyId', 'must be 0-255');
  if (!Number.isInteger(issuedAtSec) || issuedAtSec < 0 || issuedAtSec > U32_MAX) {
    throw new TicketSecretFieldError('issuedAtSec', 'must be an integer in 0..2^32-1');
  }
  const header = Buffer.alloc(HEADER_BYTES);
  header[0] = TICKET_SECRET_FORMAT;
  header[1] = keyId;
  header.writeUInt32BE(issuedAtSec, 2);
  return Buffer.concat([header, encodeId(fields.ticketId, 'ticketId'), encodeId(fields.showId, 'showId')]);
}

/**
 * The secret of a ticket, signed with the venue's private key whose id is `fields.keyId`. Throws
 * {@link TicketSecretFieldError} for a field out of range.
 *
 * @example
 * const { privateKey } = generateKeyPairSync('ed25519');
 * signTicketSecret({ keyId: 1, ticketId: 'ticket-1', showId: 'show-1', issuedAtSec: 1_795_000_000 }, privateKey);
 * // 'AQFq_YbACHRp…' (115 characters)
 */
export function signTicketSecret(fields: TicketSecretFields, privateKey: KeyObject): string {
  const body = encodeBody(fields);
  return Buffer.concat([body, sign(null, body, privateKey)]).toString('base64url');
}

/** The fields of a body that is exactly header and two ids, re-encoded to the same bytes; else `undefined`. */
function parseBody(body: Buffer): TicketSecretFields | undefined {
  if (body.length < HEADER_BYTES || body[0] !== TICKET_SECRET_FORMAT) return undefined;
  const ticket = decodeId(body, HEADER_BYTES);
  const show = ticket === undefined ? undefined : decodeId(body, ticket.next);
  if (ticket === undefined || show === undefined || show.next !== body.length) return undefined;
  const fields = { keyId: body[1] as number, ticketId: ticket.id, showId: show.id, issuedAtSec: body.readUInt32BE(2) };
  if (!isTicketSecretId(fields.ticketId) || !isTicketSecretId(fields.showId)) return undefined;
  return encodeBody(fields).equals(body) ? fields : undefined;
}

/**
 * Checks a secret against the venue keys. Never throws: anything over {@link TICKET_SECRET_LENGTH_MAX} characters,
 * outside base64url or not of this format is `malformed` (the length is checked first, so garbage costs a bounded
 * amount of work); a well-formed secret whose key id is not in `keys`, or whose signature does not verify, is
 * `invalid_signature`.
 *
 * @example
 * verifyTicketSecret(secret, new Map([[1, publicKey]])); // { ok: true, fields: { keyId: 1, ticketId: 'ticket-1', … } }
 * verifyTicketSecret('hello', keys);                     // { ok: false, reason: 'malformed' }
 */
export function verifyTicketSecret(secret: string, keys: TicketKeyRing): TicketSecretVerification {
  if (typeof secret !== 'string' || secret.length > TICKET_SECRET_LENGTH_MAX || !SECRET_PATTERN.test(secret)) {
    return { ok: false, reason: 'malformed' };
  }
  const bytes = Buffer.from(secret, 'base64url');
  // A length of 4k+1 characters or stray low bits in the last character decode to bytes that re-encode differently.
  if (bytes.length <= SIGNATURE_BYTES || bytes.toString('base64url') !== secret) return { ok: false, reason: 'malformed' };
  const body = bytes.subarray(0, bytes.length - SIGNATURE_BYTES);
  const fields = parseBody(body);
  if (fields === undefined) return { ok: false, reason: 'malformed' };
  const key = keys.get(fields.keyId);
  if (key === undefined) return { ok: false, reason: 'invalid_signature' };
  try {
    const valid = verify(null, body, key, bytes.subarray(bytes.length - SIGNATURE_BYTES));
    return valid ? { ok: true, fields } : { ok: false, reason: 'invalid_signature' };
  } catch {
    // A key that is not Ed25519 cannot have signed it.
    return { ok: false, reason: 'invalid_signature' };
  }
}
