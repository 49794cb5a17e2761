/**
 * The booking domain as the API answers it (issue 10): a booking, its payments and tickets, the waiting list. A
 * booking is the saga's persisted state: `held` (seats taken, payment not yet succeeded) → `confirmed` (paid, one
 * ticket per seat), or compensated: `payment_failed`, `expired` (the hold ran out before a payment succeeded), or
 * `cancelled` (by the buyer or an admin; what was paid is refunded and the tickets voided). Money is integer cents.
 */
import type { PaymentMethod, PaymentStatus } from '../payments/payment.ts';
import type { HoldItem } from './inventory-types.ts';

export const BOOKING_STATUSES = ['held', 'confirmed', 'payment_failed', 'expired', 'cancelled'] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

/** A booking's line as decided: the places taken, their price each and in all. */
export interface BookingItem {
  categoryId: string;
  quantity: number;
  /** Seat ids ("A-7") for a seated category. */
  seats?: string[];
  unitPrice: number;
  amount: number;
}

export interface BookingPayment {
  id: string;
  bookingId: string;
  method: PaymentMethod;
  amount: number;
  currency: string;
  status: PaymentStatus;
  /** Cents refunded so far. */
  refunded: number;
  providerTransactionId?: string;
  failureReason?: string;
  createdAt: string;
  updatedAt: string;
}

export type BookingTicketStatus = 'valid' | 'voided';

/** One confirmed place: `secret` is what the QR code carries (Ed25519, verifiable offline). */
export interface BookingTicket {
  id: string;
  bookingId: string;
  showId: string;
  categoryId: string;
  seat?: string;
  secret: string;
  status: BookingTicketStatus;
}

export interface Booking {
  id: string;
  customerId: string;
  showId: string;
  status: BookingStatus;
  items: BookingItem[];
  total: number;
  currency: string;
  holdExpiresAt: string;
  /** Bumped by every status change; answered as the ETag `"<version>"`. */
  version: number;
  payments: BookingPayment[];
  /** Once confirmed: one per place (voided after a cancellation). */
  tickets: BookingTicket[];
  /** Set when the booking was made for a waiting-list entry. */
  waitingListEntryId?: string;
  createdAt: string;
  updatedAt: string;
}

/** What `POST /v1/bookings` asks for; without `payment` the booking is held until `POST /v1/bookings/:id/pay`. */
export interface BookingRequest {
  customerId: string;
  showId: string;
  items: HoldItem[];
  payment?: { method: PaymentMethod };
}

/**
 * The request a box-office call serves: its id (X-Request-Id, or the one the server made) becomes the correlation
 * id of a saga it begins and the causation id of the first event it causes (see BookingWriter.serve).
 */
export interface RequestContext {
  requestId?: string;
}

export const WAITING_LIST_STATUSES = ['waiting', 'offered', 'cancelled'] as const;
export type WaitingListStatus = (typeof WAITING_LIST_STATUSES)[number];

export interface WaitingListEntry {
  id: string;
  showId: string;
  customerId: string;
  categoryId: string;
  quantity: number;
  status: WaitingListStatus;
  /** The booking held for the entry when it was offered. */
  bookingId?: string;
  createdAt: string;
}

/** A payment's event: the payment as it stands, and the booking it pays for as it stands. */
export interface PaymentNoticeData extends BookingPayment {
  booking: { id: string; status: BookingStatus; version: number };
  /** For `payment.refunded`: the cents this refund returned. */
  refundAmount?: number;
}

/** A ticket let in at a gate (`ticket.checked_in`). */
export interface CheckInNoticeData {
  ticketId: string;
  bookingId: string;
  showId: string;
  gateId: string;
  scannedAt: string;
}

/** A waiting-list entry served: the booking held for it, to pay before `holdExpiresAt`. */
export interface WaitlistOfferData {
  entry: WaitingListEntry;
  booking: Booking;
}

/** What the box office writes to a customer's stream, with its data. */
export type BoxOfficePayload =
  | { type: 'booking.held' | 'booking.confirmed' | 'booking.expired' | 'booking.cancelled'; data: Booking }
  | { type: 'payment.succeeded' | 'payment.failed' | 'payment.refunded'; data: PaymentNoticeData }
  | { type: 'ticket.checked_in'; data: CheckInNoticeData }
  | { type: 'waitlist.offered'; data: WaitlistOfferData };

export type BoxOfficeEventType = BoxOfficePayload['type'];
