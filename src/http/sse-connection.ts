/**
 * One event stream of a customer, written straight to the Node response. It starts `replaying` (live notifications
 * are held back, bounded, while the outbox is replayed), then goes `live`; it never sends an id at or below the last
 * one sent. Frames are queued and leave in one `res.write` per `flush()`: the hub flushes once per notification
 * batch, a replay once per page. A client that stops reading shows up as a growing write buffer: past `bufferBytes`
 * (queued frames included) the connection is destroyed and the client resumes later with `Last-Event-ID`.
 */
import type { ServerResponse } from 'node:http';
import type { Clock } from '../platform/clock.ts';
import type { Notification } from '../store/store-types.ts';
import { HEARTBEAT_FRAME, RETRY_FRAME, SSE_HEADERS, notificationFrame } from './sse-frames.ts';

export type SseConnectionState = 'replaying' | 'live' | 'closed';

export interface SseConnectionOptions {
  customerId: string;
  /** The token the stream was opened with: revoking it ends the stream. */
  tokenId?: string;
  res: ServerResponse;
  /** Ids at or below this one are never sent (the client has them). */
  afterId: number;
  /** Most bytes the response may hold unsent, queued frames included, before the client counts as not reading. */
  bufferBytes: number;
  /** Most live notifications held back while replaying; past it they are dropped and replay reads them again. */
  liveBufferMax: number;
  /** Called once, when the connection ends for any reason. */
  onGone: (connection: SseConnection) => void;
  /** Where notification frames are counted as they are queued, shared by the hub's connections (its stats). */
  tally?: SseTally;
}

/** Counts kept by plain increments on the hot path, read by `SseHub.stats()`. */
export interface SseTally {
  frames: number;
}

/**
 * @example
 * const conn = new SseConnection({ customerId: 'c-1', res, afterId: 41, bufferBytes: 1 << 20, liveBufferMax: 1_000,
 *   onGone: (c) => hub.remove(c) });
 * conn.open();
 * for (const n of page) conn.sendReplayed(n);
 * conn.goLive(); // writes the page and what was held back, as one chunk
 */
export class SseConnection {
  readonly customerId: string;
  readonly tokenId: string | undefined;
  readonly res: ServerResponse;
  #state: SseConnectionState = 'replaying';
  #lastSentId: number;
  #held: Notification[] = [];
  #missed = false;
  /** Frames queued since the last flush; with the response's own buffer, at most `bufferBytes` long. */
  #queued = '';
  readonly #bufferBytes: number;
  readonly #liveBufferMax: number;
  readonly #onGone: (connection: SseConnection) => void;
  readonly #tally: SseTally;

  constructor(options: SseConnectionOptions) {
    this.customerId = options.customerId;
    this.tokenId = options.tokenId;
    this.res = options.res;
    this.#lastSentId = options.afterId;
    this.#bufferBytes = options.bufferBytes;
    this.#liveBufferMax = options.liveBufferMax;
    this.#onGone = options.onGone;
    this.#tally = options.tally ?? { frames: 0 };
  }

  get state(): SseConnectionState {
    return this.#state;
  }

  get lastSentId(): number {
    return this.#lastSentId;
  }

  /** Sends the headers and the reconnect delay. */
  open(): void {
    this.res.writeHead(200, SSE_HEADERS);
    this.#queued = RETRY_FRAME;
    this.flush();
  }

  /**
   * A live notification from the hub, with its frame (made once for all of the customer's streams): queued when
   * live, held back while replaying. True when it made the queue non-empty, i.e. the connection now needs a `flush()`.
   */
  offer(notification: Notification, frame: string): boolean {
    if (this.#state === 'live') {
      const wasEmpty = this.#queued === '';
      return this.#queue(notification.id, frame) && wasEmpty && this.#queued !== '';
    }
    if (this.#state === 'replaying') {
      if (this.#held.length >= this.#liveBufferMax) {
        // Everything live is committed first, so replay finds the dropped ones again in the outbox.
        this.#held = [];
        this.#missed = true;
      }
      this.#held.push(notification);
    }
    return false;
  }

