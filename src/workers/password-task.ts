/**
 * The piscina task for passwords, and the scrypt hashing it runs: a password hash is stored as one PHC-like string
 * that carries its own parameters, `$scrypt$ln=15,r=8,p=1$<salt>$<hash>` (ln = log2 N; salt and hash in base64
 * without padding), so a change of cost applies to new hashes while old ones still verify.
 *
 * Self-contained on purpose (node built-ins only): it is loaded alone in each worker thread, and runs scrypt
 * synchronously there, one password at a time per thread. `PoolPasswordHasher` (src/workers/password-pool.ts) calls the
 * exports `hash` and `verify` through piscina's `name` option; `InlinePasswordHasher` calls them directly.
 */
import { scryptSync, timingSafeEqual } from 'node:crypto';

/** scrypt's cost: N = 2^ln, block size r, parallelism p. */
export interface ScryptParams {
  ln: number;
  r: number;
  p: number;
}

/** Cost of new hashes: N = 2^15, r = 8, p = 1 (32 MiB, the OWASP recommendation for scrypt). */
export const SCRYPT_DEFAULTS: Readonly<ScryptParams> = Object.freeze({ ln: 15, r: 8, p: 1 });

/** Bytes of a new hash's derived key. */
export const KEY_BYTES = 32;

/** Bytes of a new hash's salt. */
export const SALT_BYTES = 16;

/** Accepted ranges, for new hashes and for stored strings alike: a string outside them is malformed. */
export const SCRYPT_BOUNDS = Object.freeze({
  ln: { min: 10, max: 20 },
  r: { min: 1, max: 32 },
  p: { min: 1, max: 4 },
  saltBytes: { min: 8, max: 64 },
  keyBytes: { min: 16, max: 64 },
  /**
   * scrypt's memory, about 128·N·r bytes. ln 20 with r 32 would be 4 GiB a verify, so the ranges above are not
   * enough on their own: a stored string asking for more than this is malformed too (ln 18 at r 8 fits).
   */
  memoryBytesMax: 256 * 1024 * 1024,
});

/** Longest password accepted, in code points; `verify` answers false for longer ones without hashing them. */
export const PASSWORD_CODE_POINTS_MAX = 256;

/** A stored string, parsed. */
export interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
}

/** What `hash` receives: the salt is drawn on the main thread, so a seeded SecretSource stays deterministic. */
export interface HashTask {
  password: string;
  /** A Buffer when called inline; a Uint8Array once it has crossed to a worker. */
  salt: Uint8Array;
  params: ScryptParams;
}

export interface VerifyTask {
  password: string;
  stored: string;
}

/**
 * The stored string for `password`: scrypt of its NFC form (RFC 8265's OpaqueString: one password typed on two
 * systems gives one hash) with `salt` and `params`. Throws a RangeError for a password over 256 code points
 * (`verify` would never match it) or parameters outside SCRYPT_BOUNDS: callers check those first.
 *
 * @example
 * hash({ password: 'correct horse battery', salt: randomBytes(16), params: SCRYPT_DEFAULTS });
 * // '$scrypt$ln=15,r=8,p=1$<22 characters>$<43 characters>'
 */
export function hash(task: HashTask): string {
  if (codePointsUpTo(task.password, PASSWORD_CODE_POINTS_MAX) > PASSWORD_CODE_POINTS_MAX) {
    // `verify` would never match it: a caller that skipped checkPasswordPolicy is told now, not at every login.
    throw new RangeError(`password over ${PASSWORD_CODE_POINTS_MAX} code points`);
  }
  const salt = Buffer.from(task.salt);
  const problem = paramsProblem(task.params, salt.length, KEY_BYTES);
  if (problem !== undefined) throw new RangeError(`scrypt ${problem}`);
  const key = derive(task.password, salt, task.params, KEY_BYTES);
  return `$scrypt$${formatParams(task.params)}$${base64(salt)}$${base64(key)}`;
}

/**
 * Whether `password` matches `stored`, recomputed with the stored parameters and compared in constant time.
 * Never throws on what the store holds: a malformed string, or one outside SCRYPT_BOUNDS, answers false.
 *
 * @example
 * verify({ password: 'correct horse battery', stored }); // true
 * verify({ password: 'correct horse battery', stored: 'not a hash' }); // false
 */
