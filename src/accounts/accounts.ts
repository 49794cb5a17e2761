/**
 * Accounts and sessions (issue 11): what `POST /v1/users`, `POST /v1/sessions` and the user routes do, above the
 * store (store/users.ts). Passwords are hashed and checked in the worker pool (auth/password.ts), so a burst of
 * logins queues there, bounded, instead of stalling the event loop. Failed logins are braked per account and per
 * address (auth/login-limiter.ts). A login naming nobody costs the same verify as one naming someone, and both get
 * the same answer, so neither the time nor the words tell whether an account exists.
 */
import { checkPasswordPolicy, PasswordHasherBusyError, type PasswordHasher } from '../auth/password.ts';
import type { LoginLimiter } from '../auth/login-limiter.ts';
import type { Clock } from '../platform/clock.ts';
import type { CustomerInput, IdSource } from '../store/store-types.ts';
import { StoreError } from '../store/store-error.ts';
import type {
  AccountCause, AccountRole, CreatedSession, User, UserChanges, UserPage, UserQuery, UserStore,
} from '../store/users.ts';

/** A session's life when not told otherwise: a working day and a half. */
export const SESSION_TTL_MS_DEFAULT = 12 * 3_600_000;

export type AccountErrorCode =
  | 'invalid_credentials'
  | 'login_throttled'
  | 'account_disabled'
  | 'unknown_user'
  | 'username_taken'
  | 'email_taken'
  | 'weak_password'
  | 'role_not_changeable'
  | 'hasher_busy';

/** A refusal of the accounts, with a stable code (error-response.ts gives each its status). */
export class AccountError extends Error {
  constructor(readonly code: AccountErrorCode, message: string, readonly retryAfterMs?: number) {
    super(message);
    this.name = 'AccountError';
  }
}

/** The part of the store the accounts use. */
export type AccountStore = Pick<UserStore, 'create' | 'get' | 'findForLogin' | 'ofCustomer' | 'list' | 'update' | 'erase' | 'createSession'>;

export interface AccountsOptions {
  users: AccountStore;
  /** Opens a `user` account's customer (the engine's putCustomer: through the ledger, so its catalogue knows it). */
  openCustomer: (id: string, input: CustomerInput) => Promise<unknown>;
  hasher: PasswordHasher;
  limiter: LoginLimiter;
  clock: Clock;
  ids: IdSource;
  sessionTtlMs?: number;
  /** Hears how each login ended (`ok` or the refusal's code), for metrics. */
  onLogin?: (outcome: 'ok' | AccountErrorCode) => void;
}

export interface NewAccount {
  username: string;
  email: string;
  displayName: string;
  role: AccountRole;
  password: string;
}

export interface AccountPatch {
  email?: string;
  displayName?: string;
  role?: AccountRole;
  disabled?: boolean;
  password?: string;
}

export interface Session {
  /** The session token's id (what logging out revokes). */
  id: string;
  token: string;
  expiresAt: string;
  user: User;
}

/**
 * @example
 * const accounts = new Accounts({ users: store.users, openCustomer: (id, input) => engine.putCustomer(id, input), hasher, limiter, clock, ids });
 * await accounts.create({ username: 'ada', email: 'ada@example.com', displayName: 'Ada', role: 'user', password: 'correct horse battery' });
 * const session = await accounts.login('ada', 'correct horse battery', '203.0.113.7'); // { token: 'tkd_…', expiresAt, user }
 */
export class Accounts {
  readonly #users: AccountStore;
  readonly #openCustomer: AccountsOptions['openCustomer'];
  readonly #hasher: PasswordHasher;
  readonly #limiter: LoginLimiter;
  readonly #clock: Clock;
  readonly #ids: IdSource;
  readonly #onLogin: (outcome: 'ok' | AccountErrorCode) => void;
  readonly sessionTtlMs: number;

  constructor(options: AccountsOptions) {
    this.#users = options.users;
    this.#openCustomer = options.openCustomer;
    this.#hasher = options.hasher;
    this.#limiter = options.limiter;
    this.#clock = options.clock;
    this.#ids = options.ids;
    this.#onLogin = options.onLogin ?? (() => undefined);
    this.sessionTtlMs = options.sessionTtlMs ?? SESSION_TTL_MS_DEFAULT;
    if (!Number.isSafeInteger(this.sessionTtlMs) || this.sessionTtlMs < 60_000) {
      throw new RangeError(`Accounts option sessionTtlMs must be an integer of at least 60,000 ms, got ${this.sessionTtlMs}`);
    }
  }

  /**
   * Creates an account; a `user` gets its own customer (standard tier, empty wallet) first. The username and email
   * are checked free before the customer is opened, so a taken one opens nothing.
   */
  async create(input: NewAccount, cause: AccountCause = {}): Promise<User> {
    checkPassword(input.password);
    this.#checkFree(input.username, input.email);
    const passwordHash = await this.#hash(input.password);
    let customerId: string | undefined;
    if (input.role === 'user') {
      customerId = this.#ids.next('cus');
      await this.#openCustomer(customerId, { name: input.displayName, tier: 'standard' });
    }
    return storeCall(() => this.#users.create({
      username: input.username, email: input.email, displayName: input.displayName, role: input.role, passwordHash,
      ...(customerId !== undefined && { customerId }),
    }, this.#clock.now(), cause));
  }

  get(id: string): User {
    return this.find(id) ?? unknownUser(id);
  }

  /** The live account with this id, or undefined. */
  find(id: string): User | undefined {
    return this.#users.get(id);
  }

