/**
 * User accounts (accounts-schema.ts): the people who log in. Every change to an account is a `user.*` event of the
 * `user` aggregate in the same transaction, so the domain event feed has it; the events carry ids, the role and what
 * changed, never a name, an email or a password, so erasing a person (`erase`) leaves nothing of them in the log.
 *
 * Sessions are tokens (tokens.ts) with the account's id and an expiry. Disabling or erasing an account revokes them
 * in the same transaction.
 */
import type Database from 'better-sqlite3';
import { hashTokenSecret, newTokenSecret } from '../domain/token-secret.ts';
import type { SecretSource } from '../platform/secrets.ts';
import { appendAggregateEvent } from './commit-batch.ts';
import { checkLimit, decodeCursor, encodeCursor } from './page-cursor.ts';
import { iso } from './rows.ts';
import type { StoreContext } from './statements.ts';
import { StoreError } from './store-error.ts';

export const ACCOUNT_ROLES = ['admin', 'manager', 'user'] as const;
export type AccountRole = (typeof ACCOUNT_ROLES)[number];

/** An account as the API shows it. Times are RFC 3339 (UTC). */
export interface User {
  id: string;
  username: string;
  email: string;
  displayName: string;
  role: AccountRole;
  /** A `user`'s own customer: its wallet, taps and bookings. */
  customerId?: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  disabledAt?: string;
}

/** An account with what only the store and the login see. */
export interface StoredUser extends User {
  passwordHash: string;
}

export interface NewUser {
  username: string;
  email: string;
  displayName: string;
  role: AccountRole;
  customerId?: string;
  passwordHash: string;
}

/** The fields a PATCH may change; `passwordHash` is a new password already hashed. */
export interface UserChanges {
  email?: string;
  displayName?: string;
  role?: Exclude<AccountRole, 'user'>;
  disabled?: boolean;
  passwordHash?: string;
  /** `passwordHash` is the same password hashed anew at today's cost (a login's rehash): no session ends for it. */
  rehash?: boolean;
}

export interface UserQuery {
  role?: AccountRole;
  /** Part of the username, email or display name, any case. */
  q?: string;
  limit: number;
  cursor?: string;
}

export interface UserPage {
  users: User[];
  nextCursor?: string;
}

/** What causes an account's event: the request's id, both its correlation and its cause. */
export interface AccountCause {
  requestId?: string;
}

export interface CreatedSession {
  id: string;
  token: string;
  expiresAtMs: number;
}

interface UserRow {
  id: string;
  username: string | null;
  email: string | null;
  display_name: string | null;
  role: AccountRole;
  customer_id: string | null;
  password_hash: string | null;
  version: number;
  created_at: number;
  updated_at: number;
  disabled_at: number | null;
  deleted_at: number | null;
  seq: number;
}

const COLUMNS = 'id, username, email, display_name, role, customer_id, password_hash, version, created_at, updated_at, disabled_at, deleted_at, seq';

