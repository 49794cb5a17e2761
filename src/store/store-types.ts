/**
 * Shapes that the store adds to the domain's (src/domain/types.ts): what goes into the group commit, what comes
 * out of it, the outbox notifications, dead letters and pages. Amounts are integer cents; times handed in are epoch
 * milliseconds (`…Ms`), times handed out are RFC 3339 strings.
 */
import type { BoxOfficeEventType, BoxOfficePayload } from '../box-office/booking-types.ts';
import type {
  Currency,
  Customer,
  Evaluation,
  Machine,
  PricingTable,
  RejectReason,
  Ride,
  Tap,
  Ticket,
  Tier,
} from '../domain/types.ts';

/** Where ticket ids come from (injected so tests are deterministic). */
export interface IdSource {
  next(prefix: string): string;
}

/** What the pipeline learnt about one tap, handed to the ledger's group commit; `replayOf` is the dead letter replayed. */
export type Outcome = (
  | { tap: Tap; kind: 'evaluated'; evaluation: Evaluation }
  | { tap: Tap; kind: 'failed'; reason: string; error: string; attempts: number; firstAtMs: number }
) & { replayOf?: number };

/** Kinds of rows in the event log (box-office-schema.ts); all but `tap.failed` and `customer.opened` are streamed. */
/** The account events (users.ts): in the domain event feed, never in a customer's stream. */
export type UserEventType = 'user.created' | 'user.updated' | 'user.deleted';

export type EventType = 'ticket.issued' | 'ticket.rejected' | 'balance.changed' | 'tap.failed' | 'customer.opened' | BoxOfficeEventType | UserEventType;

/** A decided tap's outcome as its first decision gave it (what a duplicate is answered with). */
export type DecidedOutcome =
  | { outcome: 'issued'; ticketId: string; price: number; balanceAfter: number }
  | { outcome: 'rejected' | 'failed'; reason: string };

/**
 * The answer for one tap of a request, once its batch committed. `duplicate`: the same machine sent the same tap
 * before; it carries that tap's outcome. `conflict`: the tap id is taken by another machine's tap or by a tap with
 * other content; it says nothing of that tap.
 */
export type TapResult =
  | { tapId: string; status: 'issued'; ticketId: string; price: number; balanceAfter: number }
  | { tapId: string; status: 'rejected' | 'failed'; reason: string }
  | ({ tapId: string; status: 'duplicate' } & DecidedOutcome)
  | { tapId: string; status: 'conflict' };

export interface TicketRejectedData {
  tapId: string;
  customerId: string;
  rideId: string;
  reason: RejectReason;
  message: string;
  tappedAt: string;
}

/** What moved a balance: a ticket (the debit of a tap) or a top-up. */
export type BalanceCause = { kind: 'ticket'; tapId: string; ticketId: string } | { kind: 'top-up'; topUpId: string };

export interface BalanceChangedData {
  customerId: string;
  balance: number;
  currency: Currency;
  /** Signed cents: negative for a debit. */
  change: number;
  cause: BalanceCause;
}

export type NotificationPayload =
  | { type: 'ticket.issued'; data: Ticket }
  | { type: 'ticket.rejected'; data: TicketRejectedData }
  | { type: 'balance.changed'; data: BalanceChangedData }
  | BoxOfficePayload;

export type NotificationType = NotificationPayload['type'];

/** One outbox row: `id` is the SSE event id, strictly increasing across the whole store. */
export type Notification = NotificationPayload & {
  id: number;
  customerId: string;
  createdAt: string;
};

export interface CommitResult {
  /** One result per outcome, in the order given. */
  results: TapResult[];
  /** The outbox rows written by this commit, in id order. */
  notifications: Notification[];
}

export type DeadLetterStatus = 'open' | 'replayed';

export interface DeadLetter {
  id: number;
  tapId: string;
  tap: Tap;
  reason: string;
  error?: string;
  attempts: number;
  firstAt: string;
  lastAt: string;
  status: DeadLetterStatus;
}

export interface CustomerInput {
  name: string;
  tier: Tier;
  /** Opening balance in cents (default 0); only for a new customer: given for an existing one it is refused. */
  balance?: number;
}

/** The fields of a customer to change; absent ones stay as they are. */
export interface CustomerPatch {
  name?: string;
  tier?: Tier;
}

export interface RideInput {
  name: string;
  price: number;
  open: boolean;
}

/** The demo park (or any starting catalog) that `seedIfEmpty` writes into an empty store. */
export interface ParkSeed {
  customers: Array<{ id: string; name: string; tier: Tier; balance: number }>;
  rides: Ride[];
  machines: Machine[];
  pricing: PricingTable;
}

export interface TicketPage {
  tickets: Ticket[];
  /** Opaque; pass it back to get the next (older) page. Absent on the last page. */
  nextCursor?: string;
}

export interface DeadLetterPage {
  deadLetters: DeadLetter[];
  nextCursor?: string;
}

export interface DeadLetterQuery {
  reason?: string;
  limit: number;
  cursor?: string;
}

export type TopUpResult =
  | { status: 'applied'; customer: Customer; notification: Notification }
  | { status: 'duplicate'; customer: Customer };

export interface BalanceAudit {
  customerId: string;
  balance: number;
  ledgerSum: number;
}
