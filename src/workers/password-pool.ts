/**
 * The password hasher that runs scrypt on a piscina pool of its own (src/auth/password.ts has the policy, the
 * interface and the inline hasher). It lives beside its task file, password-task, as pool-evaluator lives beside
 * evaluate-task: built to dist/workers/ or bundled into the single executable with the task file next to it, the
 * task is found at `./password-task.js` either way.
 */
import { Piscina } from 'piscina';
import { PasswordHasherBusyError, PasswordHasherError, TaskPasswordHasher, type PasswordHasherOptions } from '../auth/password.ts';
import type { HashTask, VerifyTask } from './password-task.ts';

export interface PoolPasswordHasherOptions extends PasswordHasherOptions {
  /** Worker threads of this pool, 1 or 2: scrypt is all CPU, and the tap pool needs the cores too. */
  threads: number;
  /** Most hashes waiting for a thread beyond those running (1..10,000); over it, a PasswordHasherBusyError. */
  maxQueue: number;
}

// Under vitest and tsx this module is TypeScript and so is its worker; once built, both are JavaScript.
const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');
const TASK_FILE = new URL(`./password-task.${RUNNING_FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url).href;

/** Largest `maxQueue` accepted: each waiting login holds a request open. */
export const PASSWORD_QUEUE_MAX = 10_000;

/**
 * Hashes on a piscina pool of its own (not the tap evaluator's, whose batches must not wait behind logins).
 *
 * @example
 * const hasher = new PoolPasswordHasher({ secrets: cryptoSecrets, threads: 1, maxQueue: 64 });
 * const stored = await hasher.hash(password); // rejects with PasswordHasherBusyError past 65 at once
 * await hasher.close();
 */
export class PoolPasswordHasher extends TaskPasswordHasher {
  readonly threads: number;
  /** Hashes running or queued; the bound is checked here, where the error can be typed. */
  #inFlight = 0;
  readonly #capacity: number;
  #closed = false;
  readonly #pool: Piscina<HashTask | VerifyTask, string | boolean>;

  constructor(options: PoolPasswordHasherOptions) {
    super(options);
    const { threads, maxQueue } = options;
    if (!Number.isInteger(threads) || threads < 1 || threads > 2) {
      throw new RangeError(`PoolPasswordHasher option threads must be 1 or 2, got ${threads}`);
    }
    if (!Number.isInteger(maxQueue) || maxQueue < 1 || maxQueue > PASSWORD_QUEUE_MAX) {
      throw new RangeError(`PoolPasswordHasher option maxQueue must be an integer in 1..${PASSWORD_QUEUE_MAX}, got ${maxQueue}`);
    }
    this.threads = threads;
    this.#capacity = threads + maxQueue;
    this.#pool = new Piscina({
      filename: TASK_FILE,
      // Each worker loads the task file's `name` export as it starts; the task file has no default export, and
      // piscina's default name, 'default', would make it fall back to a bare import() that tsx does not hook.
      name: 'verify',
      // A server nobody logs into holds no thread (about 10 MB of RSS): the first login starts one, and a thread
      // idle for idleTimeout ends.
      minThreads: 0,
      maxThreads: threads,
      // The count above is the bound; piscina's own queue may briefly hold the running ones too while its
      // threads start, so its limit is the whole capacity, a backstop that the count keeps it from reaching.
      maxQueue: this.#capacity,
      idleTimeout: 60_000,
      ...(RUNNING_FROM_SOURCE && { execArgv: ['--import', 'tsx'] }),
    });
  }

  protected async runHash(task: HashTask): Promise<string> {
    return this.#submit<string>('hash', task);
  }

  protected async runVerify(task: VerifyTask): Promise<boolean> {
    return this.#submit<boolean>('verify', task);
  }

  async #submit<T extends string | boolean>(name: 'hash' | 'verify', task: HashTask | VerifyTask): Promise<T> {
    if (this.#closed) throw new PasswordHasherError('ERR_PASSWORD_HASHER_CLOSED', 'password hasher closed');
    if (this.#inFlight >= this.#capacity) throw new PasswordHasherBusyError(this.#capacity);
    this.#inFlight++;
    try {
      return (await this.#pool.run(task, { name })) as T;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new PasswordHasherError('ERR_PASSWORD_HASHER_FAILED', `password ${name} failed in its worker: ${reason}`, { cause: error });
    } finally {
      this.#inFlight--;
    }
  }

  /** Hashes running or queued, for metrics. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Lets the running and queued hashes finish, then stops the threads. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.close();
  }
}