function prepare(db: Database.Database) {
  const live = 'deleted_at IS NULL';
  return {
    insert: db.prepare<[UserRow], unknown>(
      `INSERT INTO users (${COLUMNS}) VALUES (@id, @username, @email, @display_name, @role, @customer_id, @password_hash, @version,
       @created_at, @updated_at, @disabled_at, @deleted_at, @seq)`,
    ),
    nextSeq: db.prepare<[], number>('SELECT coalesce(max(seq), 0) + 1 FROM users').pluck(),
    byId: db.prepare<[string], UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = ? AND ${live}`),
    byUsername: db.prepare<[string], UserRow>(`SELECT ${COLUMNS} FROM users WHERE username = ? COLLATE NOCASE AND ${live}`),
    byEmail: db.prepare<[string], UserRow>(`SELECT ${COLUMNS} FROM users WHERE email = ? COLLATE NOCASE AND ${live}`),
    byCustomer: db.prepare<[string], UserRow>(`SELECT ${COLUMNS} FROM users WHERE customer_id = ? AND ${live}`),
    // Few accounts per page and an admin's occasional read: a scan in seq order with the filters is enough.
    list: db.prepare<[{ after: number; role: string | null; pattern: string | null; limit: number }], UserRow>(
      `SELECT ${COLUMNS} FROM users
       WHERE ${live} AND seq > @after AND (@role IS NULL OR role = @role)
         AND (@pattern IS NULL OR username LIKE @pattern ESCAPE '\\' OR email LIKE @pattern ESCAPE '\\'
              OR display_name LIKE @pattern ESCAPE '\\')
       ORDER BY seq LIMIT @limit`,
    ),
    update: db.prepare<[UserRow], unknown>(
      `UPDATE users SET email = @email, display_name = @display_name, role = @role, password_hash = @password_hash,
       version = @version, updated_at = @updated_at, disabled_at = @disabled_at WHERE id = @id`,
    ),
    // Named parameters: with numbered ones (?1 twice, then ?2) better-sqlite3 refused the two values as too many.
    erase: db.prepare<[{ now: number; id: string }], unknown>(
      `UPDATE users SET username = NULL, email = NULL, display_name = NULL, password_hash = NULL, version = version + 1,
       updated_at = @now, deleted_at = @now WHERE id = @id`,
    ),
    eraseCustomerName: db.prepare<[string], unknown>("UPDATE customers SET name = '(erased)' WHERE id = ?"),
    insertSession: db.prepare<[{ id: string; hash: string; role: string; customer_id: string | null; user_id: string; created_at: number; expires_at: number }], unknown>(
      `INSERT INTO tokens (id, hash, role, customer_id, machine_id, created_at, revoked_at, user_id, expires_at)
       VALUES (@id, @hash, @role, @customer_id, NULL, @created_at, NULL, @user_id, @expires_at)`,
    ),
    liveTokensOf: db.prepare<[string], string>('SELECT id FROM tokens WHERE user_id = ? AND revoked_at IS NULL').pluck(),
    revokeTokensOf: db.prepare<[number, string], unknown>('UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL'),
  };
}

/**
 * @example
 * const users = new UserStore(ctx, secrets, run);
 * const user = users.create({ username: 'ada', email: 'ada@example.com', displayName: 'Ada', role: 'admin', passwordHash }, nowMs);
 * users.createSession(user, nowMs, 12 * 3_600_000).token; // 'tkd_…'
 */
export class UserStore {
  readonly #ctx: StoreContext;
  readonly #st: ReturnType<typeof prepare>;
  readonly #secrets: SecretSource;
  readonly #run: <T>(fn: () => T) => T;
  readonly #tx: <T>(fn: () => T) => T;

  constructor(ctx: StoreContext, secrets: SecretSource, run: <T>(fn: () => T) => T) {
    this.#ctx = ctx;
    this.#st = prepare(ctx.db);
    this.#secrets = secrets;
    this.#run = run;
    this.#tx = <T>(fn: () => T): T => run(() => ctx.db.transaction(fn).immediate());
  }

  /**
   * Creates an account; StoreError `ERR_USERNAME_TAKEN` / `ERR_EMAIL_TAKEN` when another live account has that
   * username or email (any case). Its customer, for a `user`, must exist already.
   */
  create(input: NewUser, nowMs: number, cause: AccountCause = {}): User {
    return this.#tx(() => {
      this.#checkFree(input.username, input.email, undefined);
      if ((input.role === 'user') !== (input.customerId !== undefined)) {
        throw new StoreError('ERR_INVALID_ARGUMENT', 'a user account has a customer, and only a user account has one');
      }
      const row: UserRow = {
        id: this.#ctx.ids.next('usr'), username: input.username, email: input.email, display_name: input.displayName,
        role: input.role, customer_id: input.customerId ?? null, password_hash: input.passwordHash, version: 1,
        created_at: nowMs, updated_at: nowMs, disabled_at: null, deleted_at: null, seq: this.#st.nextSeq.get() as number,
      };
      this.#st.insert.run(row);
      this.#event('user.created', row, { role: row.role, ...(row.customer_id !== null && { customerId: row.customer_id }) }, nowMs, cause);
      return userOf(row);
    });
  }

  get(id: string): User | undefined {
    return this.#run(() => {
      const row = this.#st.byId.get(id);
      return row === undefined ? undefined : userOf(row);
    });
  }

  /** The live account whose username or email (any case) is `login`, with its password hash: for logging in. */
  findForLogin(login: string): StoredUser | undefined {
    return this.#run(() => {
      const row = login.includes('@') ? this.#st.byEmail.get(login) : this.#st.byUsername.get(login);
      return row === undefined ? undefined : { ...userOf(row), passwordHash: row.password_hash as string };
    });
  }

  /** The live account of a customer, if a person owns it. */
  ofCustomer(customerId: string): User | undefined {
    return this.#run(() => {
      const row = this.#st.byCustomer.get(customerId);
      return row === undefined ? undefined : userOf(row);
    });
  }

  list(query: UserQuery): UserPage {
    checkLimit(query.limit);
    const after = query.cursor === undefined ? 0 : decodeCursor(query.cursor);
    return this.#run(() => {
      const rows = this.#st.list.all({
        after, role: query.role ?? null, limit: query.limit + 1,
        pattern: query.q === undefined || query.q === '' ? null : `%${query.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`,
      });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return { users: page.map(userOf), ...(rows.length > query.limit && last !== undefined && { nextCursor: encodeCursor(last.seq) }) };
    });
  }

  /**
   * Applies `changes`; undefined for no such live account. Disabling revokes the account's sessions: their ids are
   * in `revokedTokens`, so the caller can end their streams.
   */
  update(id: string, changes: UserChanges, nowMs: number, cause: AccountCause = {}): { user: User; revokedTokens: string[] } | undefined {
    return this.#tx(() => {
      const row = this.#st.byId.get(id);
      if (row === undefined) return undefined;
      if (changes.email !== undefined) this.#checkFree(undefined, changes.email, id);
      if (changes.role !== undefined && row.role === 'user') {
        throw new StoreError('ERR_INVALID_ARGUMENT', 'a user account stays a user: it owns a customer');
      }
      const next: UserRow = {
        ...row,
        email: changes.email ?? row.email, display_name: changes.displayName ?? row.display_name, role: changes.role ?? row.role,
        password_hash: changes.passwordHash ?? row.password_hash,
        disabled_at: changes.disabled === undefined ? row.disabled_at : changes.disabled ? row.disabled_at ?? nowMs : null,
      };
      const changed = (['email', 'display_name', 'role', 'password_hash', 'disabled_at'] as const).filter((k) => next[k] !== row[k]);
      if (changed.length === 0) return { user: userOf(row), revokedTokens: [] };
      next.version = row.version + 1;
      next.updated_at = nowMs;
      this.#st.update.run(next);
      // A new password or a role or access taken away ends the sessions made under the old one.
      const newPassword = changed.includes('password_hash') && changes.rehash !== true;
      const revoke = newPassword || changed.includes('role') || (next.disabled_at !== null && row.disabled_at === null);
      const revokedTokens = revoke ? this.#revokeSessions(id, nowMs) : [];
      this.#event('user.updated', next, { changed: changed.map(fieldName) }, nowMs, cause);
      return { user: userOf(next), revokedTokens };
    });
  }

  /**
   * Erases the person: username, email, display name and password are gone, and so is the name of their customer;
   * the account's id, its customer, wallet, ledger and bookings stay. Undefined for no such live account.
   */
  erase(id: string, nowMs: number, cause: AccountCause = {}): { revokedTokens: string[] } | undefined {
    return this.#tx(() => {
      const row = this.#st.byId.get(id);
      if (row === undefined) return undefined;
      const revokedTokens = this.#revokeSessions(id, nowMs);
      this.#st.erase.run({ now: nowMs, id });
      if (row.customer_id !== null) this.#st.eraseCustomerName.run(row.customer_id);
      this.#event('user.deleted', { ...row, version: row.version + 1 }, {}, nowMs, cause);
      return { revokedTokens };
    });
  }

  /** A session for a live, enabled account: a token of the account's role that ends after `ttlMs`. */
  createSession(user: User, nowMs: number, ttlMs: number): CreatedSession {
    return this.#tx(() => {
      const id = this.#ctx.ids.next('ses');
      const token = newTokenSecret(this.#secrets);
      const role = user.role === 'user' ? 'customer' : user.role;
      const expiresAtMs = nowMs + ttlMs;
      this.#st.insertSession.run({
        id, hash: hashTokenSecret(token), role, customer_id: user.customerId ?? null, user_id: user.id, created_at: nowMs,
        expires_at: expiresAtMs,
      });
      return { id, token, expiresAtMs };
    });
  }

  #revokeSessions(userId: string, nowMs: number): string[] {
    const ids = this.#st.liveTokensOf.all(userId);
    this.#st.revokeTokensOf.run(nowMs, userId);
    return ids;
  }

  #checkFree(username: string | undefined, email: string | undefined, self: string | undefined): void {
    const byName = username === undefined ? undefined : this.#st.byUsername.get(username);
    if (byName !== undefined && byName.id !== self) throw new StoreError('ERR_USERNAME_TAKEN', `the username '${username}' is taken`);
    const byEmail = email === undefined ? undefined : this.#st.byEmail.get(email);
    if (byEmail !== undefined && byEmail.id !== self) throw new StoreError('ERR_EMAIL_TAKEN', 'that email address has an account');
  }

  #event(type: 'user.created' | 'user.updated' | 'user.deleted', row: UserRow, extra: object, nowMs: number, cause: AccountCause): void {
    appendAggregateEvent(this.#ctx, type, {
      aggregateType: 'user', aggregateId: row.id, correlationId: cause.requestId ?? null, causationId: cause.requestId ?? null,
    }, JSON.stringify({ userId: row.id, version: row.version, ...extra }), nowMs);
  }
}

function userOf(row: UserRow): User {
  return {
    id: row.id, username: row.username as string, email: row.email as string, displayName: row.display_name as string, role: row.role,
    ...(row.customer_id !== null && { customerId: row.customer_id }),
    version: row.version, createdAt: iso(row.created_at), updatedAt: iso(row.updated_at),
    ...(row.disabled_at !== null && { disabledAt: iso(row.disabled_at) }),
  };
}

function fieldName(column: string): string {
  return column === 'display_name' ? 'displayName' : column === 'password_hash' ? 'password' : column === 'disabled_at' ? 'disabled' : column;
}
