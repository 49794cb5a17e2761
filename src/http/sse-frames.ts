/**
 * The bytes of the SSE wire format that ticketd sends. A notification's data is one `JSON.stringify` line, which
 * never holds a raw newline, so one `data:` line per event is always enough.
 */
import type { FeedEvent } from '../store/event-feed.ts';
import type { Notification } from '../store/store-types.ts';

/** Response headers of an event stream; `x-accel-buffering: no` stops nginx from holding events back. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/** How long an EventSource waits before reconnecting, sent first on every stream. */
export const RETRY_FRAME = 'retry: 2000\n\n';

/** A comment line: keeps proxies from timing the stream out and lets a dead peer show up as a failed write. */
export const HEARTBEAT_FRAME = ': heartbeat\n\n';

/**
 * One notification as an SSE event.
 *
 * @example
 * notificationFrame(n); // 'id: 42\nevent: ticket.issued\ndata: {"ticketId":"t-1",...}\n\n'
 */
export function notificationFrame(notification: Notification): string {
  return `id: ${notification.id}\nevent: ${notification.type}\ndata: ${JSON.stringify(notification.data)}\n\n`;
}

/**
 * One event of the domain feed as an SSE event: the whole event (its envelope too) is the data.
 *
 * @example
 * feedEventFrame(e); // 'id: 42\nevent: booking.held\ndata: {"eventId":"42","type":"booking.held",...}\n\n'
 */
export function feedEventFrame(event: FeedEvent): string {
  return `id: ${event.eventId}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
