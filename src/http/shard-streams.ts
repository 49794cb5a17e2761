/**
 * A customer's event stream on a node of several (issue 12): the customer's events live on the node that owns it,
 * so any node serves the stream by asking the owner, through the broker, for the pages after the position it has
 * sent (`AmqpBridge.streamPage`): the ids are the owner's everywhere, and `Last-Event-ID` resumes gap-free on any node.
 * A stream pulls a page, sends it, and pulls again while pages come full; then it rests until an event of its customer
 * is published by any node (`AmqpBridge.watchCustomer`), or the poll. Frames, heartbeats, the bound on unsent bytes and
 * the end of revoked tokens are those of the customers' own streams (SseConnection, sse-revocation.ts).
 */
import type { ServerResponse } from 'node:http';
import type { Clock } from '../platform/clock.ts';
import type { Notification } from '../store/store-types.ts';
import { SseConnection } from './sse-connection.ts';
import { notificationFrame } from './sse-frames.ts';
import { betweenPages, PulledStreams, sendDraining } from './pulled-streams.ts';

/** Notifications asked of the owner per page. */
export const SHARD_STREAM_PAGE_SIZE = 500;
/** Longest wait for the owner's answer to one page. */
export const SHARD_PAGE_TIMEOUT_MS = 10_000;

/** The broker side of it: AmqpBridge. */
export interface ShardStreamSource {
  streamPage(customerId: string, after: number, limit: number, timeoutMs: number): Promise<Notification[]>;
  streamHead(customerId: string, timeoutMs: number): Promise<number>;
  watchCustomer(customerId: string, wake: () => void): () => void;
}

export interface ShardStreamsOptions {
  source: ShardStreamSource;
  clock: Clock;
  heartbeatMs: number;
  bufferBytes: number;
  /** Streams ask the owner again this often even when no event was announced (default 1000). */
  pollMs?: number;
  /** Open streams in all on this node; one more is refused with 429 `too_many_streams` (default 10,000). */
  streamsMax?: number;
  tokenActive?: (tokenId: string) => boolean;
  onError?: (error: unknown) => void;
}

interface Follower {
  readonly connection: SseConnection;
  readonly unwatch: () => void;
  pulling: boolean;
  again: boolean;
}

/**
 * @example
 * const streams = new ShardStreams({ source: bridge, clock, heartbeatMs: 15_000, bufferBytes: 1 << 20 });
 * await streams.connect('customer-1', 41, res, 'tok-1'); // ids 42, … as the owner numbered them, then live
 */
export class ShardStreams {
  readonly #source: ShardStreamSource;
  readonly #clock: Clock;
  readonly #heartbeatMs: number;
  readonly #bufferBytes: number;
  readonly #streamsMax: number;
  readonly #onError: (error: unknown) => void;
  /** The open streams, their heartbeat and poll (pulled-streams.ts). */
  readonly #streams: PulledStreams<Follower>;

  constructor(options: ShardStreamsOptions) {
    this.#source = options.source;
    this.#clock = options.clock;
    this.#heartbeatMs = options.heartbeatMs;
    this.#bufferBytes = options.bufferBytes;
    this.#streamsMax = options.streamsMax ?? 10_000;
    this.#onError = options.onError ?? (() => undefined);
    this.#streams = new PulledStreams<Follower>({
      clock: this.#clock, heartbeatMs: this.#heartbeatMs, pollMs: options.pollMs ?? 1_000, tokenActive: options.tokenActive,
      onError: this.#onError, onPoll: (follower) => void this.#pull(follower),
    });
  }

  /**
   * Starts the stream of `customerId` after `after` on `res` (without it: from now). Rejects before anything is
   * written when the hub is closed (503), full (429) or the owner cannot be asked (503 `not_ready`), so the route can
   * still answer in JSON.
   */
  async connect(customerId: string, after: number | undefined, res: ServerResponse, tokenId?: string): Promise<void> {
    this.#streams.admit(this.#streamsMax, 'customer streams served from other nodes');
    // Without Last-Event-ID a stream starts from now, as on the owner itself: after the customer's latest event.
    const afterId = after ?? (await this.#source.streamHead(customerId, SHARD_PAGE_TIMEOUT_MS));
    const first = await this.#source.streamPage(customerId, afterId, SHARD_STREAM_PAGE_SIZE, SHARD_PAGE_TIMEOUT_MS);
    const connection = new SseConnection({
      customerId, ...(tokenId !== undefined && { tokenId }), res, afterId, bufferBytes: this.#bufferBytes, liveBufferMax: 1,
      onGone: (gone) => this.#streams.remove(gone)?.unwatch(),
    });
    const follower: Follower = {
      connection, pulling: false, again: false,
      unwatch: this.#source.watchCustomer(customerId, () => void this.#pull(follower)),
    };
    this.#streams.start(follower, res, () => this.#pages(follower, first));
  }

  /** Ends every stream opened with `tokenId` (its token was revoked); answers how many. */
  closeToken(tokenId: string): number {
    return this.#streams.closeToken(tokenId);
  }

  get size(): number {
    return this.#streams.size;
  }

  close(retryAfterMs?: number): void {
    for (const follower of this.#streams.values()) follower.unwatch();
    this.#streams.close(retryAfterMs);
  }

  #pull(follower: Follower): Promise<void> {
    return this.#streams.pull(follower, () => this.#pages(follower));
  }

  /** Sends the owner's pages after what the stream has sent, while they come full; a wake during it pulls once more. */
  async #pages(f: Follower, first?: Notification[]): Promise<void> {
    const { connection } = f;
    let page = first;
    for (;;) {
      f.again = false;
      // An owner that does not answer (down, or the broker away) rejects: the stream ends, its client resumes later.
      page ??= await this.#source.streamPage(connection.customerId, connection.lastSentId, SHARD_STREAM_PAGE_SIZE, SHARD_PAGE_TIMEOUT_MS);
      const frames = page.map((notification) => ({ id: notification.id, frame: notificationFrame(notification) }));
      if (!(await sendDraining(connection, frames, this.#clock, this.#heartbeatMs))) return;
      const full = page.length >= SHARD_STREAM_PAGE_SIZE;
      page = undefined;
      if (!full && !f.again) return;
      if (!(await betweenPages(connection, this.#clock, this.#heartbeatMs))) return;
    }
  }
}
