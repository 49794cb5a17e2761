/**
 * API tokens in the store. A token's secret is handed out once, by `createToken`, and never stored: the table holds
 * its SHA-256, so a copy of the database (or a backup) grants nothing. A lookup hashes the presented secret and
 * finds the row by its unique hash.
 */
import {
  principalOf, type CreatedToken, type Principal, type RevokeResult, type TokenInfo, type TokenScope,
} from '../domain/principal.ts';
import { hashTokenSecret, isTokenSecret, newTokenSecret } from '../domain/token-secret.ts';
import { idProblem } from '../domain/field-checks.ts';
import type { SecretSource } from '../platform/secrets.ts';
import { checkTimeMs } from './check-input.ts';
import { iso, type TokenRow } from './rows.ts';
import type { StoreContext } from './statements.ts';
import { StoreError } from './store-error.ts';

export type { RevokeResult } from '../domain/principal.ts';

/** Most tokens one `listTokens` call returns. */
export const TOKEN_LIST_MAX = 1_000;

export interface CreateTokenOptions {
  /**
   * Refuse a token for a customer or machine the store does not hold. The API and `ticketd token create` ask for
   * it; the demo credentials do not, because they are minted before the demo park they name is seeded.
   */
  scopeMustExist?: boolean;
}

/** Runs inside a write transaction. The secret goes to the caller and nowhere else. */
export function createToken(
  { st, ids }: StoreContext, secrets: SecretSource, scope: TokenScope, nowMs: number, options: CreateTokenOptions = {},
): CreatedToken {
  checkScope(scope);
  checkTimeMs(nowMs, 'nowMs');
  if (options.scopeMustExist === true) {
    if (scope.role === 'customer' && st.getCustomer.get(scope.customerId) === undefined) {
      throw new StoreError('ERR_UNKNOWN_CUSTOMER', `no customer '${scope.customerId}'`);
    }
    if (scope.role === 'machine' && st.machineExists.get(scope.machineId) === 0) {
      throw new StoreError('ERR_UNKNOWN_MACHINE', `no machine '${scope.machineId}'`);
    }
  }
  const id = ids.next('tok');
  const token = newTokenSecret(secrets);
  const customerId = scope.role === 'customer' ? scope.customerId : null;
  const machineId = scope.role === 'machine' ? scope.machineId : null;
  st.insertToken.run({
    id, hash: hashTokenSecret(token), role: scope.role, customer_id: customerId, machine_id: machineId,
    created_at: nowMs, revoked_at: null,
  });
  return { id, token, ...scope };
}

/** The principal of a known token that is neither revoked nor (a session past its end) expired, or `undefined`. */
export function findToken({ st }: StoreContext, secret: string, nowMs: number): Principal | undefined {
  if (typeof secret !== 'string' || !isTokenSecret(secret)) return undefined;
  const row = st.tokenByHash.get(hashTokenSecret(secret));
  if (row === undefined || !live(row, nowMs)) return undefined;
  return {
    ...principalOf(row.id, scopeOf(row)),
    ...(row.user_id !== null && { userId: row.user_id }),
    ...(row.expires_at !== null && { expiresAtMs: row.expires_at }),
  };
}

function live(row: TokenRow, nowMs: number): boolean {
  return row.revoked_at === null && (row.expires_at === null || row.expires_at > nowMs);
}

/** Runs inside a write transaction. Revoking twice is harmless and says so. */
export function revokeToken({ st }: StoreContext, id: string, nowMs: number): RevokeResult {
  checkTimeMs(nowMs, 'nowMs');
  if (st.revokeToken.run(nowMs, id).changes === 1) return 'revoked';
  return st.tokenById.get(id) === undefined ? 'unknown' : 'already_revoked';
}

/** Whether a token id names a token that exists and is neither revoked nor expired. */
export function tokenActive({ st }: StoreContext, id: string, nowMs: number): boolean {
  const row = st.tokenById.get(id);
  return row !== undefined && live(row, nowMs);
}

/** Tokens newest first, at most `limit` (1..1000), without secrets or hashes. */
export function listTokens({ st }: StoreContext, limit: number): TokenInfo[] {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > TOKEN_LIST_MAX) {
    throw new StoreError('ERR_INVALID_ARGUMENT', `limit must be an integer in [1, ${TOKEN_LIST_MAX}], got ${limit}`);
  }
  return st.listTokens.all(limit).map(tokenInfoFromRow);
}

function scopeOf(row: TokenRow): TokenScope {
  // The CHECK constraints of the table guarantee the id that goes with the role.
  if (row.role === 'machine') return { role: 'machine', machineId: row.machine_id as string };
  if (row.role === 'customer') return { role: 'customer', customerId: row.customer_id as string };
  return { role: row.role === 'manager' ? 'manager' : 'admin' };
}

function tokenInfoFromRow(row: TokenRow): TokenInfo {
  return {
    id: row.id,
    role: row.role,
    ...(row.customer_id !== null && { customerId: row.customer_id }),
    ...(row.machine_id !== null && { machineId: row.machine_id }),
    ...(row.user_id !== null && { userId: row.user_id }),
    createdAt: iso(row.created_at),
    ...(row.expires_at !== null && { expiresAt: iso(row.expires_at) }),
    ...(row.revoked_at !== null && { revokedAt: iso(row.revoked_at) }),
  };
}

function checkScope(scope: TokenScope): void {
  const id = scope.role === 'machine' ? scope.machineId : scope.role === 'customer' ? scope.customerId : undefined;
  const known = scope.role === 'admin' || scope.role === 'manager' || scope.role === 'machine' || scope.role === 'customer';
  if (!known || (scope.role !== 'admin' && scope.role !== 'manager' && idProblem(id) !== null)) {
    throw new StoreError('ERR_INVALID_ARGUMENT', `not a token scope: ${JSON.stringify(scope)}`);
  }
}
