import type { Tap } from '../domain/types.ts';
import type { StoreError } from '../store/store-error.ts';
import type { CustomerInput, CustomerPatch, Notification, Outcome } from '../store/store-types.ts';
import type { GroupWrite, WriteOutcome } from '../store/ticket-store.ts';
import type { Submission } from './submission.ts';

/** A tap on its way through the pipeline, with the request it came in and its place there. */
export interface InFlightTap {
  tap: Tap;
  submission: Submission;
  index: number;
}

/** Taps evaluated by the pool: `outcomes[i]` is the outcome of `origins[i]`. */
export interface Evaluated {
  origins: InFlightTap[];
  outcomes: Outcome[];
}

export type PricingMessage = { kind: 'taps'; origins: InFlightTap[] } | ({ kind: 'evaluated'; seq: number } & Evaluated);

export type SequencerMessage = { kind: 'batch'; seq: number } & Evaluated;

/** A box-office write waiting for the next group commit, and who hears what came of it. */
export interface PendingWrite {
  write: GroupWrite;
  /** Told once the commit is durable (or the write threw), or with the StoreError when the commit was given up. */
  done: (outcome: WriteOutcome | StoreError) => void;
}

/** The ledger's flush carries its batch and writes, so that a retried flush commits the same ones. */
export type LedgerMessage =
  | ({ kind: 'outcomes' } & Evaluated)
  | ({ kind: 'write' } & PendingWrite)
  | { kind: 'flush'; batch?: Evaluated; writes?: PendingWrite[]; attempts?: number }
  | { kind: 'put-customer'; id: string; input: CustomerInput }
  | { kind: 'patch-customer'; id: string; patch: CustomerPatch }
  | { kind: 'top-up'; customerId: string; topUpId: string; amount: number; requestId?: string };

export type NotifierMessage = { kind: 'notify'; notifications: Notification[] };
