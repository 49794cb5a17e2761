/**
 * Live notifications to customers over Server-Sent Events: several streams per customer (a phone, a watch, an
 * operator's screen), at most `streamsPerCustomerMax` of them, each resumable with its own `Last-Event-ID`, gap-free
 * and duplicate-free. The hub subscribes to the engine once and routes each notification by a Map lookup to every
 * stream of its customer, writing frames straight to the Node response (hono's `streamSSE` costs ~10× more per
 * message, see ARCHITECTURE.md).
 *
 * The engine hands notifications over in batches, one per group commit. Frames are queued per stream while a batch
 * is routed and each stream that got any is flushed once at its end: one `res.write` per stream per commit, with no
 * latency added.
 *
 * A resume is gap-free because the stream is registered for live notifications *before* the outbox is read:
 * what commits during the replay is held back and sent after it, minus what the replay already sent.
 */
import type { ServerResponse } from 'node:http';
import { yieldToEventLoop, type Clock, type TimerHandle } from '../platform/clock.ts';
import type { EngineApi } from '../pipeline/engine-api.ts';
import type { Notification } from '../store/store-types.ts';
import { HttpError } from './http-error.ts';
import { SseConnection, type SseTally } from './sse-connection.ts';
import { notificationFrame } from './sse-frames.ts';
import { endRevoked } from './sse-revocation.ts';

/** Notifications read from the outbox per replay step. */
export const REPLAY_PAGE_SIZE = 500;
/** Default bound on live notifications held back during one replay. */
export const LIVE_BUFFER_MAX_DEFAULT = 1_000;
/** Default bound on one customer's open streams. */
export const STREAMS_PER_CUSTOMER_MAX_DEFAULT = 8;

export interface SseHubOptions {
  engine: EngineApi;
  clock: Clock;
  /** A `: heartbeat` comment goes to every stream this often. */
  heartbeatMs: number;
  /** Unsent bytes a stream may hold before its client counts as not reading and is disconnected. */
  bufferBytes: number;
  /** Live notifications held back per stream while it replays (default 1000). */
  liveBufferMax?: number;
  /** Open streams one customer may have; one more is refused with 429 `too_many_streams` (default 8). */
  streamsPerCustomerMax?: number;
  /**
   * Whether a token is still good. At every heartbeat the streams opened with a token that is not (revoked by
   * `ticketd token revoke` from another process, say) are ended; a revoke through this server ends them at once
   * (`closeToken`). Absent: streams are not checked.
   */
  tokenActive?: (tokenId: string) => boolean;
  /** Unexpected failures (a replay that threw); the stream is dropped and the client resumes. */
  onError?: (error: unknown) => void;
}

export interface SseHubStats {
  /** Open streams, over all customers. */
  connections: number;
  /** Notification frames queued to streams since the hub started, replayed and live (heartbeats not counted). */
  frames: number;
}

/**
 * @example
 * const hub = new SseHub({ engine, clock, heartbeatMs: 15_000, bufferBytes: 1 << 20 });
 * hub.connect('c-1', 41, phone); // replays ids > 41, then live
 * hub.connect('c-1', 57, watch); // a second stream of the same customer, with its own resume point
 * hub.close();                   // at shutdown: ends every stream
 */
export class SseHub {
  readonly #engine: EngineApi;
  readonly #clock: Clock;
  readonly #heartbeatMs: number;
  readonly #bufferBytes: number;
  readonly #liveBufferMax: number;
  readonly #streamsPerCustomerMax: number;
  readonly #tokenActive: ((tokenId: string) => boolean) | undefined;
  readonly #onError: (error: unknown) => void;
  /** Each customer's open streams. An array is replaced, never changed in place, so routing can walk it safely. */
  readonly #byCustomer = new Map<string, readonly SseConnection[]>();
  /** Streams with frames queued by the batch being routed, each listed once; empty between batches. */
  readonly #toFlush: SseConnection[] = [];
  readonly #unsubscribe: () => void;
  readonly #tally: SseTally = { frames: 0 };
  #connections = 0;
  #heartbeat: TimerHandle | undefined;
  #closed = false;

