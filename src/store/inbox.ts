/**
 * A customer's inbox: its event log read newest first, the very rows its SSE stream sends oldest first (taps,
 * top-ups, bookings, payments, check-ins, waiting-list offers), with a read marker (inbox-schema.ts). A page walks the
 * customer's chain of events back from its head (v3-event-log.ts), so it costs what it returns, not the log's size.
 */
import type Database from 'better-sqlite3';
import { STREAM_EVENT_TYPES_V5 } from './box-office-schema.ts';
import { checkLimit, decodeCursor, encodeCursor } from './page-cursor.ts';
import { notificationFromEvent, type EventRow } from './rows.ts';
import { EVENT_READ_COLUMNS } from './statements.ts';
import { StoreError } from './store-error.ts';
import type { Notification } from './store-types.ts';

/** Most events one page may walk past (the ledger's own rows) before it answers with what it has. */
const WALK_MAX = 100_000;
/** Unread notifications are counted up to this many; more reads as this many (a badge shows "1000+"). */
export const UNREAD_COUNT_MAX = 1_000;

const STREAM_TYPES: ReadonlySet<string> = new Set(STREAM_EVENT_TYPES_V5);

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
 * const inbox = new InboxStore(db, run);
 * inbox.page('customer-1', { limit: 20 }); // { notifications: [newest, …], unreadCount: 3, readUpTo: 41 }
 * inbox.markRead('customer-1', 44);        // { unreadCount: 0, readUpTo: 44 }
 */
export class InboxStore {
  readonly #run: <T>(fn: () => T) => T;
  readonly #st;
  readonly #markRead;
  readonly #page;

  /** `run` wraps every call (the TicketStore's closed check and SQLite error mapping). */
  constructor(db: Database.Database, run: <T>(fn: () => T) => T) {
    this.#run = run;
    this.#st = {
      head: db.prepare<[string], number>('SELECT last_id FROM stream_heads WHERE customer_id = ?').pluck(),
      event: db.prepare<[number], EventRow>(`SELECT ${EVENT_READ_COLUMNS} FROM events WHERE id = ?`),
      mark: db.prepare<[string], number>('SELECT read_up_to FROM inbox_marks WHERE customer_id = ?').pluck(),
      setMark: db.prepare<[string, number], unknown>(
        `INSERT INTO inbox_marks (customer_id, read_up_to) VALUES (?, ?)
         ON CONFLICT (customer_id) DO UPDATE SET read_up_to = max(read_up_to, excluded.read_up_to)`,
      ),
    };
    this.#page = db.transaction((customerId: string, query: InboxQuery) => this.#readPage(customerId, query));
    this.#markRead = db.transaction((customerId: string, upTo: number) => {
      const row = this.#st.event.get(upTo);
      // A marker names one of the customer's own notifications: another's id would mark nothing it can see.
      if (row?.customer_id !== customerId || !STREAM_TYPES.has(row.type)) {
        throw new StoreError('ERR_INVALID_ARGUMENT', `upTo ${upTo} is not a notification of ${customerId}`);
      }
      this.#st.setMark.run(customerId, upTo);
      const readUpTo = this.#st.mark.get(customerId) ?? 0;
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
    const readUpTo = this.#st.mark.get(customerId) ?? 0;
    let id: number | null | undefined;
    if (query.cursor === undefined) id = this.#st.head.get(customerId);
    else {
      const from = this.#st.event.get(decodeCursor(query.cursor));
      if (from?.customer_id !== customerId) throw new StoreError('ERR_INVALID_CURSOR', 'cursor is not one this store handed out');
      id = from.prev_id;
    }
    const floor = query.unreadOnly === true ? readUpTo : 0;
    const rows: EventRow[] = [];
    let last: EventRow | undefined;
    for (let walked = 0; id !== null && id !== undefined && id > floor && rows.length <= query.limit && walked < WALK_MAX; walked++) {
      const row = this.#st.event.get(id);
      if (row === undefined) break;
      if (STREAM_TYPES.has(row.type)) rows.push(row);
      last = row;
      id = row.prev_id;
    }
    const page: InboxPage = { notifications: rows.slice(0, query.limit).map(notificationFromEvent), unreadCount: this.#unread(customerId, readUpTo), readUpTo };
    // One more than asked for means there is a next page; a walk stopped by its bound resumes where it stopped.
    if (rows.length > query.limit) page.nextCursor = encodeCursor(rows[query.limit - 1]!.id);
    else if (id !== null && id !== undefined && id > floor && last !== undefined) page.nextCursor = encodeCursor(last.id);
    return page;
  }

  /** Notifications after `readUpTo`, counted back from the head, at most UNREAD_COUNT_MAX. */
  #unread(customerId: string, readUpTo: number): number {
    let count = 0;
    let id: number | null | undefined = this.#st.head.get(customerId);
    for (let walked = 0; id !== null && id !== undefined && id > readUpTo && count < UNREAD_COUNT_MAX && walked < WALK_MAX; walked++) {
      const row = this.#st.event.get(id);
      if (row === undefined) break;
      if (STREAM_TYPES.has(row.type)) count++;
      id = row.prev_id;
    }
    return count;
  }
}