  /** True when half the buffer is taken by unsent bytes: a replay should flush and wait for the socket. */
  backlogged(): boolean {
    return this.res.writableLength + this.#queued.length > this.#bufferBytes / 2;
  }

  /** Queues a notification read from the outbox during replay; false once the connection is gone. */
  sendReplayed(notification: Notification): boolean {
    return this.#queue(notification.id, notificationFrame(notification));
  }

  /** Queues an event of id `id` with its frame made elsewhere (the domain feed's, feed-hub.ts); false once gone. */
  send(id: number, frame: string): boolean {
    return this.#queue(id, frame);
  }

  /** True (once) if held-back live notifications were dropped, so replay must read the outbox again. */
  takeMissed(): boolean {
    const missed = this.#missed;
    this.#missed = false;
    return missed;
  }

  /** Ends the replay: queues the held-back live notifications that replay did not cover, flushes, goes live. */
  goLive(): void {
    if (this.#state !== 'replaying') return;
    const held = this.#held;
    this.#held = [];
    this.#state = 'live';
    for (const notification of held) if (!this.#queue(notification.id, notificationFrame(notification))) return;
    this.flush();
  }

  heartbeat(): void {
    if (this.#state === 'closed') return;
    this.#queued += HEARTBEAT_FRAME;
    this.flush();
  }

  /** Writes the queued frames as one chunk; false once the connection is gone. */
  flush(): boolean {
    if (this.#state === 'closed') return false;
    if (this.#queued === '') return true;
    if (this.res.destroyed) {
      // The socket is gone and its 'close' event is still on its way.
      this.closed();
      return false;
    }
    const text = this.#queued;
    this.#queued = '';
    this.res.write(text);
    if (this.res.writableLength > this.#bufferBytes) {
      this.destroy();
      return false;
    }
    return true;
  }

  /**
   * Resolves true once the response has room again, false if the connection ends or `timeoutMs` passes first.
   *
   * @example
   * if (conn.res.writableNeedDrain && !(await conn.drained(clock, 15_000))) conn.destroy();
   */
  drained(clock: Clock, timeoutMs: number): Promise<boolean> {
    if (this.#state === 'closed') return Promise.resolve(false);
    if (!this.res.writableNeedDrain) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const finish = (ok: boolean): void => {
        clock.clearTimer(timer);
        this.res.off('drain', onDrain);
        this.res.off('close', onClose);
        resolve(ok);
      };
      const onDrain = (): void => finish(true);
      const onClose = (): void => finish(false);
      const timer = clock.setTimer(() => finish(false), timeoutMs);
      this.res.on('drain', onDrain);
      this.res.on('close', onClose);
    });
  }

  /**
   * Ends the stream at shutdown: cleanly when everything sent has left, at once when bytes are still queued, since
   * a client that is not reading would otherwise hold the socket (and a server shutdown) open. `finalFrame` (e.g. a
   * `retry:` hint) is the last thing a reading client gets.
   */
  end(finalFrame?: string): void {
    const rest = this.#queued + (finalFrame ?? '');
    const stalled = this.res.writableLength > 0;
    if (!this.#gone()) return;
    if (stalled) return void this.res.destroy();
    this.res.end(rest === '' ? undefined : rest);
  }

  /** Drops the connection at once (a client that does not read, or a failed replay). */
  destroy(): void {
    if (this.#gone()) this.res.destroy();
  }

  /** The response closed underneath (the client went away). */
  closed(): void {
    this.#gone();
  }

  #gone(): boolean {
    if (this.#state === 'closed') return false;
    this.#state = 'closed';
    this.#held = [];
    this.#queued = '';
    this.#onGone(this);
    return true;
  }

  /** Queues one frame; past the bound (unsent plus queued) the client counts as not reading and is dropped. */
  #queue(id: number, frame: string): boolean {
    if (this.#state === 'closed') return false;
    if (id <= this.#lastSentId) return true;
    this.#queued += frame;
    if (this.res.writableLength + this.#queued.length > this.#bufferBytes) {
      this.destroy();
      return false;
    }
    this.#lastSentId = id;
    this.#tally.frames++;
    return true;
  }
}