  constructor(options: SseHubOptions) {
    this.#engine = options.engine;
    this.#clock = options.clock;
    this.#heartbeatMs = positiveInteger(options.heartbeatMs, 'heartbeatMs');
    this.#bufferBytes = positiveInteger(options.bufferBytes, 'bufferBytes');
    this.#liveBufferMax = positiveInteger(options.liveBufferMax ?? LIVE_BUFFER_MAX_DEFAULT, 'liveBufferMax');
    this.#streamsPerCustomerMax = positiveInteger(
      options.streamsPerCustomerMax ?? STREAMS_PER_CUSTOMER_MAX_DEFAULT, 'streamsPerCustomerMax',
    );
    this.#onError = options.onError ?? (() => undefined);
    this.#tokenActive = options.tokenActive;
    this.#unsubscribe = this.#engine.onNotifications((batch) => this.#route(batch));
  }

  /**
   * Starts a stream of `customerId` on `res`, beside the customer's other streams. With `afterId`, replays the
   * outbox after it first; without, starts live. Throws before anything is written if the customer already has
   * `streamsPerCustomerMax` streams (429 `too_many_streams`) or the first outbox read fails, so the caller can still
   * answer with a JSON error.
   */
  connect(customerId: string, afterId: number | undefined, res: ServerResponse, tokenId?: string): void {
    if (this.#closed) throw new HttpError(503, 'shutting_down', 'the server is shutting down');
    const open = this.#byCustomer.get(customerId)?.length ?? 0;
    if (open >= this.#streamsPerCustomerMax) {
      const streams = open === 1 ? 'stream' : 'streams';
      throw new HttpError(429, 'too_many_streams',
        `customer '${customerId}' already has ${open} open event ${streams}, the most allowed; close one first`);
    }
    const connection = new SseConnection({
      customerId,
      ...(tokenId !== undefined && { tokenId }),
      res,
      afterId: afterId ?? 0,
      bufferBytes: this.#bufferBytes,
      liveBufferMax: this.#liveBufferMax,
      onGone: (gone) => this.#remove(gone),
      tally: this.#tally,
    });
    this.#add(connection);
    let firstPage: Notification[] = [];
    if (afterId !== undefined) {
      try {
        firstPage = this.#engine.notificationsAfter(customerId, afterId, REPLAY_PAGE_SIZE);
      } catch (error) {
        connection.closed();
        throw error;
      }
    }
    res.on('close', () => connection.closed());
    if (res.destroyed) return connection.closed();
    connection.open();
    if (afterId === undefined) connection.goLive();
    else void this.#replay(connection, firstPage);
  }

  /**
   * Ends every stream opened with `tokenId` (its token was revoked); answers how many. A client that reconnects
   * with the revoked token is refused 401.
   *
   * @example
   * hub.closeToken('tok-7'); // 2
   */
  closeToken(tokenId: string): number {
    let closed = 0;
    for (const streams of [...this.#byCustomer.values()]) {
      for (const connection of streams) {
        if (connection.tokenId !== tokenId) continue;
        connection.end();
        closed++;
      }
    }
    return closed;
  }

  stats(): SseHubStats {
    return { connections: this.#connections, frames: this.#tally.frames };
  }

  /** Ends every stream and stops listening to the engine; later `connect` calls answer 503 `shutting_down`. */
  close(retryAfterMs?: number): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    // At shutdown, clients are told when to come back (the SSE `retry` field); they resume with Last-Event-ID.
    const farewell = retryAfterMs === undefined ? undefined : `retry: ${Math.max(0, Math.round(retryAfterMs))}\n\n`;
    for (const streams of [...this.#byCustomer.values()]) for (const connection of streams) connection.end(farewell);
    this.#byCustomer.clear();
    this.#connections = 0;
    this.#stopHeartbeat();
  }

  /**
   * Sends the outbox page by page, one write per page, yielding between pages and waiting (bounded) for a slow
   * socket to drain.
   */
  async #replay(connection: SseConnection, firstPage: Notification[]): Promise<void> {
    try {
      let page = firstPage;
      for (;;) {
        for (const notification of page) {
          // A page can be many times the connection's buffer: let the socket drain instead of tripping the bound
          // that is there for clients that stopped reading. One that cannot drain within a heartbeat is stalled.
          if (connection.backlogged()) {
            if (!connection.flush()) return;
            if (!(await connection.drained(this.#clock, this.#heartbeatMs))) return connection.destroy();
          }
          if (!connection.sendReplayed(notification)) return;
        }
        if (page.length < REPLAY_PAGE_SIZE && !connection.takeMissed()) return connection.goLive();
        if (!connection.flush()) return;
        await yieldToEventLoop();
        // A client that cannot take one page within a heartbeat interval is as stalled as one that misses beats.
        if (!(await connection.drained(this.#clock, this.#heartbeatMs))) return connection.destroy();
        page = this.#engine.notificationsAfter(connection.customerId, connection.lastSentId, REPLAY_PAGE_SIZE);
      }
    } catch (error) {
      connection.destroy();
      this.#onError(error);
    }
  }

  /** Queues each notification on every stream of its customer, then flushes each stream that got any, once. */
  #route(batch: readonly Notification[]): void {
    const byCustomer = this.#byCustomer;
    const toFlush = this.#toFlush;
    for (let i = 0; i < batch.length; i++) {
      const notification = batch[i] as Notification;
      const streams = byCustomer.get(notification.customerId);
      if (streams === undefined) continue;
      const frame = notificationFrame(notification);
      for (let s = 0; s < streams.length; s++) {
        const connection = streams[s] as SseConnection;
        if (connection.offer(notification, frame)) toFlush.push(connection);
      }
    }
    for (let i = 0; i < toFlush.length; i++) (toFlush[i] as SseConnection).flush();
    toFlush.length = 0;
  }

  #add(connection: SseConnection): void {
    const streams = this.#byCustomer.get(connection.customerId) ?? [];
    this.#byCustomer.set(connection.customerId, [...streams, connection]);
    this.#connections++;
    if (this.#heartbeat === undefined) this.#scheduleHeartbeat();
  }

  #remove(connection: SseConnection): void {
    const streams = this.#byCustomer.get(connection.customerId);
    if (streams === undefined || !streams.includes(connection)) return;
    const rest = streams.filter((other) => other !== connection);
    if (rest.length === 0) this.#byCustomer.delete(connection.customerId);
    else this.#byCustomer.set(connection.customerId, rest);
    this.#connections--;
    if (this.#connections === 0) this.#stopHeartbeat();
  }

  /** One timer for the whole hub: idle hubs hold none. */
  #scheduleHeartbeat(): void {
    this.#heartbeat = this.#clock.setTimer(() => {
      this.#heartbeat = undefined;
      for (const streams of this.#byCustomer.values()) for (const connection of streams) connection.heartbeat();
      this.#endRevoked();
      if (this.#connections > 0 && !this.#closed) this.#scheduleHeartbeat();
    }, this.#heartbeatMs);
  }

  /** Ends the streams whose token is no longer good (checked once per token, at the heartbeat). */
  #endRevoked(): void {
    if (this.#tokenActive === undefined) return;
    endRevoked([...this.#byCustomer.values()].flat(), this.#tokenActive, this.#onError);
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat === undefined) return;
    this.#clock.clearTimer(this.#heartbeat);
    this.#heartbeat = undefined;
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`SseHub option ${name} must be a positive integer, got ${value}`);
  }
  return value;
}