  list(query: UserQuery): UserPage {
    return this.#users.list(query);
  }

  /** The account a customer belongs to, if a person owns it. */
  ofCustomer(customerId: string): User | undefined {
    return this.#users.ofCustomer(customerId);
  }

  /** Applies a patch; `revokedTokens` are the sessions it ended (a new password or role, or disabling). */
  async update(id: string, patch: AccountPatch, cause: AccountCause = {}): Promise<{ user: User; revokedTokens: string[] }> {
    const current = this.get(id);
    if (patch.role !== undefined && patch.role !== current.role && (patch.role === 'user' || current.role === 'user')) {
      throw new AccountError('role_not_changeable', 'a user account owns a customer: it cannot become staff, nor staff a user');
    }
    const changes: UserChanges = {
      ...(patch.email !== undefined && { email: patch.email }),
      ...(patch.displayName !== undefined && { displayName: patch.displayName }),
      ...(patch.role !== undefined && patch.role !== 'user' && { role: patch.role }),
      ...(patch.disabled !== undefined && { disabled: patch.disabled }),
    };
    if (patch.password !== undefined) {
      checkPassword(patch.password);
      changes.passwordHash = await this.#hash(patch.password);
    }
    const result = storeCall(() => this.#users.update(id, changes, this.#clock.now(), cause));
    return result ?? unknownUser(id);
  }

  /** Erases the person; the customer, wallet, ledger and bookings stay. `revokedTokens` are their ended sessions. */
  erase(id: string, cause: AccountCause = {}): { revokedTokens: string[] } {
    return this.#users.erase(id, this.#clock.now(), cause) ?? unknownUser(id);
  }

  /**
   * Logs in with a username or an email. Refusals: `login_throttled` (too many failures lately for this account or
   * this address: wait `retryAfterMs`), `invalid_credentials` (no such account, or the wrong password: one answer
   * for both), `account_disabled` (only to one who gave the right password).
   */
  async login(login: string, password: string, address: string): Promise<Session> {
    try {
      const session = await this.#login(login, password, address);
      this.#onLogin('ok');
      return session;
    } catch (error) {
      if (error instanceof AccountError) this.#onLogin(error.code);
      throw error;
    }
  }

  async #login(login: string, password: string, address: string): Promise<Session> {
    const user = this.#users.findForLogin(login);
    // Braked by the account, not by the name typed: its username in any case and its email share one count. A name
    // that finds no one is counted as typed; the prefixes keep such a name from ever being taken for an account's id.
    const account = user === undefined ? `login:${login.toLowerCase()}` : `user:${user.id}`;
    const decision = this.#limiter.check(account, address);
    if (!decision.allowed) {
      throw new AccountError('login_throttled', 'too many failed logins; wait before trying again', decision.retryAfterMs);
    }
    const ok = user === undefined ? await this.#verify(() => this.#hasher.dummyVerify(password))
      : await this.#verify(() => this.#hasher.verify(password, user.passwordHash));
    if (!ok || user === undefined) {
      this.#limiter.failed(account, address);
      throw new AccountError('invalid_credentials', 'the username, email or password is wrong');
    }
    this.#limiter.succeeded(account);
    if (user.disabledAt !== undefined) throw new AccountError('account_disabled', 'this account is disabled');
    const { passwordHash, ...publicUser } = user;
    if (this.#hasher.needsRehash(passwordHash)) await this.#rehash(user.id, password);
    const session: CreatedSession = this.#users.createSession(publicUser, this.#clock.now(), this.sessionTtlMs);
    return { id: session.id, token: session.token, expiresAt: new Date(session.expiresAtMs).toISOString(), user: publicUser };
  }

  /** Stores a hash of today's cost for a password that was hashed at an older one (best effort: a failure waits for the next login). */
  async #rehash(id: string, password: string): Promise<void> {
    try {
      const passwordHash = await this.#hasher.hash(password);
      this.#users.update(id, { passwordHash, rehash: true }, this.#clock.now());
    } catch {
      // The login itself is good; the next one tries again.
    }
  }

  #checkFree(username: string, email: string): void {
    // Usernames have no '@' (the API's schema), so this finds by username.
    const byName = this.#users.findForLogin(username);
    if (byName !== undefined) throw new AccountError('username_taken', `the username '${username}' is taken`);
    if (this.#users.findForLogin(email) !== undefined) throw new AccountError('email_taken', 'that email address has an account');
  }

  async #hash(password: string): Promise<string> {
    try {
      return await this.#hasher.hash(password);
    } catch (error) {
      throw busyOr(error);
    }
  }

  async #verify(run: () => Promise<boolean>): Promise<boolean> {
    try {
      return await run();
    } catch (error) {
      throw busyOr(error);
    }
  }
}

function checkPassword(password: string): void {
  const problem = checkPasswordPolicy(password);
  if (problem !== undefined) throw new AccountError('weak_password', problem);
}

function busyOr(error: unknown): unknown {
  if (error instanceof PasswordHasherBusyError) {
    return new AccountError('hasher_busy', 'too many password checks in progress; try again shortly', 1_000);
  }
  return error;
}

function unknownUser(id: string): never {
  throw new AccountError('unknown_user', `no user '${id}'`);
}

/** The store's uniqueness refusals (a race lost between the check and the write) as the accounts' own. */
function storeCall<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof StoreError && error.code === 'ERR_USERNAME_TAKEN') throw new AccountError('username_taken', error.message);
    if (error instanceof StoreError && error.code === 'ERR_EMAIL_TAKEN') throw new AccountError('email_taken', error.message);
    throw error;
  }
}
