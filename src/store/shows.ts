/**
 * The shows catalogue in the store: create or replace a show (one IMMEDIATE transaction that also rewrites its
 * categories and its full-text row), read one, and search (shows-search.ts). Written synchronously, as rides are:
 * catalogue writes are rare and off the tap path. The inventory actor and the booking saga will read categories
 * through `getShow`; the live count of what is left is not kept here (see EngineApi.showAvailability).
 */
import type Database from 'better-sqlite3';
import { parseTappedAt } from '../domain/rfc3339.ts';
import { showCapacity, statusMoveAllowed, type SeatRow, type Show, type ShowCategory, type ShowInput, type ShowStatus } from '../domain/show.ts';
import { checkId, checkTimeMs } from './check-input.ts';
import { prepareSearches, searchPage, type ShowSearch } from './shows-search.ts';
import { StoreError } from './store-error.ts';

interface ShowRow {
  seq: number; id: string; name: string; venue: string; location: string; starts_at: string;
  ends_at: string | null; sales_start_at: string | null; sales_end_at: string | null; doors_open_at: string | null; status: ShowStatus;
}
interface CategoryRow { id: string; name: string; price: number; capacity: number; rows_json: string | null }

export interface ShowPage {
  shows: Show[];
  nextCursor?: string;
}

/**
 * @example
 * const shows = new ShowStore(db, (fn) => fn());
 * shows.put('gala', input, nowMs).created // true
 */
export class ShowStore {
  readonly #run: <T>(fn: () => T) => T;
  readonly #st;
  readonly #searches;
  readonly #put;
  readonly #readPage;
  readonly #seed;

