/**
 * The domain event feed followed live over Server-Sent Events (`GET /v1/events` with `Accept: text/event-stream`).
 *
 * The customers' streams (sse-hub.ts) are pushed each commit's notifications; a feed stream instead reads the store,
 * which is the feed's source of truth: some of its events (a user's) are written outside the ledger's commits, where
 * no notification announces them, and a filter is the store's to apply. So each stream pulls pages of the feed after
 * the position it has reached, woken when a commit is announced (`engine.onNotifications`) and otherwise every
 * `pollMs`. A stream pulls one page at a time and waits (bounded by a heartbeat interval) for its socket to drain
 * between pages, so a feed far behind is sent without holding it all in memory.
 *
 * The wire, the heartbeats and the bound on unsent bytes are those of SseConnection: a client that stops reading is
 * disconnected and resumes with `Last-Event-ID`. A stream whose token is revoked ends at the next heartbeat, or at
 * once through `closeToken`.
 */
import type { ServerResponse } from 'node:http';
import type { EngineApi } from '../pipeline/engine-api.ts';
import { yieldToEventLoop, type Clock, type TimerHandle } from '../platform/clock.ts';
import type { FeedAggregateType, FeedEventType, FeedPage } from '../store/event-feed.ts';
import { HttpError } from './http-error.ts';
import { SseConnection } from './sse-connection.ts';
import { feedEventFrame } from './sse-frames.ts';
import { endRevoked } from './sse-revocation.ts';

/** Events read from the store per page of a stream. */
export const FEED_STREAM_PAGE_SIZE = 500;
/** Default interval of the poll that finds events no commit announced (a user's). */
export const FEED_POLL_MS_DEFAULT = 1_000;
/** Default bound on open feed streams (admins' integrations: a few). */
export const FEED_STREAMS_MAX_DEFAULT = 16;

export interface FeedHubOptions {
  /** Where the feed is read, and the commits that wake the streams. */
  engine: Pick<EngineApi, 'feed' | 'onNotifications'>;
  clock: Clock;
  /** A `: heartbeat` comment goes to every stream this often; the token check runs with it. */
  heartbeatMs: number;
  /** Unsent bytes a stream may hold before its client counts as not reading and is disconnected. */
  bufferBytes: number;
  /** Streams look for new events this often even when no commit is announced (default 1000). */
  pollMs?: number;
  /** Open feed streams in all; one more is refused with 429 `too_many_streams` (default 16). */
  streamsMax?: number;
  /** Whether a token is still good (see SseHubOptions.tokenActive). Absent: streams are not checked. */
  tokenActive?: (tokenId: string) => boolean;
  /** Unexpected failures (a page that could not be read); the stream is dropped and the client resumes. */
  onError?: (error: unknown) => void;
}

/** Where a stream starts and what it carries. */
export interface FeedStreamQuery {
  /** Events with an id above this one. */
  after: number;
  types?: readonly FeedEventType[];
  aggregateType?: FeedAggregateType;
}

interface Follower {
  readonly connection: SseConnection;
  readonly filter: Pick<FeedStreamQuery, 'types' | 'aggregateType'>;
  /** The feed's position this stream has read up to (past events a filter left out, too). */
  position: number;
  pulling: boolean;
  /** Woken while pulling: pull once more before resting. */
  again: boolean;
}

/**
 * @example
 * const feed = new FeedHub({ engine, clock, heartbeatMs: 15_000, bufferBytes: 1 << 20 });
 * feed.connect({ after: 41, types: ['booking.confirmed'] }, res, 'tok-1'); // ids 42, … then live
 * feed.close(2_000); // at shutdown
 */
export class FeedHub {
  readonly #engine: FeedHubOptions['engine'];
  readonly #clock: Clock;
  readonly #heartbeatMs: number;
  readonly #bufferBytes: number;
  readonly #pollMs: number;
  readonly #streamsMax: number;
  readonly #tokenActive: ((tokenId: string) => boolean) | undefined;
  readonly #onError: (error: unknown) => void;
  /** Each open stream by its connection. */
  readonly #followers = new Map<SseConnection, Follower>();
  /** Set while any stream is open: an idle hub does not listen. */
  #unsubscribe: (() => void) | undefined;
  #heartbeat: TimerHandle | undefined;
  #poll: TimerHandle | undefined;
  #closed = false;

  constructor(options: FeedHubOptions) {
    this.#engine = options.engine;
    this.#clock = options.clock;
    this.#heartbeatMs = positiveInteger(options.heartbeatMs, 'heartbeatMs');
    this.#bufferBytes = positiveInteger(options.bufferBytes, 'bufferBytes');
    this.#pollMs = positiveInteger(options.pollMs ?? FEED_POLL_MS_DEFAULT, 'pollMs');
    this.#streamsMax = positiveInteger(options.streamsMax ?? FEED_STREAMS_MAX_DEFAULT, 'streamsMax');
    this.#tokenActive = options.tokenActive;
    this.#onError = options.onError ?? (() => undefined);
  }

