import type { SendOptions } from '../mailbox/bounded-mailbox.ts';
import type { ActorCell } from './actor-cell.ts';
import { invalidOption } from './errors.ts';
import type { ActorSnapshot, ActorState } from './types.ts';

export interface AskOptions {
  timeoutMs: number;
}

/**
 * The handle to an actor: all anyone outside it can do is send to it, ask it, or stop it.
 *
 * @example
 * const counter = system.spawn<number, number>({ mailbox, create: () => { let n = 0; return { receive: (k) => (n += k) } } });
 * counter.tell(1);
 * const total = await counter.ask(2, { timeoutMs: 100 }); // 3
 */
export class ActorRef<M, R = void> {
  constructor(
    /** @internal */
    readonly cell: ActorCell<M, R>,
  ) {}

  get path(): string {
    return this.cell.path;
  }

  get state(): ActorState {
    return this.cell.state;
  }

  /**
   * Fire and forget. Returns false when the message was not queued (mailbox full under `reject`, `drop-newest` or
   * `backpressure`, or the actor stopped); it has then become a dead letter.
   */
  tell(message: M, sender?: ActorRef<never, unknown>): boolean {
    return this.cell.tell(message, sender?.cell);
  }

  /**
   * Sends and waits for the reply (the handler's return value). Rejects with `ERR_ASK_TIMEOUT` naming the target
   * after `timeoutMs`; a reply later than that becomes a dead letter (`ask_timeout`). Rejects at once with
   * `ERR_MAILBOX_FULL` or `ERR_ACTOR_STOPPED` when the question could not be delivered.
   */
  ask(message: M, options: AskOptions): Promise<R> {
    if (!(options.timeoutMs > 0) || !Number.isFinite(options.timeoutMs)) {
      return Promise.reject(invalidOption('ask timeoutMs', 'a finite number > 0', options.timeoutMs));
    }
    return this.cell.ask(message, options.timeoutMs);
  }

  /** Waits for room when the mailbox's policy is `backpressure`, bounded by `timeoutMs` and `signal`. */
  send(message: M, options: SendOptions): Promise<void> {
    return this.cell.send(message, options);
  }

  /** Graceful stop: queued messages are handled (within the actor's stop timeout), children stop first. */
  stop(): Promise<void> {
    return this.cell.stop();
  }

  /** Immediate stop: queued messages become dead letters (`actor_stopped`). */
  kill(): void {
    this.cell.kill();
  }

  snapshot(): ActorSnapshot {
    return this.cell.snapshot();
  }
}
