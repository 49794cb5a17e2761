/**
 * One customer's event stream, written straight to the Node response. It starts `replaying` (live notifications
 * are held back, bounded, while the outbox is replayed), then goes `live`; it never sends an id at or below the last
 * one sent. A client that stops reading shows up as a growing write buffer: past `bufferBytes` the connection is
 * destroyed and the client resumes later with `Last-Event-ID`.
 */
import type { ServerResponse } from 'node:http';
import type { Clock } from '../platform/clock.ts';
import type { Notification } from '../store/store-types.ts';
import { HEARTBEAT_FRAME, RETRY_FRAME, SSE_HEADERS, notificationFrame } from './sse-frames.ts';

export type SseConnectionState = 'replaying' | 'live' | 'closed';

export interface SseConnectionOptions {
  customerId: string;
  res: ServerResponse;
  /** Ids at or below this one are never sent (the client has them). */
  afterId: number;
  /** Most bytes the response may hold unsent before the client counts as not reading. */
  bufferBytes: number;
  /** Most live notifications held back while replaying; past it they are dropped and replay reads them again. */
  liveBufferMax: number;
  /** Called once, when the connection ends for any reason. */
  onGone: (connection: SseConnection) => void;
}

/**
 * @example
 * const conn = new SseConnection({ customerId: 'c-1', res, afterId: 41, bufferBytes: 1 << 20, liveBufferMax: 1_000,
 *   onGone: (c) => hub.remove(c) });
 * conn.open();
 * for (const n of page) conn.sendReplayed(n);
 * conn.goLive();
 */
export class SseConnection {
  readonly customerId: string;
  readonly res: ServerResponse;
  #state: SseConnectionState = 'replaying';
  #lastSentId: number;
  #held: Notification[] = [];
  #missed = false;
  readonly #bufferBytes: number;
  readonly #liveBufferMax: number;
  readonly #onGone: (connection: SseConnection) => void;

  constructor(options: SseConnectionOptions) {
    this.customerId = options.customerId;
    this.res = options.res;
    this.#lastSentId = options.afterId;
    this.#bufferBytes = options.bufferBytes;
    this.#liveBufferMax = options.liveBufferMax;
    this.#onGone = options.onGone;
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
    this.#write(RETRY_FRAME);
  }

  /** A live notification from the hub: sent when live, held back while replaying. */
  offer(notification: Notification): void {
    if (this.#state === 'live') {
      this.#send(notification);
    } else if (this.#state === 'replaying') {
      if (this.#held.length >= this.#liveBufferMax) {
        // Everything live is committed first, so replay finds the dropped ones again in the outbox.
        this.#held = [];
        this.#missed = true;
      }
      this.#held.push(notification);
    }
  }

  /** A notification read from the outbox during replay; false once the connection is gone. */
  /** True when half the buffer is taken by unsent bytes: a replay should wait for the socket before writing on. */
  backlogged(): boolean {
    return this.res.writableLength > this.#bufferBytes / 2;
  }

  sendReplayed(notification: Notification): boolean {
    return this.#send(notification);
  }

  /** True (once) if held-back live notifications were dropped, so replay must read the outbox again. */
  takeMissed(): boolean {
    const missed = this.#missed;
    this.#missed = false;
    return missed;
  }

  /** Ends the replay: sends the held-back live notifications that replay did not cover, then goes live. */
  goLive(): void {
    if (this.#state !== 'replaying') return;
    const held = this.#held;
    this.#held = [];
    this.#state = 'live';
    for (const notification of held) if (!this.#send(notification)) return;
  }

  heartbeat(): void {
    this.#write(HEARTBEAT_FRAME);
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
   * Ends the stream (replaced by a newer connection, or shutdown): cleanly when everything sent has left, at once
   * when bytes are still queued, since a client that is not reading would otherwise hold the socket (and a
   * server shutdown) open. `finalFrame` (e.g. a `retry:` hint at shutdown) is the last thing a reading client gets.
   */
  end(finalFrame?: string): void {
    const stalled = this.res.writableLength > 0;
    if (!this.#gone()) return;
    if (stalled) return void this.res.destroy();
    this.res.end(finalFrame);
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
    this.#onGone(this);
    return true;
  }

  #send(notification: Notification): boolean {
    if (notification.id <= this.#lastSentId) return this.#state !== 'closed';
    if (!this.#write(notificationFrame(notification))) return false;
    this.#lastSentId = notification.id;
    return true;
  }

  #write(text: string): boolean {
    if (this.#state === 'closed') return false;
    if (this.res.destroyed) {
      // The socket is gone and its 'close' event is still on its way.
      this.closed();
      return false;
    }
    this.res.write(text);
    if (this.res.writableLength > this.#bufferBytes) {
      this.destroy();
      return false;
    }
    return true;
  }
}
