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
import type { Clock } from '../platform/clock.ts';
import type { FeedAggregateType, FeedEventType, FeedPage } from '../store/event-feed.ts';
import { SseConnection } from './sse-connection.ts';
import { feedEventFrame } from './sse-frames.ts';
import { betweenPages, PulledStreams, sendDraining } from './pulled-streams.ts';

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
  readonly #streamsMax: number;
  readonly #onError: (error: unknown) => void;
  /** The open streams, their heartbeat and poll (pulled-streams.ts). */
  readonly #streams: PulledStreams<Follower>;
  /** Set while any stream is open: an idle hub does not listen. */
  #unsubscribe: (() => void) | undefined;

  constructor(options: FeedHubOptions) {
    this.#engine = options.engine;
    this.#clock = options.clock;
    this.#heartbeatMs = positiveInteger(options.heartbeatMs, 'heartbeatMs');
    this.#bufferBytes = positiveInteger(options.bufferBytes, 'bufferBytes');
    this.#streamsMax = positiveInteger(options.streamsMax ?? FEED_STREAMS_MAX_DEFAULT, 'streamsMax');
    this.#onError = options.onError ?? (() => undefined);
    this.#streams = new PulledStreams<Follower>({
      clock: this.#clock, heartbeatMs: this.#heartbeatMs, pollMs: positiveInteger(options.pollMs ?? FEED_POLL_MS_DEFAULT, 'pollMs'),
      tokenActive: options.tokenActive, onError: this.#onError, onPoll: (follower) => void this.#pull(follower),
      // A commit is a hint that there is more to read; what there is, the store says.
      onBusy: () => (this.#unsubscribe = this.#engine.onNotifications(() => this.#wakeAll())),
      onIdle: () => {
        this.#unsubscribe?.();
        this.#unsubscribe = undefined;
      },
    });
  }

  /**
   * Starts a stream on `res` from `query.after`. Throws before anything is written when the hub is closed (503
   * `shutting_down`), already has `streamsMax` streams (429 `too_many_streams`) or the first page cannot be read, so
   * the caller can still answer with a JSON error.
   */
  connect(query: FeedStreamQuery, res: ServerResponse, tokenId?: string): void {
    this.#streams.admit(this.#streamsMax, 'event feed streams');
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
      onGone: (gone) => void this.#streams.remove(gone),
    });
    const follower: Follower = { connection, filter, position: query.after, pulling: false, again: false };
    this.#streams.start(follower, res, () => this.#pages(follower, first));
  }

  /** Ends every stream opened with `tokenId` (its token was revoked); answers how many. */
  closeToken(tokenId: string): number {
    return this.#streams.closeToken(tokenId);
  }

  /** Open streams. */
  get size(): number {
    return this.#streams.size;
  }

  /** Ends every stream and stops listening; later `connect` calls answer 503 `shutting_down`. */
  close(retryAfterMs?: number): void {
    this.#streams.close(retryAfterMs);
  }

  #pull(follower: Follower): Promise<void> {
    return this.#streams.pull(follower, () => this.#pages(follower));
  }

  /**
   * Sends what the feed holds after the stream's position, page by page, until a page finds nothing new; a wake
   * during it makes it look once more. `first` is the page `connect` read already.
   */
  async #pages(f: Follower, first?: FeedPage): Promise<void> {
    const { connection } = f;
    let page = first;
    for (;;) {
      f.again = false;
      page ??= this.#engine.feed({ after: f.position, limit: FEED_STREAM_PAGE_SIZE, ...f.filter });
      const frames = page.events.map((event) => ({ id: Number(event.eventId), frame: feedEventFrame(event) }));
      if (!(await sendDraining(connection, frames, this.#clock, this.#heartbeatMs))) return;
      const next = Number(page.nextCursor);
      const moved = next > f.position;
      f.position = Math.max(f.position, next);
      page = undefined;
      if (!moved && !f.again) return;
      // A client that cannot take one page within a heartbeat interval is as stalled as one that misses beats.
      if (!(await betweenPages(connection, this.#clock, this.#heartbeatMs))) return;
    }
  }

  #wakeAll(): void {
    for (const follower of this.#streams.values()) void this.#pull(follower);
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`FeedHub option ${name} must be a positive integer, got ${value}`);
  }
  return value;
}
