/**
 * Ticket secrets: signing and verifying through ticket-secret.ts against bare `crypto.sign` / `crypto.verify` of
 * the same bytes (the ceiling: what encoding, parsing and the canonical check add), the cost of refusing garbage,
 * and one check-in decision on a verified secret. `node --import tsx bench/ticket-secret.bench.ts [filter]`.
 */
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { decideCheckIn, type CheckInScan } from '../src/domain/check-in.ts';
import {
  TICKET_SECRET_LENGTH_MAX, signTicketSecret, verifyTicketSecret, type TicketSecretFields,
} from '../src/domain/ticket-secret.ts';
import {
  isMainModule, printTable, runSubjectCases, settingsFromEnv, type SubjectCase, type SubjectResults,
} from './bench-fixtures.ts';
import type { BenchSettings } from './harness.ts';

/** Secrets per task call: enough that tinybench's per-call overhead is noise next to ~20-80 µs of Ed25519. */
const BATCH = 100;
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const keys = new Map([[1, publicKey]]);
const fields: TicketSecretFields = {
  keyId: 1,
  ticketId: 'ticket-6f1c2b3a-9d4e-4f5a-8b6c-7d8e9f0a1b2c',
  showId: 'show-0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  issuedAtSec: 1_795_000_000,
};
const secret = signTicketSecret(fields, privateKey);
const secretBytes = Buffer.from(secret, 'base64url');
const body = secretBytes.subarray(0, -64);
const signature = secretBytes.subarray(-64);
const garbage = 'A'.repeat(TICKET_SECRET_LENGTH_MAX);

/** Consumed so the optimiser cannot drop the work. */
let sink = 0;

function batchCase(name: string, baseline: string | undefined, one: () => number): SubjectCase {
  return {
    name,
    ...(baseline === undefined ? {} : { baseline }),
    messagesPerTask: BATCH,
    fn() {
      for (let i = 0; i < BATCH; i++) sink = (sink + one()) | 0;
    },
  };
}

function cases(): SubjectCase[] {
  const scan: CheckInScan = { secret, gateId: 'gate-a', scannedAt: 2_000, nonce: 'n1' };
  const verification = verifyTicketSecret(secret, keys);
  return [
    batchCase('ed25519.sign', undefined, () => sign(null, body, privateKey).length),
    batchCase('ticket-secret.sign', 'ed25519.sign', () => signTicketSecret(fields, privateKey).length),
    batchCase('ed25519.verify', undefined, () => (verify(null, body, publicKey, signature) ? 1 : 0)),
    batchCase('ticket-secret.verify', 'ed25519.verify', () => (verifyTicketSecret(secret, keys).ok ? 1 : 0)),
    batchCase('ticket-secret.verify-garbage', 'ed25519.verify', () => (verifyTicketSecret(garbage, keys).ok ? 1 : 0)),
    batchCase('check-in.decide', 'ed25519.verify', () => {
      const decision = decideCheckIn({
        scan, verification, ticket: { id: fields.ticketId, showId: fields.showId, voided: false },
        showId: fields.showId, checkInOpensAt: 1_000, acceptedCheckIn: undefined, sameNonce: undefined, receivedAt: 2_000,
      });
      return decision.kind.length;
    }),
  ];
}

/**
 * `ed25519.sign` / `ed25519.verify`: bare node:crypto over the 50 signed bytes of a secret with uuid ids (the
 * baselines). `ticket-secret.sign` / `.verify`: the same through this module (encode, base64url; decode, parse,
 * canonical re-encode, verify). `ticket-secret.verify-garbage`: a 267-character string of `A`s, refused as
 * malformed. `check-in.decide`: one decision on an already verified secret. One op is one secret or decision.
 *
 * @example
 * const results = await runTicketSecretBenches({ timeMs: 1_000, warmupMs: 200, filter: undefined });
 * results['ticket-secret.verify']?.opsPerSec; // verifications/s
 */
export async function runTicketSecretBenches(settings: BenchSettings): Promise<SubjectResults> {
  const results = await runSubjectCases(cases(), settings);
  if (sink === 0.5) console.log(sink); // never true; keeps `sink` observable
  return results;
}

if (isMainModule(import.meta.url)) {
  const results = await runTicketSecretBenches(settingsFromEnv({ timeMs: 1_000, warmupMs: 200 }));
  printTable('ticket secrets vs bare Ed25519 (node:crypto)', 'ops/s', results);
}
