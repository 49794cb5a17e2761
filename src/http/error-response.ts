/**
 * Maps whatever a route throws to the status, code, message and headers of the error response. Known errors keep
 * their stable code; anything else is a 500 `internal` whose message says nothing about the internals.
 */
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { HTTPException } from 'hono/http-exception';
import { AccountError, type AccountErrorCode } from '../accounts/accounts.ts';
import { BoxOfficeError, type BoxOfficeErrorCode } from '../box-office/box-office-error.ts';
import { EngineError, type EngineErrorCode } from '../pipeline/engine-api.ts';
import { InputError } from '../domain/input-error.ts';
import { StoreError } from '../store/store-error.ts';
import { isClientAbort } from './access-log.ts';
import { HttpError } from './http-error.ts';

export interface ErrorAnswer {
  status: ContentfulStatusCode;
  code: string;
  message: string;
  headers: Readonly<Record<string, string>>;
  /** True for errors nobody planned for: worth logging with the original error. */
  internal: boolean;
  /** What was not available (a box-office refusal): the category, the seats, the counts. */
  details?: Readonly<Record<string, unknown>>;
}

/** The status of each box-office refusal (src/box-office/box-office-error.ts). */
const BOX_OFFICE_STATUS: Record<BoxOfficeErrorCode, ContentfulStatusCode> = {
  unknown_show: 404, unknown_customer: 404, unknown_booking: 404, unknown_payment: 404,
  unknown_category: 422, invalid_seats: 422, invalid_quantity: 422, too_many_items: 422, too_many_seats: 422,
  idempotency_key_reused: 422,
  show_not_on_sale: 409, sales_closed: 409, sold_out: 409, seats_taken: 409, too_many_holds: 409, booking_not_cancellable: 409,
  booking_not_held: 409, nonce_reused: 409, capacity_below_sold: 409,
  version_mismatch: 412,
  overloaded: 503,
};

/** The status of each refusal of the accounts (src/accounts/accounts.ts). */
const ACCOUNT_STATUS: Record<AccountErrorCode, ContentfulStatusCode> = {
  invalid_credentials: 401, login_throttled: 429, account_disabled: 403, unknown_user: 404, username_taken: 409,
  email_taken: 409, weak_password: 422, role_not_changeable: 409, hasher_busy: 503,
};

const ENGINE_ERRORS: Record<EngineErrorCode, { status: ContentfulStatusCode; code: string }> = {
  ERR_OVERLOADED: { status: 429, code: 'overloaded' },
  ERR_NOT_READY: { status: 503, code: 'not_ready' },
  ERR_UNKNOWN_CUSTOMER: { status: 404, code: 'unknown_customer' },
  ERR_UNKNOWN_DEAD_LETTER: { status: 404, code: 'unknown_dead_letter' },
  ERR_ALREADY_REPLAYED: { status: 409, code: 'already_replayed' },
  ERR_TOPUP_CONFLICT: { status: 409, code: 'topup_conflict' },
  ERR_BALANCE_NOT_SETTABLE: { status: 409, code: 'balance_not_settable' },
  ERR_BALANCE_LIMIT: { status: 409, code: 'balance_limit_exceeded' },
  ERR_STORAGE: { status: 503, code: 'storage_unavailable' },
};

/**
 * The error response for `error`.
 *
 * @example
 * errorAnswer(new EngineError('ERR_OVERLOADED', 'busy', 1_500));
 * // { status: 429, code: 'overloaded', message: 'busy', headers: { 'Retry-After': '2' }, internal: false }
 */
export function errorAnswer(error: unknown): ErrorAnswer {
  if (error instanceof HttpError) {
    return { status: error.status, code: error.code, message: error.message, headers: error.headers, internal: false };
  }
  if (error instanceof InputError) return answer(400, error.code, error.message);
  if (error instanceof EngineError) return engineAnswer(error);
  if (error instanceof BoxOfficeError) {
    const status = BOX_OFFICE_STATUS[error.code];
    return {
      status, code: error.code, message: error.message, headers: status === 503 ? { 'Retry-After': '1' } : {}, internal: false,
      ...(error.details !== undefined && { details: { ...error.details } }),
    };
  }
  if (error instanceof AccountError) {
    const status = ACCOUNT_STATUS[error.code];
    const headers: Record<string, string> = status === 429 || status === 503 ? { 'Retry-After': String(retryAfterSeconds(error.retryAfterMs)) } : {};
    return { status, code: error.code, message: error.message, headers, internal: false };
  }
  if (error instanceof StoreError && error.code === 'ERR_INVALID_CURSOR') {
    // The engine hands page cursors through to the store, which is the one that can tell a forged one.
    return answer(400, 'invalid_cursor', 'cursor is not one this server handed out');
  }
  if (error instanceof StoreError && error.code === 'ERR_UNKNOWN_CUSTOMER') return answer(404, 'unknown_customer', error.message);
  if (error instanceof StoreError && error.code === 'ERR_UNKNOWN_MACHINE') return answer(404, 'unknown_machine', error.message);
  if (error instanceof StoreError && error.code === 'ERR_STATUS_MOVE') return answer(409, 'status_not_allowed', error.message);
  if (error instanceof HTTPException && error.status === 415) {
    return answer(415, 'unsupported_media_type', 'the body must be JSON, sent with Content-Type: application/json');
  }
  // The client went away before its body arrived: nobody reads this answer, and nothing is wrong with the server.
  if (isClientAbort(error)) return answer(400, 'client_aborted', 'the client closed the connection before the whole body arrived');
  if (error instanceof HTTPException && error.status < 500) {
    return answer(error.status, 'bad_request', 'the request could not be read');
  }
  return { ...answer(500, 'internal', 'internal error'), internal: true };
}

function answer(status: ContentfulStatusCode, code: string, message: string): ErrorAnswer {
  return { status, code, message, headers: {}, internal: false };
}

function engineAnswer(error: EngineError): ErrorAnswer {
  const { status, code } = ENGINE_ERRORS[error.code] ?? { status: 500 as const, code: 'internal' };
  const headers: Record<string, string> = {};
  if (status === 429) headers['Retry-After'] = String(retryAfterSeconds(error.retryAfterMs));
  if (status === 503) headers['Retry-After'] = '1';
  // Storage messages may carry SQLite details; other engine messages are written for clients.
  const message = code === 'storage_unavailable' ? 'storage is unavailable; try again later' : error.message;
  return { status, code, message, headers, internal: status === 500 };
}

/** Whole seconds, rounded up, at least 1: `Retry-After` has no fractions and 0 invites a hot retry loop. */
function retryAfterSeconds(retryAfterMs: number | undefined): number {
  if (retryAfterMs === undefined || !Number.isFinite(retryAfterMs) || retryAfterMs <= 0) return 1;
  return Math.max(1, Math.ceil(retryAfterMs / 1_000));
}
