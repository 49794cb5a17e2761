import type { Tap } from '../domain/types.ts';
import type { CustomerInput, JournalResult, Notification, Outcome } from '../store/store-types.ts';
import type { EngineError } from './engine-api.ts';

export type JournalReply = { ok: true; results: JournalResult[] } | { ok: false; error: EngineError };

export interface Submission {
  taps: Tap[];
  reply: (result: JournalReply) => void;
}

/**
 * The gate's messages. A `flush` is told to self after the first submission of a round, so it arrives after
 * every submission queued meanwhile: one journal transaction serves them all. The flush carries its batch, so a
 * flush that fails and is redelivered retries the same submissions.
 */
export type GateMessage = { kind: 'submit'; submission: Submission } | { kind: 'flush'; batch?: Submission[] };

export type PricingMessage =
  | { kind: 'taps'; taps: Tap[] }
  | { kind: 'evaluated'; seq: number; outcomes: Outcome[] };

export type SequencerMessage = { kind: 'batch'; seq: number; outcomes: Outcome[] };

/** Like the gate's, the ledger's flush carries its batch so that a retried flush commits the same outcomes. */
export type LedgerMessage =
  | { kind: 'outcomes'; outcomes: Outcome[] }
  | { kind: 'flush'; batch?: Outcome[]; attempts?: number }
  | { kind: 'put-customer'; id: string; input: CustomerInput }
  | { kind: 'top-up'; customerId: string; topUpId: string; amount: number };

export type NotifierMessage = { kind: 'notify'; notifications: Notification[] };
