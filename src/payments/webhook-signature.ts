/**
 * Signed webhooks, Stripe-like: the header `t=<unix seconds>,v1=<hex HMAC-SHA256>` signs `<t>.<raw body>` with the
 * provider's secret. `signWebhook` is what a provider (the simulated one) does; `WebhookVerifier` is what
 * `POST /v1/payments/webhook` does before it trusts a body: constant-time compare, a timestamp within a tolerance
 * window on the injected clock, and a bounded memory of signatures already accepted inside that window, so a
 * captured request replayed later is refused either as too old or as seen. Refusals are typed reasons, not throws.
 */

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../platform/clock.ts';
import { checkRange, PaymentError } from './payment-error.ts';

/** The request header that carries the signature. */
export const SIGNATURE_HEADER = 'ticketd-signature';

export type WebhookRefusal =
  | 'missing_signature'
  | 'malformed_signature'
  | 'bad_signature'
  | 'timestamp_outside_tolerance'
  | 'replayed'
  | 'replay_memory_full';

export type WebhookVerdict = { ok: true; timestampMs: number } | { ok: false; reason: WebhookRefusal };

/**
 * The signature header for `body` at `nowMs`.
 *
 * @example
 * const header = signWebhook('{"type":"charge.succeeded"}', secret, clock.now()); // 't=1764421200,v1=5d41…'
 */
export function signWebhook(body: string, secret: string, nowMs: number): string {
  const seconds = Math.floor(nowMs / 1_000);
  return `t=${seconds},v1=${hmacHex(secret, seconds, body)}`;
}

export interface WebhookVerifierOptions {
  /** The provider's signing secret; at least 16 characters. */
  secret: string;
  clock: Clock;
  /** How far a signature's timestamp may be from now, either way: 1 s..1 h. */
  toleranceMs: number;
  /** How many accepted signatures are remembered to refuse replays inside the window: 1..1,000,000. */
  replayMemoryMax: number;
}

/**
 * Checks signed webhook requests.
 *
 * @example
 * const verifier = new WebhookVerifier({ secret, clock, toleranceMs: 300_000, replayMemoryMax: 10_000 });
 * const verdict = verifier.verify(rawBody, request.header(SIGNATURE_HEADER));
 * if (!verdict.ok) return answer400(verdict.reason);
 */
export class WebhookVerifier {
  readonly #secret: string;
  readonly #clock: Clock;
  readonly #toleranceMs: number;
  readonly #replayMemoryMax: number;
  /** Accepted signature → its timestamp (ms). Insertion order is acceptance order, which is what pruning uses. */
  readonly #seen = new Map<string, number>();

  constructor(options: WebhookVerifierOptions) {
    if (typeof options.secret !== 'string' || options.secret.length < 16) {
      throw new PaymentError('ERR_INVALID_OPTION', 'secret must be a string of at least 16 characters');
    }
    this.#secret = options.secret;
    this.#clock = options.clock;
    this.#toleranceMs = checkRange('toleranceMs', options.toleranceMs, 1_000, 3_600_000, true);
    this.#replayMemoryMax = checkRange('replayMemoryMax', options.replayMemoryMax, 1, 1_000_000, true);
  }

  /** Signatures currently remembered (for tests and metrics). */
  get remembered(): number {
    return this.#seen.size;
  }

  /** Verifies and, when it passes, remembers the signature so the same request is refused next time. */
  verify(rawBody: string, header: string | undefined): WebhookVerdict {
    if (header === undefined || header === '') return { ok: false, reason: 'missing_signature' };
    const parsed = parseHeader(header);
    if (parsed === undefined) return { ok: false, reason: 'malformed_signature' };
    const expected = Buffer.from(hmacHex(this.#secret, parsed.seconds, rawBody), 'hex');
    // Any v1 may match: a provider rotating its secret sends one signature per secret.
    const match = parsed.signatures.find((hex) => {
      const given = Buffer.from(hex, 'hex');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
    if (match === undefined) return { ok: false, reason: 'bad_signature' };
    const timestampMs = parsed.seconds * 1_000;
    const nowMs = this.#clock.now();
    if (Math.abs(nowMs - timestampMs) > this.#toleranceMs) return { ok: false, reason: 'timestamp_outside_tolerance' };
    this.#forgetExpired(nowMs);
    if (this.#seen.has(match)) return { ok: false, reason: 'replayed' };
    // Refusing (the provider retries later) keeps the memory bounded without forgetting a signature still replayable.
    if (this.#seen.size >= this.#replayMemoryMax) return { ok: false, reason: 'replay_memory_full' };
    this.#seen.set(match, timestampMs);
    return { ok: true, timestampMs };
  }

  /** A signature older than the window is refused by its timestamp anyway, so it need not be remembered. */
  #forgetExpired(nowMs: number): void {
    for (const [signature, timestampMs] of this.#seen) {
      if (nowMs - timestampMs <= this.#toleranceMs) break;
      this.#seen.delete(signature);
    }
  }
}

function hmacHex(secret: string, seconds: number, body: string): string {
  return createHmac('sha256', secret).update(`${seconds}.${body}`).digest('hex');
}

const HEADER_PARTS_MAX = 8;

function parseHeader(header: string): { seconds: number; signatures: string[] } | undefined {
  const parts = header.split(',');
  if (parts.length > HEADER_PARTS_MAX) return undefined;
  let seconds: number | undefined;
  const signatures: string[] = [];
  for (const part of parts) {
    const [key, value, extra] = part.trim().split('=');
    if (value === undefined || extra !== undefined) return undefined;
    if (key === 't' && /^\d{1,12}$/.test(value)) seconds = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
    else if (key === 't' || key === 'v1') return undefined;
    // Other schemes (v0, …) are ignored, as Stripe's verifiers do.
  }
  return seconds === undefined || signatures.length === 0 ? undefined : { seconds, signatures };
}
