import type { MailboxCounters, MailboxOptions } from '../mailbox/bounded-mailbox.ts';
import type { RuntimeContext } from '../platform/context.ts';
import type { ActorRef } from './actor-ref.ts';
import type { SupervisorStrategy } from './supervisor.ts';

/** Any actor's handle, whatever it accepts: enough to watch it and to know which one it is. */
export interface Addressable {
  readonly path: string;
  readonly state: ActorState;
}

/** The explicit lifecycle of an actor. `suspended`: failed and waiting for its parent's decision. */
export type ActorState = 'starting' | 'running' | 'suspended' | 'restarting' | 'stopping' | 'stopped';

/**
 * What an actor does. `receive` handles one message at a time, even when it returns a promise; its return
 * value (awaited) is the reply to an `ask`. A fresh behavior is made by `Props.create` at start and after every
 * restart, so state kept in its closure is reset by a restart.
 */
export interface Behavior<M, R = void> {
  receive(message: M, ctx: ActorContext<M, R>): R | Promise<R>;
  preStart?(ctx: ActorContext<M, R>): void;
  postStop?(ctx: ActorContext<M, R>): void;
  /** On the failed instance, before it is replaced. */
  preRestart?(error: unknown, message: M | undefined, ctx: ActorContext<M, R>): void;
  /** On the fresh instance, after it replaced the failed one. Without it, `preStart` runs instead (as in Akka). */
  postRestart?(error: unknown, ctx: ActorContext<M, R>): void;
  /** A watched actor terminated. */
  onTerminated?(ref: Addressable, ctx: ActorContext<M, R>): void;
}

export interface Props<M, R = void> {
  /** Unique among its siblings; generated when absent. */
  name?: string;
  mailbox: MailboxOptions;
  create: (ctx: ActorContext<M, R>) => Behavior<M, R>;
  /** Most messages handled in one turn before other actors get theirs (default 64). */
  throughput?: number;
  /** Most attempts at one message before it becomes a dead letter `delivery_limit` (default 3). */
  deliveryLimit?: number;
  /** How this actor supervises its children (default: restart, 10 in 10 s, 0 backoff, one-for-one). */
  supervisor?: SupervisorStrategy;
  /** Most time `stop()` spends draining queued messages before the rest become dead letters (default 5,000). */
  stopTimeoutMs?: number;
}

export interface ActorContext<M, R = void> {
  readonly self: ActorRef<M, R>;
  readonly path: string;
  readonly parent: Addressable | undefined;
  readonly runtime: RuntimeContext;
  /** The sender of the message being handled, when it gave one. */
  readonly sender: ActorRef<never, unknown> | undefined;
  spawn<CM, CR = void>(props: Props<CM, CR>): ActorRef<CM, CR>;
  children(): Addressable[];
  watch(ref: Addressable): void;
  unwatch(ref: Addressable): void;
  /** Tells `message` to self after `delayMs` on the injected clock, unless the actor stopped or restarted. */
  scheduleOnce(delayMs: number, message: M): void;
}

/**
 * A message that could not be delivered, modelled on RabbitMQ's x-death header: why, how often it was tried,
 * and when it was first and last tried.
 */
export interface DeadLetter {
  message: unknown;
  recipient: string;
  sender?: string;
  reason: DeadLetterReason;
  error?: string;
  attempts: number;
  firstAt: number;
  lastAt: number;
}

export type DeadLetterReason =
  | 'mailbox_full'
  | 'dropped'
  | 'actor_stopped'
  | 'delivery_limit'
  | 'ask_timeout'
  | (string & {});

export type SystemEvent =
  | { type: 'started'; path: string; at: number }
  | { type: 'restarted'; path: string; at: number; error: string }
  | { type: 'failed'; path: string; at: number; error: string }
  | { type: 'stopped'; path: string; at: number }
  | { type: 'escalated'; path: string; at: number; error: string }
  | { type: 'dead-letter'; deadLetter: DeadLetter; at: number };

export interface ActorSnapshot {
  path: string;
  state: ActorState;
  mailbox: MailboxCounters;
}
