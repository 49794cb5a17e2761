/**
 * What the HTTP layer needs of the engine. The engine (src/pipeline/engine.ts) implements it with actors, the
 * worker pool and the store; HTTP tests implement it with fakes.
 */
import type { Customer, Machine, Ride, Tap, TapState } from '../domain/types.ts';
import type {
  CustomerInput,
  CustomerPatch,
  DeadLetter,
  DeadLetterPage,
  DeadLetterQuery,
  Notification,
  RideInput,
  TapResult,
  TicketPage,
  TopUpResult,
} from '../store/store-types.ts';
import type { Show, ShowInput } from '../domain/show.ts';
import type { ShowPage } from '../store/shows.ts';
import type { ShowSearch } from '../store/shows-search.ts';
import type { BoxOffice } from '../box-office/box-office.ts';
import type { RequestContext } from '../box-office/booking-types.ts';
import type { InboxStore } from '../store/inbox.ts';
import type { FeedPage, FeedQuery } from '../store/event-feed.ts';

/** What the HTTP layer uses of the box office. */
export type BoxOfficeApi = Pick<
  BoxOffice,
  'book' | 'pay' | 'cancel' | 'getBooking' | 'listBookings' | 'getPayment' | 'snapshot' | 'joinWaitingList' | 'applyProviderEvent' | 'checkIn' | 'checkInList'
>;

export interface ReadyState {
  ready: boolean;
  /** Why not, when not ready: `starting`, `stopping`, `overloaded`, `storage_failed`, `escalated`. */
  reason?: string;
}

export type NotificationListener = (notifications: readonly Notification[]) => void;

export interface EngineApi {
  readiness(): ReadyState;
  /**
   * Decides the taps (validated, priced, charged; one group commit shared with concurrent requests) and resolves,
   * once that is committed, with each tap's result in request order. Rejects with EngineError `ERR_OVERLOADED`
   * (nothing decided; retry after `retryAfterMs`), `ERR_NOT_READY`, or `ERR_STORAGE` (not all decided; resend).
   */
  submitTaps(taps: Tap[]): Promise<TapResult[]>;
  tapState(tapId: string): TapState | undefined;
  /** The customer a decided tap is for (whose tap it is), or `undefined` for an unknown tap id. */
  tapCustomer(tapId: string): string | undefined;

  getCustomer(id: string): Customer | undefined;
  /** Creates or replaces a customer; rejects with `ERR_BALANCE_NOT_SETTABLE` when `balance` is given for one that exists and holds another balance. */
  putCustomer(id: string, input: CustomerInput): Promise<{ customer: Customer; created: boolean }>;
  /** Changes the given fields of a customer; rejects with `ERR_UNKNOWN_CUSTOMER`. */
  patchCustomer(id: string, patch: CustomerPatch): Promise<Customer>;
  /**
   * Rejects with `ERR_UNKNOWN_CUSTOMER`, `ERR_TOPUP_CONFLICT` or `ERR_BALANCE_LIMIT` (the balance would pass AMOUNT_MAX).
   * `context.requestId` is the correlation id of its `balance.changed` event.
   */
  topUp(customerId: string, topUpId: string, amount: number, context?: RequestContext): Promise<TopUpResult>;
  listTickets(customerId: string, limit: number, cursor?: string): TicketPage;

  listRides(): Ride[];
  putRide(id: string, input: RideInput): { ride: Ride; created: boolean };
  listMachines(): Machine[];
  putMachine(id: string, input: { publicKey?: string }): { machine: Machine; created: boolean };

  /**
   * Creates or replaces a show; throws StoreError `ERR_STATUS_MOVE` when its status may not move as asked, and
   * BoxOfficeError `capacity_below_sold` when its held and sold places would not fit the new categories.
   */
  putShow(id: string, input: ShowInput): Promise<{ show: Show; created: boolean }>;
  getShow(id: string): Show | undefined;
  searchShows(search: ShowSearch): ShowPage;
  /** The box office: bookings, payments, the waiting list, check-in (src/box-office/box-office.ts). */
  readonly boxOffice: BoxOfficeApi;
  /** Each customer's inbox: the notifications of its stream, newest first, and how far it has read (store/inbox.ts). */
  readonly inbox: Pick<InboxStore, 'page' | 'markRead'>;

  listDeadLetters(query: DeadLetterQuery): DeadLetterPage;
  getDeadLetter(id: number): DeadLetter | undefined;
  /** Runs the dead letter's tap through the pipeline again; resolves with its new state (bounded wait). */
  replayDeadLetter(id: number): Promise<TapState>;

  /** A page of the domain event feed: every event of the log in id order, filtered (store/event-feed.ts). */
  feed(query: FeedQuery): FeedPage;

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
  | 'ERR_BALANCE_NOT_SETTABLE'
  | 'ERR_BALANCE_LIMIT'
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
