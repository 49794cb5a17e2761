/**
 * Passwords of user accounts: the policy a new password must meet, and the hasher that hashes and verifies them
 * with scrypt (the stored format and the hashing itself are in src/workers/password-task.ts, which runs in the
 * worker threads). `PoolPasswordHasher` (src/workers/password-pool.ts, beside its task file) hashes on a small
 * piscina pool of its own, so a burst of logins, each some tens of milliseconds of scrypt, does not stall the event
 * loop; `InlinePasswordHasher` here runs the same functions on the calling thread (tests). Salts are drawn on the calling thread from the injected
 * SecretSource, so a seeded source gives the same hashes from either.
 */
import type { SecretSource } from '../platform/secrets.ts';
import {
  codePointsUpTo, hash, KEY_BYTES, paramsProblem, parseStoredHash, PASSWORD_CODE_POINTS_MAX, SALT_BYTES,
  SCRYPT_DEFAULTS, verify, type HashTask, type ScryptParams, type VerifyTask,
} from '../workers/password-task.ts';

export { SCRYPT_DEFAULTS, type ScryptParams };

/** Shortest password accepted, in code points. */
export const PASSWORD_CODE_POINTS_MIN = 12;
export { PASSWORD_CODE_POINTS_MAX };

/**
 * What is wrong with `password` as a new password, or undefined when it may be used: 12 to 256 characters,
 * counted in code points (an emoji is one). Nothing else is required, after NIST SP 800-63B: length is what helps.
 *
 * @example
 * checkPasswordPolicy('short'); // 'password must be at least 12 characters'
 * checkPasswordPolicy('correct horse battery'); // undefined
 */
export function checkPasswordPolicy(password: string): string | undefined {
  const length = codePointsUpTo(password, PASSWORD_CODE_POINTS_MAX);
  if (length < PASSWORD_CODE_POINTS_MIN) return `password must be at least ${PASSWORD_CODE_POINTS_MIN} characters`;
  if (length > PASSWORD_CODE_POINTS_MAX) return `password must be at most ${PASSWORD_CODE_POINTS_MAX} characters`;
  return undefined;
}

/**
 * Whether `stored` should be replaced by a new hash at the next successful login: it was made with other
 * parameters, salt length or key length than `current`, or cannot be read at all.
 *
 * @example
 * needsRehash('$scrypt$ln=14,r=8,p=1$...$...'); // true: the default is now ln=15
 */
export function needsRehash(stored: string, current: ScryptParams = SCRYPT_DEFAULTS): boolean {
  const parsed = parseStoredHash(stored);
  if (parsed === undefined) return true;
  const { ln, r, p } = parsed.params;
  return ln !== current.ln || r !== current.r || p !== current.p || parsed.salt.length !== SALT_BYTES
    || parsed.hash.length !== KEY_BYTES;
}

export type PasswordHasherErrorCode = 'ERR_PASSWORD_HASHER_BUSY' | 'ERR_PASSWORD_HASHER_FAILED' | 'ERR_PASSWORD_HASHER_CLOSED';

/** A hash or verify that did not run: the pool is full, a worker failed, or the hasher is closed. */
export class PasswordHasherError extends Error {
  constructor(readonly code: PasswordHasherErrorCode, message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'PasswordHasherError';
  }
}

/** Every thread busy and the queue full: the caller answers 503 with a retry, it does not wait. */
export class PasswordHasherBusyError extends PasswordHasherError {
  constructor(capacity: number) {
    super('ERR_PASSWORD_HASHER_BUSY', `password hasher busy: ${capacity} hashes running or queued`);
    this.name = 'PasswordHasherBusyError';
  }
}

/**
 * Hashes and verifies passwords. `verify` answers false for a malformed stored string, never rejects for one.
 *
 * @example
 * const stored = await hasher.hash('correct horse battery');
 * await hasher.verify('correct horse battery', stored); // true
 * if (user === undefined) await hasher.dummyVerify(password); // as long as a real verify, answers false
 */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, stored: string): Promise<boolean>;
  /**
   * A verify against a fixed hash of the same cost as new hashes, always false: for a login naming no known
   * user, so that the time of the answer does not tell whether the user exists.
   */
  dummyVerify(password: string): Promise<false>;
  /** Whether `stored` was made with other parameters than this hasher's (see `needsRehash`). */
  needsRehash(stored: string): boolean;
  close(): Promise<void>;
}

export interface PasswordHasherOptions {
  /** Where salts come from; cryptoSecrets in production, a seeded source in tests. */
  secrets: SecretSource;
  /** Cost of new hashes; SCRYPT_DEFAULTS unless told. Tests pass a small one (ln 10). */
  params?: ScryptParams;
}

/** What both hashers share: parameters, salts and the dummy hash; they differ in where the task runs. */
export abstract class TaskPasswordHasher implements PasswordHasher {
  readonly params: Readonly<ScryptParams>;
  readonly #secrets: SecretSource;
  /** A string of the current cost whose key matches no password (all zero bytes): it costs a full verify. */
  readonly #dummyStored: string;

  constructor(options: PasswordHasherOptions) {
    const params = { ...(options.params ?? SCRYPT_DEFAULTS) };
    const problem = paramsProblem(params, SALT_BYTES, KEY_BYTES);
    if (problem !== undefined) throw new RangeError(`PasswordHasher option params: ${problem}`);
    this.params = Object.freeze(params);
    this.#secrets = options.secrets;
    const zeros = (bytes: number) => Buffer.alloc(bytes).toString('base64').replace(/=+$/, '');
    this.#dummyStored = `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${zeros(SALT_BYTES)}$${zeros(KEY_BYTES)}`;
  }

  /** Runs the task file's `hash`, inline or in a worker. */
  protected abstract runHash(task: HashTask): Promise<string>;
  /** Runs the task file's `verify`, inline or in a worker. */
  protected abstract runVerify(task: VerifyTask): Promise<boolean>;

  /** Rejects with a RangeError for a password over 256 code points: callers check the policy first. */
  async hash(password: string): Promise<string> {
    // Checked here too, not only in the task, so the pool answers as the inline hasher does (not as a worker fault).
    if (codePointsUpTo(password, PASSWORD_CODE_POINTS_MAX) > PASSWORD_CODE_POINTS_MAX) {
      throw new RangeError(`password over ${PASSWORD_CODE_POINTS_MAX} code points`);
    }
    return this.runHash({ password, salt: this.#secrets.bytes(SALT_BYTES), params: this.params });
  }

  async verify(password: string, stored: string): Promise<boolean> {
    return this.runVerify({ password, stored });
  }

  async dummyVerify(password: string): Promise<false> {
    await this.runVerify({ password, stored: this.#dummyStored });
    return false;
  }

  needsRehash(stored: string): boolean {
    return needsRehash(stored, this.params);
  }

  abstract close(): Promise<void>;
}

/**
 * Runs scrypt on the calling thread, blocking it for the length of each hash. Asynchronous like the pool, so
 * callers cannot come to rely on it answering before they continue.
 *
 * @example
 * const hasher = new InlinePasswordHasher({ secrets: seededSecrets(1), params: { ln: 10, r: 8, p: 1 } });
 */
export class InlinePasswordHasher extends TaskPasswordHasher {
  protected async runHash(task: HashTask): Promise<string> {
    await Promise.resolve();
    return hash(task);
  }

  protected async runVerify(task: VerifyTask): Promise<boolean> {
    await Promise.resolve();
    return verify(task);
  }

  async close(): Promise<void> {}
}
