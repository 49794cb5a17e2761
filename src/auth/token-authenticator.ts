/**
 * Who sent a request: the Authorization header's bearer token looked up in the store, through a bounded LRU cache
 * so the hot path (every tap batch) seldom touches SQLite. Revoking through this authenticator drops the token from
 * the cache at once; a token revoked by another process (`ticketd token revoke` on the same database) stops working
 * when its cache entry expires, after at most `cacheTtlMs`.
 */
import type { CreatedToken, Principal, RevokeResult, TokenInfo, TokenScope } from '../domain/principal.ts';
import { bearerSecret, hashTokenSecret } from '../domain/token-secret.ts';
import type { Clock } from '../platform/clock.ts';
import { LruMap } from './lru-map.ts';

/** Turns an Authorization header into the caller, or `undefined` for a missing, unknown or revoked token. */
export interface Authenticator {
  authenticate(header: string | undefined): Principal | undefined;
  /**
   * Like `authenticate` for a token seen valid lately (still in the cache, fresh or not); any other token is
   * `undefined` without a store lookup. For callers that must not cost lookups, such as an address flooding
   * unknown tokens.
   */
  authenticateKnown(header: string | undefined): Principal | undefined;
}

/** Where tokens live: the TicketStore in ticketd, an in-memory list in tests. */
export interface TokenRegistry {
  /**
   * With `scopeMustExist`, refuses (StoreError `ERR_UNKNOWN_CUSTOMER` / `ERR_UNKNOWN_MACHINE`) a token for a
   * customer or machine the registry does not know.
   */
  createToken(scope: TokenScope, nowMs: number, options?: { scopeMustExist?: boolean }): CreatedToken;
  /** A session past its end (`expiresAtMs` at or before `nowMs`) is not found. */
  findToken(secret: string, nowMs: number): Principal | undefined;
  revokeToken(id: string, nowMs: number): RevokeResult;
  listTokens(limit?: number): TokenInfo[];
  /** Whether the token with this id exists and is neither revoked (by this process or another) nor expired. */
  tokenActive(id: string, nowMs: number): boolean;
}

/** The admin side of tokens, as the `/v1/tokens` routes use it. */
export interface TokenAdmin {
  /** Only for a customer or machine that exists (else StoreError `ERR_UNKNOWN_CUSTOMER` / `ERR_UNKNOWN_MACHINE`). */
  create(scope: TokenScope): CreatedToken;
  revoke(id: string): RevokeResult;
  list(): TokenInfo[];
  /** Whether a token id is still good: open event streams are checked with it (see SseHub). */
  isActive(id: string): boolean;
  /** Drops tokens revoked elsewhere (by the accounts) from the cache at once. */
  forget(ids: readonly string[]): void;
}

export interface TokenAuthenticatorOptions {
  registry: TokenRegistry;
  clock: Clock;
  /** Tokens kept in memory; the least recently used goes first. Default 10,000. */
  cacheCapacity?: number;
  /** How long a cached token is trusted before it is looked up again. Default 5,000 ms. */
  cacheTtlMs?: number;
}

export const TOKEN_CACHE_CAPACITY_DEFAULT = 10_000;
export const TOKEN_CACHE_TTL_MS_DEFAULT = 5_000;

interface CacheEntry {
  principal: Principal;
  expiresAtMs: number;
}

/**
 * @example
 * const auth = new TokenAuthenticator({ registry: store, clock: systemClock });
 * auth.authenticate('Bearer tkd_…'); // { tokenId: 'tok-…', role: 'machine', machineId: 'gate-1' }
 */
export class TokenAuthenticator implements Authenticator, TokenAdmin {
  readonly #registry: TokenRegistry;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  /** Keyed by the secret's hash, so the cache holds no secrets. Only known tokens are cached: junk cannot evict. */
  readonly #cache: LruMap<string, CacheEntry>;

  constructor(options: TokenAuthenticatorOptions) {
    this.#registry = options.registry;
    this.#clock = options.clock;
    const capacity = options.cacheCapacity ?? TOKEN_CACHE_CAPACITY_DEFAULT;
    this.#ttlMs = options.cacheTtlMs ?? TOKEN_CACHE_TTL_MS_DEFAULT;
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`TokenAuthenticator option cacheCapacity must be a positive integer, got ${capacity}`);
    }
    if (!Number.isSafeInteger(this.#ttlMs) || this.#ttlMs < 0) {
      throw new RangeError(`TokenAuthenticator option cacheTtlMs must be a non-negative integer, got ${this.#ttlMs}`);
    }
    this.#cache = new LruMap(capacity);
  }

  /** Cached tokens, for tests of the bound. */
  get cacheSize(): number {
    return this.#cache.size;
  }

  authenticate(header: string | undefined): Principal | undefined {
    return this.#authenticate(header, true);
  }

  authenticateKnown(header: string | undefined): Principal | undefined {
    // An expired entry is looked up again: only tokens that were valid get into the cache and a failed lookup drops
    // the entry, so this costs at most one lookup per such token and cacheTtlMs.
    return this.#authenticate(header, false);
  }

  #authenticate(header: string | undefined, lookUpUnknown: boolean): Principal | undefined {
    const secret = bearerSecret(header);
    if (secret === undefined) return undefined;
    const hash = hashTokenSecret(secret);
    const nowMs = this.#clock.now();
    const cached = this.#cache.get(hash);
    if (cached !== undefined && cached.expiresAtMs > nowMs) return cached.principal;
    if (cached === undefined && !lookUpUnknown) return undefined;
    const principal = this.#registry.findToken(secret, nowMs);
    if (principal === undefined) {
      this.#cache.delete(hash);
      return undefined;
    }
    // A session is trusted no longer than it lives.
    this.#cache.set(hash, { principal, expiresAtMs: Math.min(nowMs + this.#ttlMs, principal.expiresAtMs ?? Infinity) });
    return principal;
  }

  create(scope: TokenScope): CreatedToken {
    return this.#registry.createToken(scope, this.#clock.now(), { scopeMustExist: true });
  }

  revoke(id: string): RevokeResult {
    const result = this.#registry.revokeToken(id, this.#clock.now());
    this.#cache.deleteWhere((entry) => entry.principal.tokenId === id);
    return result;
  }

  list(): TokenInfo[] {
    return this.#registry.listTokens();
  }

  isActive(id: string): boolean {
    return this.#registry.tokenActive(id, this.#clock.now());
  }

  /** Forgets cached tokens by id (sessions ended by logging out or by their account being disabled or erased). */
  forget(ids: readonly string[]): void {
    if (ids.length === 0) return;
    const gone = new Set(ids);
    this.#cache.deleteWhere((entry) => gone.has(entry.principal.tokenId));
  }
}