  /** `run` wraps every call (the TicketStore's closed check and SQLite error mapping). */
  constructor(db: Database.Database, run: <T>(fn: () => T) => T) {
    this.#run = run;
    this.#st = {
      byId: db.prepare<[string], ShowRow>('SELECT seq, id, name, venue, location, starts_at, ends_at, sales_start_at, sales_end_at, doors_open_at, status FROM shows WHERE id = ?'),
      bySeq: db.prepare<[number], ShowRow>('SELECT seq, id, name, venue, location, starts_at, ends_at, sales_start_at, sales_end_at, doors_open_at, status FROM shows WHERE seq = ?'),
      categories: db.prepare<[number], CategoryRow>('SELECT id, name, price, capacity, rows_json FROM show_categories WHERE show_seq = ? ORDER BY position'),
      insert: db.prepare(`INSERT INTO shows (id, name, venue, location, starts_at, starts_at_ms, ends_at, sales_start_at, sales_end_at, doors_open_at, status, capacity, updated_at)
        VALUES (:id, :name, :venue, :location, :startsAt, :startsAtMs, :endsAt, :salesStartAt, :salesEndAt, :doorsOpenAt, :status, :capacity, :nowMs)`),
      update: db.prepare(`UPDATE shows SET name = :name, venue = :venue, location = :location, starts_at = :startsAt,
        starts_at_ms = :startsAtMs, ends_at = :endsAt, sales_start_at = :salesStartAt, sales_end_at = :salesEndAt,
        doors_open_at = :doorsOpenAt, status = :status, capacity = :capacity, updated_at = :nowMs WHERE id = :id`),
      dropCategories: db.prepare<[number]>('DELETE FROM show_categories WHERE show_seq = ?'),
      insertCategory: db.prepare('INSERT INTO show_categories (show_seq, position, id, name, price, capacity, rows_json) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      dropText: db.prepare<[number]>('DELETE FROM shows_fts WHERE rowid = ?'),
      insertText: db.prepare<[number, string, string, string]>('INSERT INTO shows_fts (rowid, name, venue, location) VALUES (?, ?, ?, ?)'),
    };
    this.#searches = prepareSearches(db);
    this.#put = db.transaction((id: string, input: ShowInput, nowMs: number) => this.#write(id, input, nowMs));
    this.#seed = db.transaction((shows: readonly Show[], nowMs: number) => {
      const absent = shows.filter((show) => this.#st.byId.get(show.id) === undefined);
      for (const { id, ...input } of absent) this.#write(id, input, nowMs);
      return absent.length;
    });
    this.#readPage = db.transaction((search: ShowSearch) => {
      const { rows, nextCursor } = searchPage(this.#searches, search);
      const shows = rows.map((row) => this.#showOf(this.#st.bySeq.get(row.seq) as ShowRow));
      return nextCursor === undefined ? { shows } : { shows, nextCursor };
    });
  }

  /**
   * Creates the show or replaces it whole; `created` tells which. `ERR_STATUS_MOVE` when its status may not move
   * to the one asked for (domain/show.ts). The input is the validated body: its checks are the schema's.
   */
  put(id: string, input: ShowInput, nowMs: number): { show: Show; created: boolean } {
    return this.#run(() => this.#put.immediate(id, input, nowMs));
  }

  /**
   * Writes each show that the store does not hold yet, in one transaction; returns how many it wrote.
   *
   * @example store.shows.seedIfAbsent(demoVenue(nowMs), nowMs) // 2 the first time, then 0
   */
  seedIfAbsent(shows: readonly Show[], nowMs: number): number {
    return this.#run(() => this.#seed.immediate(shows, nowMs));
  }

  get(id: string): Show | undefined {
    return this.#run(() => {
      const row = this.#st.byId.get(id);
      return row === undefined ? undefined : this.#showOf(row);
    });
  }

  /** A page of shows ordered by start, then id; pass `nextCursor` back for the next. */
  search(search: ShowSearch): ShowPage {
    return this.#run(() => this.#readPage.deferred(search));
  }

  #write(id: string, input: ShowInput, nowMs: number): { show: Show; created: boolean } {
    checkId(id, 'id');
    checkTimeMs(nowMs, 'nowMs');
    const startsAtMs = parseTappedAt(input.startsAt);
    if (Number.isNaN(startsAtMs)) throw new StoreError('ERR_INVALID_ARGUMENT', `startsAt is not RFC 3339: ${input.startsAt}`);
    for (const c of input.categories) {
      // The schema refuses a mismatch; callers that skip it (the demo seed) must not store a seat map that lies.
      const seats = c.rows?.reduce((sum, r) => sum + r.seats, 0) ?? c.capacity;
      if (seats !== c.capacity) throw new StoreError('ERR_INVALID_ARGUMENT', `category ${c.id}: capacity ${c.capacity} is not its ${seats} seats`);
    }
    const existing = this.#st.byId.get(id);
    if (existing !== undefined && !statusMoveAllowed(existing.status, input.status)) {
      throw new StoreError('ERR_STATUS_MOVE', `show ${id} is ${existing.status}: it cannot be made ${input.status}`);
    }
    // Once bookings exist, a show with sales may not shrink below what was sold: the inventory actor will check
    // that here. Today nothing is sold, so any capacity the schema admits is accepted.
    const params = {
      id, name: input.name, venue: input.venue, location: input.location, startsAt: input.startsAt, startsAtMs,
      endsAt: input.endsAt ?? null, salesStartAt: input.salesStartAt ?? null, salesEndAt: input.salesEndAt ?? null, doorsOpenAt: input.doorsOpenAt ?? null,
      status: input.status, capacity: showCapacity(input), nowMs,
    };
    let seq: number;
    if (existing === undefined) {
      seq = Number(this.#st.insert.run(params).lastInsertRowid);
    } else {
      seq = existing.seq;
      this.#st.update.run(params);
      this.#st.dropCategories.run(seq);
      this.#st.dropText.run(seq);
    }
    input.categories.forEach((c, position) => {
      const rows = c.rows === undefined ? null : JSON.stringify(c.rows);
      this.#st.insertCategory.run(seq, position, c.id, c.name, c.price, c.capacity, rows);
    });
    this.#st.insertText.run(seq, input.name, input.venue, input.location);
    return { show: this.#showOf(this.#st.bySeq.get(seq) as ShowRow), created: existing === undefined };
  }

  #showOf(row: ShowRow): Show {
    const categories = this.#st.categories.all(row.seq).map(categoryOf);
    return {
      id: row.id, name: row.name, venue: row.venue, location: row.location, startsAt: row.starts_at,
      ...(row.ends_at !== null && { endsAt: row.ends_at }),
      ...(row.sales_start_at !== null && { salesStartAt: row.sales_start_at }),
      ...(row.sales_end_at !== null && { salesEndAt: row.sales_end_at }),
      ...(row.doors_open_at !== null && { doorsOpenAt: row.doors_open_at }),
      status: row.status, categories,
    };
  }
}

function categoryOf(row: CategoryRow): ShowCategory {
  const category: ShowCategory = { id: row.id, name: row.name, price: row.price, capacity: row.capacity };
  if (row.rows_json !== null) category.rows = JSON.parse(row.rows_json) as SeatRow[];
  return category;
}
