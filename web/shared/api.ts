/**
 * The pages' way to ticketd's API: same origin, the session cookie (HttpOnly, set by `POST /v1/sessions`) for
 * authentication, and the session's CSRF token (the readable `ticketd_csrf` cookie) on every request that changes
 * something. Errors arrive as ApiError with the API's code and message.
 */

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

const SAFE = new Set(['GET', 'HEAD']);

function csrfToken(): string | undefined {
  const match = /(?:^|;\s*)ticketd_csrf=([^;]+)/.exec(document.cookie);
  return match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
}

/**
 * @example
 * const me = await api<Me>('GET', '/v1/me');
 * await api('POST', '/v1/sessions', { username, password });
 * await api('POST', `/v1/bookings/${id}/cancel`, undefined, { 'if-match': '"2"' });
 */
export async function api<T>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<T> {
  const headers: Record<string, string> = { ...extraHeaders };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const csrf = SAFE.has(method) ? undefined : csrfToken();
  if (csrf !== undefined) headers['x-csrf-token'] = csrf;
  const response = await fetch(path, {
    method, headers, credentials: 'same-origin', ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const value: unknown = text === '' ? undefined : JSON.parse(text);
  if (!response.ok) {
    const error = (value as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(response.status, error?.code ?? 'error', error?.message ?? `${method} ${path} answered ${response.status}`);
  }
  return value as T;
}

/** Cents as money: 1234 → "12.34 EUR". */
export function money(cents: number, currency = 'EUR'): string {
  return `${(cents / 100).toFixed(2)} ${currency}`;
}

/**
 * An element with attributes and children; text children are text nodes (never HTML), so nothing from the API can
 * inject markup.
 *
 * @example
 * el('li', { class: 'ticket' }, 'Carousel ', el('strong', {}, '5.00 EUR'))
 */
export function el(tag: string, attributes: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/** 128 random bits as hex: an Idempotency-Key or a top-up id (crypto.randomUUID needs a secure context; plain http on a LAN is not one). */
export function randomId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
