/**
 * A TokenRegistry in memory for the HTTP tests: the real TokenAuthenticator runs over it, so the tests exercise the
 * same bearer parsing, cache and revocation as the server. Secrets come from a counter, so they are predictable.
 */
import { TokenAuthenticator, type TokenRegistry } from '../../src/auth/token-authenticator.ts';
import type { AppAuth } from '../../src/http/app.ts';
import {
  principalOf, type CreatedToken, type Principal, type RevokeResult, type TokenInfo, type TokenScope,
} from '../../src/domain/principal.ts';
import type { Clock } from '../../src/platform/clock.ts';
import { StoreError } from '../../src/store/store-error.ts';
import type { RateLimiters } from '../../src/auth/rate-limiter.ts';

interface Entry {
  secret: string;
  info: TokenInfo;
  scope: TokenScope;
  /** A session's account and end (see `createSession`). */
  userId?: string;
  expiresAtMs?: number;
}

export class MemoryTokens implements TokenRegistry {
  readonly #entries: Entry[] = [];
  /** How many times the authenticator asked: to see the cache at work. */
  lookups = 0;

  /** `knows` says whether a scope's customer or machine exists, as the store's tables would. */
  constructor(private readonly knows: (scope: TokenScope) => boolean = () => true) {}

  createToken(scope: TokenScope, nowMs: number, options: { scopeMustExist?: boolean } = {}): CreatedToken {
    if (options.scopeMustExist === true && !this.knows(scope)) {
      const [code, what] = scope.role === 'machine' ? ['ERR_UNKNOWN_MACHINE', scope.machineId] as const
        : ['ERR_UNKNOWN_CUSTOMER', scope.role === 'customer' ? scope.customerId : ''] as const;
      throw new StoreError(code, `no such ${scope.role} '${what}'`);
    }
    const n = this.#entries.length + 1;
    const id = `tok-${n}`;
    const secret = `tkd_${String(n).padStart(43, '0')}`;
    const info: TokenInfo = {
      id, role: scope.role,
      ...(scope.role === 'customer' && { customerId: scope.customerId }),
      ...(scope.role === 'machine' && { machineId: scope.machineId }),
      createdAt: new Date(nowMs).toISOString(),
    };
    this.#entries.push({ secret, info, scope });
    return { id, token: secret, ...scope };
  }

  /**
   * A session of account `userId`, as the store makes one at login: a token of `scope` with the account's id, ending
   * at `expiresAtMs` (never, when absent).
   */
  createSession(scope: TokenScope, userId: string, nowMs: number, expiresAtMs?: number): CreatedToken {
    const created = this.createToken(scope, nowMs);
    const entry = this.#entries.at(-1)!;
    entry.userId = userId;
    entry.info.userId = userId;
    if (expiresAtMs !== undefined) {
      entry.expiresAtMs = expiresAtMs;
      entry.info.expiresAt = new Date(expiresAtMs).toISOString();
    }
    return created;
  }

  findToken(secret: string, nowMs: number): Principal | undefined {
    this.lookups++;
    const entry = this.#entries.find((e) => e.secret === secret && live(e, nowMs));
    if (entry === undefined) return undefined;
    return {
      ...principalOf(entry.info.id, entry.scope), ...(entry.userId !== undefined && { userId: entry.userId }),
      ...(entry.expiresAtMs !== undefined && { expiresAtMs: entry.expiresAtMs }),
    };
  }

  tokenActive(id: string, nowMs: number): boolean {
    return this.#entries.some((e) => e.info.id === id && live(e, nowMs));
  }

  revokeToken(id: string, nowMs: number): RevokeResult {
    const entry = this.#entries.find((e) => e.info.id === id);
    if (entry === undefined) return 'unknown';
    if (entry.info.revokedAt !== undefined) return 'already_revoked';
    entry.info.revokedAt = new Date(nowMs).toISOString();
    return 'revoked';
  }

  listTokens(limit = 1_000): TokenInfo[] {
    return this.#entries.map((e) => ({ ...e.info })).reverse().slice(0, limit);
  }
}

function live(entry: Entry, nowMs: number): boolean {
  return entry.info.revokedAt === undefined && (entry.expiresAtMs === undefined || entry.expiresAtMs > nowMs);
}

export interface TestAuth {
  auth: AppAuth;
  tokens: MemoryTokens;
  authenticator: TokenAuthenticator;
  /** An admin token's secret, made first. */
  admin: string;
}

/**
 * A real authenticator over an in-memory token list that holds one admin token.
 *
 * @example
 * const { auth, admin } = testAuth(clock);
 * createApp({ engine, clock, auth, heartbeatMs, sseBufferBytes });
 */
export function testAuth(
  clock: Clock, limiters: Partial<RateLimiters> = {}, knows?: (scope: TokenScope) => boolean,
): TestAuth {
  const tokens = new MemoryTokens(knows);
  const authenticator = new TokenAuthenticator({ registry: tokens, clock });
  const admin = tokens.createToken({ role: 'admin' }, clock.now()).token;
  return { auth: { authenticator, ...limiters }, tokens, authenticator, admin };
}

