/**
 * What the API answers, as zod schemas: the OpenAPI document's response components, and what the contract test
 * checks every answer the HTTP tests receive against. Strict objects: a field the document does not list is a
 * contract break, not a detail.
 */
import { z } from '@hono/zod-openapi';
import { ROLES } from '../../domain/principal.ts';
import { Id, TierField } from '../../domain/request-bodies.ts';
import { TapBody } from '../../domain/tap-schema.ts';
import type { RejectReason } from '../../domain/types.ts';

const Cents = z.number().int().meta({ description: 'integer cents' });
const Time = z.string().meta({ description: 'RFC 3339', example: '2026-11-22T10:00:00.000Z' });

/** Why a tap was rejected (the validators' and the ledger's reasons), and why one failed (`worker_failed`). */
export const REJECT_REASONS = [
  'unknown_machine', 'invalid_signature', 'unknown_customer', 'unknown_ride', 'ride_closed', 'stale_tap',
  'insufficient_funds',
] as const satisfies readonly RejectReason[];
export const DEAD_LETTER_REASONS = [...REJECT_REASONS, 'worker_failed'] as const;
// Every RejectReason is listed: a reason added to the type and not here fails to compile.
const everyReasonListed: Exclude<RejectReason, (typeof REJECT_REASONS)[number]> extends never ? true : false = true;
void everyReasonListed;

export const Customer = z.strictObject({
  id: Id, name: z.string(), tier: TierField, balance: Cents, currency: z.literal('EUR'),
}).meta({ id: 'Customer', example: { id: 'customer-1', name: 'Ada Lovelace', tier: 'standard', balance: 10_000, currency: 'EUR' } });

export const Ride = z.strictObject({ id: Id, name: z.string(), price: Cents, open: z.boolean() })
  .meta({ id: 'Ride', example: { id: 'ride-a', name: 'Carousel', price: 500, open: true } });

export const Machine = z.strictObject({ id: Id, publicKey: z.string().optional() })
  .meta({ id: 'Machine', example: { id: 'gate-1' } });

const AppliedRule = z.strictObject({
  rule: z.string(), kind: z.enum(['peak', 'tier']), factorBp: z.number().int(), before: Cents, after: Cents,
}).meta({ id: 'AppliedRule' });

export const Ticket = z.strictObject({
  ticketId: z.string(), tapId: Id, customerId: Id, rideId: Id, basePrice: Cents, price: Cents, currency: z.literal('EUR'),
  rules: z.array(AppliedRule), balanceAfter: Cents, tappedAt: z.string(), issuedAt: Time,
}).meta({ id: 'Ticket' });

const Issued = { ticketId: z.string(), price: Cents, balanceAfter: Cents };
const Reason = z.string().meta({ description: `a rejection (${REJECT_REASONS.join(', ')}) or a failure (worker_failed)` });

/** One tap's answer: decided now, a duplicate of a decision (with its outcome), or a conflict with another tap. */
export const TapResult = z.union([
  z.strictObject({ tapId: Id, status: z.literal('issued'), ...Issued }),
  z.strictObject({ tapId: Id, status: z.enum(['rejected', 'failed']), reason: Reason }),
  z.strictObject({ tapId: Id, status: z.literal('duplicate'), outcome: z.literal('issued'), ...Issued }),
  z.strictObject({ tapId: Id, status: z.literal('duplicate'), outcome: z.enum(['rejected', 'failed']), reason: Reason }),
  z.strictObject({ tapId: Id, status: z.literal('conflict') }),
]).meta({ id: 'TapResult' });

export const TapResults = z.strictObject({ taps: z.array(TapResult) }).meta({
  example: { taps: [{ tapId: 'tap-1', status: 'issued', ticketId: 'tk-1', price: 500, balanceAfter: 9_500 }] },
});

export const TapState = z.strictObject({
  tapId: Id, status: z.enum(['issued', 'rejected', 'failed']), reason: Reason.optional(), ticket: Ticket.optional(),
}).meta({ id: 'TapState', example: { tapId: 'tap-2', status: 'rejected', reason: 'ride_closed' } });

export const TopUpAnswer = z.strictObject({ status: z.enum(['applied', 'duplicate']), customer: Customer }).meta({
  example: { status: 'applied', customer: { id: 'customer-1', name: 'Ada Lovelace', tier: 'standard', balance: 12_500, currency: 'EUR' } },
});

const NextCursor = z.string().nullable().meta({ description: 'pass as ?cursor= for the next (older) page; null on the last' });

export const TicketPage = z.strictObject({ tickets: z.array(Ticket), nextCursor: NextCursor })
  .meta({ example: { tickets: [], nextCursor: null } });

export const DeadLetter = z.strictObject({
  id: z.number().int().min(1), tapId: Id, tap: TapBody, reason: Reason, error: z.string().optional(),
  attempts: z.number().int(), firstAt: Time, lastAt: Time, status: z.enum(['open', 'replayed']),
}).meta({ id: 'DeadLetter' });

export const DeadLetterPage = z.strictObject({ deadLetters: z.array(DeadLetter), nextCursor: NextCursor })
  .meta({ example: { deadLetters: [], nextCursor: null } });

export const TokenInfo = z.strictObject({
  id: z.string(), role: z.enum(ROLES), customerId: Id.optional(), machineId: Id.optional(),
  userId: z.string().optional().meta({ description: "a session's account (POST /v1/sessions)" }), createdAt: Time,
  expiresAt: Time.optional().meta({ description: 'when a session ends; API tokens have none' }), revokedAt: Time.optional(),
}).meta({ id: 'TokenInfo' });

export const CreatedToken = z.strictObject({
  id: z.string(), token: z.string().meta({ description: 'the secret: shown in this answer only' }), role: z.enum(ROLES),
  customerId: Id.optional(), machineId: Id.optional(),
}).meta({ id: 'CreatedToken', example: { id: 'tok-7', token: `tkd_${'x'.repeat(43)}`, role: 'machine', machineId: 'gate-1' } });
