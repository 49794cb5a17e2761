/**
 * The box office's refusals: each code is a stable answer the HTTP layer maps to a status (box-office routes), with
 * `details` naming what was not available. Bugs are not BoxOfficeErrors.
 */
import type { RefusalDetail } from './inventory-types.ts';

export type BoxOfficeErrorCode =
  | 'unknown_show'
  | 'unknown_customer'
  | 'unknown_booking'
  | 'unknown_payment'
  | 'unknown_category'
  | 'show_not_on_sale'
  | 'sales_closed'
  | 'sold_out'
  | 'seats_taken'
  | 'invalid_seats'
  | 'invalid_quantity'
  | 'too_many_items'
  | 'too_many_seats'
  | 'too_many_holds'
  | 'idempotency_key_reused'
  | 'version_mismatch'
  | 'booking_not_cancellable'
  | 'booking_not_held'
  | 'nonce_reused'
  | 'capacity_below_sold'
  | 'overloaded';

/**
 * @example
 * throw new BoxOfficeError('sold_out', 'stalls has 0 of 2 seats left', { categoryId: 'stalls', requested: 2, available: 0 });
 */
export class BoxOfficeError extends Error {
  override readonly name = 'BoxOfficeError';

  constructor(
    readonly code: BoxOfficeErrorCode,
    message: string,
    readonly details?: RefusalDetail,
  ) {
    // A refusal is an answer, not a fault: no stack is taken (capturing one cost a sold-out rush 7 % of its time).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}