  /**
   * Starts a stream on `res` from `query.after`. Throws before anything is written when the hub is closed (503
   * `shutting_down`), already has `streamsMax` streams (429 `too_many_streams`) or the first page cannot be read, so
   * the caller can still answer with a JSON error.
   */
  connect(query: FeedStreamQuery, res: ServerResponse, tokenId?: string): void {
    if (this.#closed) throw new HttpError(503, 'shutting_down', 'the server is shutting down');
    if (this.#followers.size >= this.#streamsMax) {
      throw new HttpError(429, 'too_many_streams', `${this.#followers.size} event feed streams are open, the most allowed; close one first`);
    }
    const filter = { ...(query.types !== undefined && { types: query.types }), ...(query.aggregateType !== undefined && { aggregateType: query.aggregateType }) };
    const first = this.#engine.feed({ after: query.after, limit: FEED_STREAM_PAGE_SIZE, ...filter });
    const connection = new SseConnection({
      // The feed is no customer's stream; the connection's customer id is only the customer hub's routing key.
      customerId: '',
      ...(tokenId !== undefined && { tokenId }),
      res,
      afterId: query.after,
      bufferBytes: this.#bufferBytes,
      // Nothing is offered to a feed stream: it reads the store itself.
      liveBufferMax: 1,
      onGone: (gone) => this.#remove(gone),
    });
    const follower: Follower = { connection, filter, position: query.after, pulling: false, again: false };
    this.#add(follower);
    res.on('close', () => connection.closed());
    if (res.destroyed) return connection.closed();
    connection.open();
    connection.goLive();
    void this.#pull(follower, first);
  }

  /** Ends every stream opened with `tokenId` (its token was revoked); answers how many. */
  closeToken(tokenId: string): number {
    let closed = 0;
    for (const connection of [...this.#followers.keys()]) {
      if (connection.tokenId !== tokenId) continue;
      connection.end();
      closed++;
    }
    return closed;
  }

  /** Open streams. */
  get size(): number {
    return this.#followers.size;
  }

  /** Ends every stream and stops listening; later `connect` calls answer 503 `shutting_down`. */
  close(retryAfterMs?: number): void {
    if (this.#closed) return;
    this.#closed = true;
    const farewell = retryAfterMs === undefined ? undefined : `retry: ${Math.max(0, Math.round(retryAfterMs))}\n\n`;
    for (const connection of [...this.#followers.keys()]) connection.end(farewell);
    this.#followers.clear();
    this.#idle();
  }

  /**
   * Sends what the feed holds after the stream's position, page by page, until a page finds nothing new; a wake
   * during it makes it look once more. `first` is the page `connect` read already.
   */
  async #pull(f: Follower, first?: FeedPage): Promise<void> {
    if (f.pulling) {
      f.again = true;
      return;
    }
    f.pulling = true;
    const { connection } = f;
    try {
      let page = first;
      for (;;) {
        f.again = false;
        page ??= this.#engine.feed({ after: f.position, limit: FEED_STREAM_PAGE_SIZE, ...f.filter });
        for (const event of page.events) {
          // Let a slow socket drain rather than trip the bound that is there for clients that stopped reading.
          if (connection.backlogged()) {
            if (!connection.flush()) return;
            if (!(await connection.drained(this.#clock, this.#heartbeatMs))) return connection.destroy();
          }
          if (!connection.send(Number(event.eventId), feedEventFrame(event))) return;
        }
        if (!connection.flush()) return;
        const next = Number(page.nextCursor);
        const moved = next > f.position;
        f.position = Math.max(f.position, next);
        page = undefined;
        if (!moved && !f.again) return;
        await yieldToEventLoop();
        // A client that cannot take one page within a heartbeat interval is as stalled as one that misses beats.
        if (!(await connection.drained(this.#clock, this.#heartbeatMs))) return connection.destroy();
      }
    } catch (error) {
      connection.destroy();
      this.#onError(error);
    } finally {
      f.pulling = false;
    }
  }

  #wakeAll(): void {
    for (const follower of this.#followers.values()) void this.#pull(follower);
  }

  #add(follower: Follower): void {
    this.#followers.set(follower.connection, follower);
    // A commit is a hint that there is more to read; what there is, the store says.
    this.#unsubscribe ??= this.#engine.onNotifications(() => this.#wakeAll());
    if (this.#heartbeat === undefined) this.#scheduleHeartbeat();
    if (this.#poll === undefined) this.#schedulePoll();
  }

  #remove(connection: SseConnection): void {
    if (!this.#followers.delete(connection)) return;
    if (this.#followers.size === 0) this.#idle();
  }

  /** One timer per hub, and none while no stream is open. */
  #scheduleHeartbeat(): void {
    this.#heartbeat = this.#clock.setTimer(() => {
      this.#heartbeat = undefined;
      for (const connection of this.#followers.keys()) connection.heartbeat();
      if (this.#tokenActive !== undefined) endRevoked(this.#followers.keys(), this.#tokenActive, this.#onError);
      if (this.#followers.size > 0 && !this.#closed) this.#scheduleHeartbeat();
    }, this.#heartbeatMs);
  }

  #schedulePoll(): void {
    this.#poll = this.#clock.setTimer(() => {
      this.#poll = undefined;
      this.#wakeAll();
      if (this.#followers.size > 0 && !this.#closed) this.#schedulePoll();
    }, this.#pollMs);
  }

  /** No stream is open: no timers, no listening. */
  #idle(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    if (this.#heartbeat !== undefined) this.#clock.clearTimer(this.#heartbeat);
    if (this.#poll !== undefined) this.#clock.clearTimer(this.#poll);
    this.#heartbeat = undefined;
    this.#poll = undefined;
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`FeedHub option ${name} must be a positive integer, got ${value}`);
  }
  return value;
}
