/**
 * What the HTTP layer needs of the engine. The engine (src/pipeline/engine.ts) implements it with actors, the
 * worker pool and the store; HTTP tests implement it with fakes.
 */
import type { Customer, Machine, Ride, Tap, TapState } from '../domain/types.ts';
import type {
  CustomerInput,
  DeadLetter,
  DeadLetterPage,
  DeadLetterQuery,
  Notification,
  RideInput,
  TicketPage,
  TopUpResult,
} from '../store/store-types.ts';

export interface SubmittedTap {
  tapId: string;
  status: 'accepted' | 'duplicate';
}

export interface SubmitResult {
  /** One entry per tap, in request order, once the accepted ones are committed to SQLite. */
  taps: SubmittedTap[];
  /** With `wait`: each tap's state once decided, or still `pending` if the bounded wait ran out. */
  outcomes?: TapState[];
}

export interface ReadyState {
  ready: boolean;
  /** Why not, when not ready: `starting`, `stopping`, `overloaded`, `storage_failed`, `escalated`. */
  reason?: string;
}

export type NotificationListener = (notifications: readonly Notification[]) => void;

export interface EngineApi {
  readiness(): ReadyState;
  /**
   * Journals the taps (one group commit shared with concurrent requests) and resolves once they are committed.
   * Rejects with EngineError `ERR_OVERLOADED` (nothing accepted; retry after `retryAfterMs`) or `ERR_NOT_READY`.
   */
  submitTaps(taps: Tap[], options: { wait: boolean }): Promise<SubmitResult>;
  tapState(tapId: string): TapState | undefined;
  /** The customer a journaled tap is for (whose tap it is), or `undefined` for an unknown tap id. */
  tapCustomer(tapId: string): string | undefined;

  getCustomer(id: string): Customer | undefined;
  putCustomer(id: string, input: CustomerInput): Promise<{ customer: Customer; created: boolean }>;
  /** Rejects with `ERR_UNKNOWN_CUSTOMER` or `ERR_TOPUP_CONFLICT`. */
  topUp(customerId: string, topUpId: string, amount: number): Promise<TopUpResult>;
  listTickets(customerId: string, limit: number, cursor?: string): TicketPage;

  listRides(): Ride[];
  putRide(id: string, input: RideInput): Ride;
  putMachine(id: string, input: { publicKey?: string }): Machine;

  listDeadLetters(query: DeadLetterQuery): DeadLetterPage;
  getDeadLetter(id: number): DeadLetter | undefined;
  /** Runs the dead letter's tap through the pipeline again; resolves with its new state (bounded wait). */
  replayDeadLetter(id: number): Promise<TapState>;

  /** Committed notifications of one customer with id > afterId, oldest first (SSE replay). */
  notificationsAfter(customerId: string, afterId: number, limit: number): Notification[];
  /** Every committed notification batch, in commit order, right after its transaction committed. */
  onNotifications(listener: NotificationListener): () => void;
}

export type EngineErrorCode =
  | 'ERR_OVERLOADED'
  | 'ERR_NOT_READY'
  | 'ERR_UNKNOWN_CUSTOMER'
  | 'ERR_UNKNOWN_DEAD_LETTER'
  | 'ERR_ALREADY_REPLAYED'
  | 'ERR_TOPUP_CONFLICT'
  | 'ERR_STORAGE';

export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    /** For `ERR_OVERLOADED`: when to try again. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}
