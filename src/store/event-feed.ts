/**
 * The domain event feed (issue 11): the whole event log in id order, each row in the feed's envelope
 * `{ eventId, type, occurredAt, aggregateType, aggregateId, version, correlationId, causationId, data }`.
 *
 * The envelope is derived where the row leaves it out (accounts-schema.ts): a customer's own events (taps decided,
 * top-ups, the opening balance) are the `customer` aggregate of their `customer_id`. The tap path writes no
 * correlation, so that a tap costs no more text: a tap's event is correlated by its tap id (what a machine sends
 * again when it retries, and what `GET /v1/taps/:tapId` answers) and has no causation id. A top-up written before
 * its request id was recorded is correlated by its top-up id in the same way.
 *
 * A page never reads more than FEED_SCAN_ROWS_MAX rows of the log, however selective its filters: ids are handed out
 * in order with no gaps by the log's one writer, so the page reads the id range `(after, after + FEED_SCAN_ROWS_MAX]`
 * through the primary key and filters inside it. A rare type therefore answers a page with few (or no) events and a
 * `nextCursor` past the range read, and the client asks again from there, each request costing a bounded read.
 */
import type Database from 'better-sqlite3';
import { EVENT_TYPES_V8 } from './accounts-schema.ts';
import { checkLimit } from './page-cursor.ts';
import { iso, notificationFromEvent, type EventRow } from './rows.ts';
import { EVENT_READ_COLUMNS } from './statements.ts';
import { StoreError } from './store-error.ts';

/** Every type of the feed. */
export const FEED_EVENT_TYPES = EVENT_TYPES_V8;
export type FeedEventType = (typeof FEED_EVENT_TYPES)[number];

/** The aggregates of the feed: a customer's wallet and taps, a booking with its payments and tickets, a user. */
export const FEED_AGGREGATE_TYPES = ['customer', 'booking', 'user'] as const;
export type FeedAggregateType = (typeof FEED_AGGREGATE_TYPES)[number];

/** Default events per page. */
export const FEED_LIMIT_DEFAULT = 100;
/** Most rows of the log one page reads, matched or not. */
export const FEED_SCAN_ROWS_MAX = 10_000;

/** One event of the feed. */
export interface FeedEvent {
  /** The log's id, as a decimal string: ordered, and what `after` and SSE's `Last-Event-ID` take. */
  eventId: string;
  type: FeedEventType;
  /** RFC 3339, UTC. */
  occurredAt: string;
  aggregateType: FeedAggregateType;
  aggregateId: string;
  /** The customer whose stream carries the event; null for a user's events, which belong to no customer. */
  customerId: string | null;
  /** 1, 2, 3, … within the aggregate, without gaps. */
  version: number;
  correlationId: string | null;
  causationId: string | null;
  data: unknown;
}

export interface FeedQuery {
  /** Events with an id above this one (default 0: from the start). */
  after?: number;
  /** 1..1000 (default 100). */
  limit?: number;
  /** Only these types (absent or empty: all). */
  types?: readonly FeedEventType[];
  aggregateType?: FeedAggregateType;
}

export interface FeedPage {
  events: FeedEvent[];
  /**
   * Where the next page starts (`after`): past the last event answered, or past every row this page read when it
   * found fewer than `limit`. The feed has no end: at its head the page is empty and `nextCursor` stays where it is.
   */
  nextCursor: string;
}

interface FeedStatements {
  range: Database.Statement<[{ after: number; until: number; types: string | null; aggregate: string | null; limit: number }], EventRow>;
  lastId: Database.Statement<[], number | null>;
}

/**
 * @example
 * const feed = new EventFeed(db, run);
 * feed.page({ after: 0, limit: 2 }); // { events: [{ eventId: '1', type: 'customer.opened', … }, …], nextCursor: '2' }
 * feed.page({ after: 2, types: ['booking.confirmed'] });
 */
export class EventFeed {
  readonly #read: <T>(fn: () => T) => T;
  readonly #st: FeedStatements;

  /** On the store's connection; `run` wraps every call (the TicketStore's closed check and SQLite error mapping). */
  constructor(db: Database.Database, run: <T>(fn: () => T) => T) {
    this.#st = {
      range: db.prepare(
        `SELECT ${EVENT_READ_COLUMNS} FROM events
         WHERE id > @after AND id <= @until
           AND (@types IS NULL OR type IN (SELECT value FROM json_each(@types)))
           AND (@aggregate IS NULL OR coalesce(aggregate_type, 'customer') = @aggregate)
         ORDER BY id LIMIT @limit`,
      ),
      lastId: db.prepare<[], number | null>('SELECT max(id) FROM events').pluck(),
    };
    const snapshot = db.transaction((fn: () => unknown) => fn());
    // The rows and the log's head in one snapshot, so a cursor never skips what commits in between.
    this.#read = <T>(fn: () => T): T => run(() => (db.inTransaction ? fn() : (snapshot.deferred(fn) as T)));
  }

  /** One page of the feed in id order; throws StoreError `ERR_INVALID_ARGUMENT` for a bad `after` or `limit`. */
  page(query: FeedQuery): FeedPage {
    const after = query.after ?? 0;
    if (!Number.isSafeInteger(after) || after < 0) throw new StoreError('ERR_INVALID_ARGUMENT', `after must be a non-negative integer, got ${after}`);
    const limit = checkLimit(query.limit ?? FEED_LIMIT_DEFAULT);
    const types = query.types === undefined || query.types.length === 0 ? null : JSON.stringify(query.types);
    const until = after + FEED_SCAN_ROWS_MAX;
    return this.#read(() => {
      const rows = this.#st.range.all({ after, until, types, aggregate: query.aggregateType ?? null, limit });
      const events = rows.map(feedEventOf);
      if (rows.length === limit) return { events, nextCursor: String(rows[limit - 1]!.id) };
      // Fewer than asked: every row up to the end of the range (or of the log) was read and none is left out.
      const head = this.#st.lastId.get() ?? 0;
      return { events, nextCursor: String(Math.max(after, Math.min(until, head))) };
    });
  }
}

/** A row of the log in the feed's envelope. */
export function feedEventOf(row: EventRow): FeedEvent {
  const own = row.aggregate_type === null;
  return {
    eventId: String(row.id),
    type: row.type,
    occurredAt: iso(row.at),
    aggregateType: (row.aggregate_type ?? 'customer') as FeedAggregateType,
    aggregateId: row.aggregate_id ?? row.customer_id,
    customerId: row.customer_id ?? null,
    version: row.version,
    // A tap's event is correlated by its tap id (module comment); a top-up's, without a request id, by its top-up id.
    correlationId: row.correlation_id ?? (own ? row.tap_id ?? (row.type === 'balance.changed' ? row.ref : null) : null),
    causationId: row.causation_id,
    data: own ? customerEventData(row) : (JSON.parse(row.data ?? 'null') as unknown),
  };
}

/** A customer's own event as its stream shows it; the two types no stream carries get shapes of their own. */
function customerEventData(row: EventRow): unknown {
  switch (row.type) {
    case 'tap.failed':
      return {
        tapId: row.tap_id, customerId: row.customer_id, rideId: row.ride_id, machineId: row.machine_id, reason: row.reason,
        ...(row.message !== null && { error: row.message }), tappedAt: row.tapped_at,
      };
    case 'customer.opened':
      return { customerId: row.customer_id, balance: row.balance_after, currency: 'EUR' };
    default:
      return notificationFromEvent(row).data;
  }
}
