/**
 * A customer's inbox: its event log read newest first, the very rows its SSE stream sends oldest first (taps,
 * top-ups, bookings, payments, check-ins, waiting-list offers), with a read marker (inbox-schema.ts). A page walks the
 * customer's chain of events back from its head (v3-event-log.ts), so it costs what it returns, not the log's size.
 */
import type Database from 'better-sqlite3';
import { STREAM_EVENT_TYPES_V5 } from './box-office-schema.ts';
import { walkChain } from './customer-reads.ts';
import { checkLimit } from './page-cursor.ts';
import { notificationFromEvent, type EventRow } from './rows.ts';
import type { StoreContext } from './statements.ts';
import { StoreError } from './store-error.ts';
import type { Notification } from './store-types.ts';

/** Unread notifications are counted up to this many; more reads as this many (a badge shows "1000+"). */
export const UNREAD_COUNT_MAX = 1_000;

const STREAM_TYPES: ReadonlySet<string> = new Set(STREAM_EVENT_TYPES_V5);

type Statements = StoreContext['st'];

export interface InboxPage {
  /** Newest first. */
  notifications: Notification[];
  nextCursor?: string;
  /** Notifications after the read marker, at most UNREAD_COUNT_MAX. */
  unreadCount: number;
  /** The id of the last notification marked read (0: none). */
  readUpTo: number;
}

export interface InboxQuery {
  limit: number;
  cursor?: string;
  /** Only notifications after the read marker. */
  unreadOnly?: boolean;
}

/**
 * @example
 * const inbox = new InboxStore(db, ctx.st, run);
 * inbox.page('customer-1', { limit: 20 }); // { notifications: [newest, …], unreadCount: 3, readUpTo: 41 }
 * inbox.markRead('customer-1', 44);        // { unreadCount: 0, readUpTo: 44 }
 */
export class InboxStore {
  readonly #run: <T>(fn: () => T) => T;
  readonly #st: Statements;
  readonly #mark;
  readonly #setMark;
  readonly #markRead;
  readonly #page;

  /** On the store's connection and statements; `run` wraps every call (the closed check and SQLite error mapping). */
  constructor(db: Database.Database, st: Statements, run: <T>(fn: () => T) => T) {
    this.#run = run;
    this.#st = st;
    this.#mark = db.prepare<[string], number>('SELECT read_up_to FROM inbox_marks WHERE customer_id = ?').pluck();
    this.#setMark = db.prepare<[string, number], unknown>(
      `INSERT INTO inbox_marks (customer_id, read_up_to) VALUES (?, ?)
       ON CONFLICT (customer_id) DO UPDATE SET read_up_to = max(read_up_to, excluded.read_up_to)`,
    );
    this.#page = db.transaction((customerId: string, query: InboxQuery) => this.#readPage(customerId, query));
    this.#markRead = db.transaction((customerId: string, upTo: number) => {
      const row = this.#st.eventById.get(upTo);
      // A marker names one of the customer's own notifications: another's id would mark nothing it can see.
      if (row?.customer_id !== customerId || !STREAM_TYPES.has(row.type)) {
        throw new StoreError('ERR_INVALID_ARGUMENT', `upTo ${upTo} is not a notification of ${customerId}`);
      }
      this.#setMark.run(customerId, upTo);
      const readUpTo = this.#mark.get(customerId) ?? 0;
      return { readUpTo, unreadCount: this.#unread(customerId, readUpTo) };
    });
  }

  /** One page of the inbox, newest first; pass `nextCursor` back for older ones. */
  page(customerId: string, query: InboxQuery): InboxPage {
    checkLimit(query.limit);
    return this.#run(() => this.#page.deferred(customerId, query));
  }

  /**
   * Marks every notification up to `upTo` (one of the customer's) read; a marker never moves back. Throws
   * `ERR_INVALID_ARGUMENT` for an id that is not one of the customer's notifications.
   */
  markRead(customerId: string, upTo: number): { readUpTo: number; unreadCount: number } {
    return this.#run(() => this.#markRead.immediate(customerId, upTo));
  }

  #readPage(customerId: string, query: InboxQuery): InboxPage {
    const readUpTo = this.#mark.get(customerId) ?? 0;
    const { rows, nextCursor } = walkChain(this.#st, customerId, {
      limit: query.limit, cursor: query.cursor, keep: isStreamed, floor: query.unreadOnly === true ? readUpTo : 0,
    });
    const page: InboxPage = { notifications: rows.map(notificationFromEvent), unreadCount: this.#unread(customerId, readUpTo), readUpTo };
    if (nextCursor !== undefined) page.nextCursor = nextCursor;
    return page;
  }

  /** Notifications after `readUpTo`, counted back from the head, at most UNREAD_COUNT_MAX. */
  #unread(customerId: string, readUpTo: number): number {
    return walkChain(this.#st, customerId, { limit: UNREAD_COUNT_MAX, keep: isStreamed, floor: readUpTo }).rows.length;
  }
}

function isStreamed(row: EventRow): boolean {
  return STREAM_TYPES.has(row.type);
}
