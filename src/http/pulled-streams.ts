/**
 * What the hubs whose streams pull their own events share (the domain feed's, feed-hub.ts; a customer's stream served
 * from its owning node, shard-streams.ts): the open streams with one heartbeat timer (and the revoked-token check
 * beside it) and one poll timer for them all, none while no stream is open; ending streams by token or at shutdown;
 * and sending a page of frames while letting a slow socket drain.
 */
import { yieldToEventLoop, type Clock, type TimerHandle } from '../platform/clock.ts';
import type { ServerResponse } from 'node:http';
import { HttpError } from './http-error.ts';
import type { SseConnection } from './sse-connection.ts';
import { endRevoked } from './sse-revocation.ts';

export interface PulledStreamsOptions<F> {
  clock: Clock;
  heartbeatMs: number;
  pollMs: number;
  /** Whether a token is still good; absent, streams are not checked. */
  tokenActive?: ((tokenId: string) => boolean) | undefined;
  onError: (error: unknown) => void;
  /** Each stream at every poll: look for what no wake-up announced. */
  onPoll: (follower: F) => void;
  /** When the first stream opens, and when the last one ends (listen to wake-ups only while needed). */
  onBusy?: () => void;
  onIdle?: () => void;
}

/**
 * @example
 * const streams = new PulledStreams<Follower>({ clock, heartbeatMs, pollMs, onError, onPoll: (f) => void pull(f) });
 * streams.add(follower); … streams.remove(connection); streams.close(2_000);
 */
/** A stream that pulls: whether a pull runs, and whether it was woken meanwhile (it then pulls once more). */
export interface PullingStream {
  readonly connection: SseConnection;
  pulling: boolean;
  again: boolean;
}

export class PulledStreams<F extends PullingStream> {
  readonly #options: PulledStreamsOptions<F>;
  readonly #followers = new Map<SseConnection, F>();
  #heartbeat: TimerHandle | undefined;
  #poll: TimerHandle | undefined;
  #closed = false;

  constructor(options: PulledStreamsOptions<F>) {
    this.#options = options;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get size(): number {
    return this.#followers.size;
  }

  values(): IterableIterator<F> {
    return this.#followers.values();
  }

  /** Throws the 503 of a closed hub or the 429 of a full one (`streamsMax`), before anything is written. */
  admit(streamsMax: number, what: string): void {
    if (this.#closed) throw new HttpError(503, 'shutting_down', 'the server is shutting down');
    if (this.#followers.size >= streamsMax) {
      throw new HttpError(429, 'too_many_streams', `${this.#followers.size} ${what} are open, the most allowed; close one first`);
    }
  }

  /** Adds the stream, opens it on its response and runs its first `pull`. */
  start(follower: F, res: ServerResponse, pull: () => Promise<void>): void {
    const { connection } = follower;
    this.add(follower);
    res.on('close', () => connection.closed());
    if (res.destroyed) return connection.closed();
    connection.open();
    connection.goLive();
    void this.pull(follower, pull);
  }

  /**
   * Runs `pull` for `follower` unless one runs already, which is then told to look once more (`again`); an error
   * ends the stream (its client resumes where it was) and goes to `onError`.
   */
  async pull(follower: F, pull: () => Promise<void>): Promise<void> {
    if (follower.pulling) {
      follower.again = true;
      return;
    }
    follower.pulling = true;
    try {
      await pull();
    } catch (error) {
      follower.connection.destroy();
      this.#options.onError(error);
    } finally {
      follower.pulling = false;
    }
  }

  add(follower: F): void {
    if (this.#followers.size === 0) this.#options.onBusy?.();
    this.#followers.set(follower.connection, follower);
    if (this.#heartbeat === undefined) this.#scheduleHeartbeat();
    if (this.#poll === undefined) this.#schedulePoll();
  }

  /** Forgets the stream of `connection`; answers it, or undefined for one it did not hold. */
  remove(connection: SseConnection): F | undefined {
    const follower = this.#followers.get(connection);
    if (follower === undefined) return undefined;
    this.#followers.delete(connection);
    if (this.#followers.size === 0) this.#idle();
    return follower;
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

  /** Ends every stream (telling clients when to come back) and stops the timers; `closed` from then on. */
  close(retryAfterMs?: number): void {
    if (this.#closed) return;
    this.#closed = true;
    const farewell = retryAfterMs === undefined ? undefined : `retry: ${Math.max(0, Math.round(retryAfterMs))}\n\n`;
    for (const connection of [...this.#followers.keys()]) connection.end(farewell);
    this.#followers.clear();
    this.#idle();
  }

  #scheduleHeartbeat(): void {
    const { clock, heartbeatMs, tokenActive, onError } = this.#options;
    this.#heartbeat = clock.setTimer(() => {
      this.#heartbeat = undefined;
      for (const connection of this.#followers.keys()) connection.heartbeat();
      if (tokenActive !== undefined) endRevoked(this.#followers.keys(), tokenActive, onError);
      if (this.#followers.size > 0 && !this.#closed) this.#scheduleHeartbeat();
    }, heartbeatMs);
  }

  #schedulePoll(): void {
    this.#poll = this.#options.clock.setTimer(() => {
      this.#poll = undefined;
      for (const follower of this.#followers.values()) this.#options.onPoll(follower);
      if (this.#followers.size > 0 && !this.#closed) this.#schedulePoll();
    }, this.#options.pollMs);
  }

  #idle(): void {
    this.#options.onIdle?.();
    if (this.#heartbeat !== undefined) this.#options.clock.clearTimer(this.#heartbeat);
    if (this.#poll !== undefined) this.#options.clock.clearTimer(this.#poll);
    this.#heartbeat = undefined;
    this.#poll = undefined;
  }
}

/**
 * Queues `frames` on `connection`, letting a slow socket drain (for at most `heartbeatMs` a time) rather than trip the
 * bound meant for clients that stopped reading; then flushes. False once the connection is gone (it was dropped).
 */
export async function sendDraining(
  connection: SseConnection, frames: Iterable<{ id: number; frame: string }>, clock: Clock, heartbeatMs: number,
): Promise<boolean> {
  for (const { id, frame } of frames) {
    if (connection.backlogged()) {
      if (!connection.flush()) return false;
      if (!(await connection.drained(clock, heartbeatMs))) {
        connection.destroy();
        return false;
      }
    }
    if (!connection.send(id, frame)) return false;
  }
  return connection.flush();
}

/** Between two pages of one stream: let others run, and drop a client that cannot take a page within a heartbeat. */
export async function betweenPages(connection: SseConnection, clock: Clock, heartbeatMs: number): Promise<boolean> {
  await yieldToEventLoop();
  if (await connection.drained(clock, heartbeatMs)) return true;
  connection.destroy();
  return false;
}
