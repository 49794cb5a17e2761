/**
 * Who is calling: the roles of ticketd's API tokens and what each is scoped to. An `admin` may do everything; a
 * `machine` may only send its own taps; a `customer` may only read its own data and event stream.
 */
import { idProblem, shapeFailure } from './field-checks.ts';
import { fail, type InputResult } from './input-error.ts';

export const ROLES = ['admin', 'machine', 'customer'] as const;
export type Role = (typeof ROLES)[number];

/** The authenticated caller of one request, as the token it presented says. */
export type Principal =
  | { tokenId: string; role: 'admin' }
  | { tokenId: string; role: 'machine'; machineId: string }
  | { tokenId: string; role: 'customer'; customerId: string };

/** What a new token is for: the role and, for `machine` and `customer`, which one. */
export type TokenScope =
  | { role: 'admin' }
  | { role: 'machine'; machineId: string }
  | { role: 'customer'; customerId: string };

/** A token as listed: never its secret. Times are RFC 3339 (UTC). */
export interface TokenInfo {
  id: string;
  role: Role;
  customerId?: string;
  machineId?: string;
  createdAt: string;
  revokedAt?: string;
}

/** A token just created: the only moment its secret (`token`) is known outside the caller's hands. */
export interface CreatedToken {
  id: string;
  token: string;
  role: Role;
  customerId?: string;
  machineId?: string;
}

/** What revoking a token id did; revoking twice is harmless and says so. */
export type RevokeResult = 'revoked' | 'already_revoked' | 'unknown';

/**
 * Checks a scope's shape: `admin` names nothing, `machine` a machine id, `customer` a customer id (ids as in
 * paths). Used by `POST /v1/tokens`, the `ticketd token create` command and the store.
 *
 * @example
 * parseTokenScope({ role: 'machine', machineId: 'gate-1' });
 * // { ok: true, value: { role: 'machine', machineId: 'gate-1' } }
 */
export function parseTokenScope(body: unknown): InputResult<TokenScope> {
  const shape = shapeFailure(body, '', ['role', 'customerId', 'machineId']);
  if (shape !== null) return shape;
  const { role, customerId, machineId } = body as Record<string, unknown>;
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
    return fail('invalid_field', 'role', `must be one of ${ROLES.join(', ')}`);
  }
  const needs = role === 'machine' ? 'machineId' : role === 'customer' ? 'customerId' : undefined;
  for (const [field, value] of [['customerId', customerId], ['machineId', machineId]] as const) {
    if (value === undefined) {
      if (field === needs) return fail('invalid_field', field, `is required for role ${role}`);
      continue;
    }
    if (field !== needs) return fail('invalid_field', field, `is not allowed for role ${role}`);
    const problem = idProblem(value);
    if (problem !== null) return fail('invalid_field', field, problem);
  }
  if (role === 'machine') return { ok: true, value: { role, machineId: machineId as string } };
  if (role === 'customer') return { ok: true, value: { role, customerId: customerId as string } };
  return { ok: true, value: { role: 'admin' } };
}

/**
 * The principal a token of `scope` with id `tokenId` stands for.
 *
 * @example
 * principalOf('tok-1', { role: 'customer', customerId: 'customer-1' });
 * // { tokenId: 'tok-1', role: 'customer', customerId: 'customer-1' }
 */
export function principalOf(tokenId: string, scope: TokenScope): Principal {
  return { tokenId, ...scope };
}
