/**
 * Who is calling: the roles of ticketd's API tokens and what each is scoped to. An `admin` may do everything; a
 * `manager` what an admin may but tokens (the catalogue, shows, bookings, customers, reports); a `machine` sends its
 * own taps and scans tickets; a `customer` reads and books for itself.
 */
import { z } from 'zod';
import { parseWith, type InputResult } from './input-error.ts';
import { Id, expected } from './request-bodies.ts';

export const ROLES = ['admin', 'manager', 'machine', 'customer'] as const;
export type Role = (typeof ROLES)[number];

/**
 * The authenticated caller of one request, as the token it presented says. A session (`POST /v1/sessions`) carries
 * its account's id and its end: an admin's or manager's session has their role, a `user` account's session is a
 * customer token of the account's own customer.
 */
export type Principal = (
  | { tokenId: string; role: 'admin' }
  | { tokenId: string; role: 'manager' }
  | { tokenId: string; role: 'machine'; machineId: string }
  | { tokenId: string; role: 'customer'; customerId: string }
) & { userId?: string; expiresAtMs?: number };

/** What a new token is for: the role and, for `machine` and `customer`, which one. */
export type TokenScope =
  | { role: 'admin' }
  | { role: 'manager' }
  | { role: 'machine'; machineId: string }
  | { role: 'customer'; customerId: string };

/** A token as listed: never its secret. Times are RFC 3339 (UTC). */
export interface TokenInfo {
  id: string;
  role: Role;
  customerId?: string;
  machineId?: string;
  /** A session's account. */
  userId?: string;
  createdAt: string;
  /** When a session ends; API tokens have none. */
  expiresAt?: string;
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
 * The body of `POST /v1/tokens` (and the flags of `ticketd token create`): `admin` names nothing, `machine` a
 * machine id, `customer` a customer id (ids as in paths). The id that does not go with the role is refused by
 * name rather than ignored.
 */
export const TokenScopeBody = z.strictObject({
  role: z.enum(ROLES, expected(`one of ${ROLES.join(', ')}`)),
  customerId: Id.optional(),
  machineId: Id.optional(),
}, { error: (issue) => (issue.code === 'invalid_type' ? 'must be a JSON object' : undefined) })
  .superRefine((scope, ctx) => {
    const needs = scope.role === 'machine' ? 'machineId' : scope.role === 'customer' ? 'customerId' : undefined;
    for (const field of ['customerId', 'machineId'] as const) {
      if (scope[field] === undefined && field === needs) {
        ctx.addIssue({ code: 'custom', path: [field], message: `is required for role ${scope.role}` });
      } else if (scope[field] !== undefined && field !== needs) {
        ctx.addIssue({ code: 'custom', path: [field], message: `is not allowed for role ${scope.role}` });
      }
    }
  })
  .transform((scope): TokenScope => {
    if (scope.role === 'machine') return { role: 'machine', machineId: scope.machineId as string };
    if (scope.role === 'customer') return { role: 'customer', customerId: scope.customerId as string };
    return { role: scope.role };
  })
  .meta({ id: 'TokenScope', example: { role: 'machine', machineId: 'gate-1' } });

/**
 * Checks a scope's shape with `TokenScopeBody`. Used by `ticketd token create`.
 *
 * @example
 * parseTokenScope({ role: 'machine', machineId: 'gate-1' });
 * // { ok: true, value: { role: 'machine', machineId: 'gate-1' } }
 */
export function parseTokenScope(body: unknown): InputResult<TokenScope> {
  return parseWith(TokenScopeBody, body);
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