export function verify(task: VerifyTask): boolean {
  const parsed = parseStoredHash(task.stored);
  if (parsed === undefined) return false;
  if (codePointsUpTo(task.password, PASSWORD_CODE_POINTS_MAX) > PASSWORD_CODE_POINTS_MAX) return false;
  const key = derive(task.password, parsed.salt, parsed.params, parsed.hash.length);
  return timingSafeEqual(key, parsed.hash);
}

/**
 * The parts of a stored string, or undefined when it is malformed: not exactly the canonical form `hash` writes
 * (so no two spellings of one hash verify), or outside SCRYPT_BOUNDS.
 *
 * @example
 * parseStoredHash('$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0$...')?.params; // { ln: 10, r: 8, p: 1 }
 */
export function parseStoredHash(stored: string): ParsedHash | undefined {
  // The longest canonical string is well under 200 characters; anything longer is not worth splitting.
  if (typeof stored !== 'string' || stored.length > 256) return undefined;
  const fields = stored.split('$');
  if (fields.length !== 5 || fields[0] !== '' || fields[1] !== 'scrypt') return undefined;
  const match = /^ln=(\d+),r=(\d+),p=(\d+)$/.exec(fields[2]!);
  if (match === null) return undefined;
  const params: ScryptParams = { ln: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  if (formatParams(params) !== fields[2]) return undefined;
  const salt = fromBase64(fields[3]!);
  const hashBytes = fromBase64(fields[4]!);
  if (salt === undefined || hashBytes === undefined) return undefined;
  if (paramsProblem(params, salt.length, hashBytes.length) !== undefined) return undefined;
  return { params, salt, hash: hashBytes };
}

/** What is wrong with these parameters and lengths, or undefined when they are within SCRYPT_BOUNDS. */
export function paramsProblem(params: ScryptParams, saltBytes: number, keyBytes: number): string | undefined {
  const { ln, r, p } = params;
  for (const [name, value] of [['ln', ln], ['r', r], ['p', p], ['saltBytes', saltBytes], ['keyBytes', keyBytes]] as const) {
    const { min, max } = SCRYPT_BOUNDS[name];
    if (!Number.isSafeInteger(value) || value < min || value > max) return `${name} must be an integer in ${min}..${max}, got ${value}`;
  }
  if (memoryBytes(params) > SCRYPT_BOUNDS.memoryBytesMax) {
    return `memory 128·2^ln·r = ${memoryBytes(params)} bytes is over ${SCRYPT_BOUNDS.memoryBytesMax}`;
  }
  return undefined;
}

function derive(password: string, salt: Buffer, params: ScryptParams, keyBytes: number): Buffer {
  const N = 2 ** params.ln;
  // OpenSSL needs 128·r·(N + p + 2) bytes (the V array and B); Node's default maxmem (32 MiB) is just under what
  // the default cost takes, so it is set from the parameters, which SCRYPT_BOUNDS has already capped.
  const maxmem = 128 * params.r * (N + params.p + 2) + 64 * 1024;
  return scryptSync(password.normalize('NFC'), salt, keyBytes, { N, r: params.r, p: params.p, maxmem });
}

function memoryBytes(params: ScryptParams): number {
  return 128 * 2 ** params.ln * params.r;
}

function formatParams(params: ScryptParams): string {
  return `ln=${params.ln},r=${params.r},p=${params.p}`;
}

function base64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}

/** Strict: Node's decoder skips stray characters, so only a field that encodes back to itself is accepted. */
function fromBase64(field: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+$/.test(field)) return undefined;
  const bytes = Buffer.from(field, 'base64');
  return base64(bytes) === field ? bytes : undefined;
}

/** Code points in `text`, counted no further than `max + 1`: a long string costs no more than a short one. */
export function codePointsUpTo(text: string, max: number): number {
  let count = 0;
  // A code point above U+FFFF takes two UTF-16 units; a lone surrogate counts as one, as `[...text]` does.
  for (let index = 0; index < text.length && count <= max; count++) index += text.codePointAt(index)! > 0xffff ? 2 : 1;
  return count;
}
