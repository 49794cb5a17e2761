/**
 * Reading a `POST /v1/taps` body of 1,000 taps on the main thread: `JSON.parse` alone (the baseline: what any JSON
 * API pays) against `JSON.parse` + `parseTapsBody` (the hand-written parser the route uses) and `JSON.parse` +
 * `TapsBody.safeParse` (the zod schema the OpenAPI document shows), all in the same run: the A/B that decides
 * whether the route keeps its hand-written parser. `node --import tsx bench/ingest.bench.ts [filter]`.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { signTap } from '../src/domain/signing.ts';
import { parseTapsBody, TAPS_PER_REQUEST_MAX } from '../src/domain/tap-input.ts';
import { TapsBody } from '../src/domain/tap-schema.ts';
import type { Tap } from '../src/domain/types.ts';
import {
  isMainModule, printTable, runSubjectCases, settingsFromEnv, type SubjectCase, type SubjectResults,
} from './bench-fixtures.ts';
import type { BenchSettings } from './harness.ts';

const TAPS = TAPS_PER_REQUEST_MAX;
const RIDES = ['ride-a', 'ride-b', 'ride-c', 'ride-d', 'ride-e'];

/** Consumed so the optimiser cannot drop a parse whose result is unused. */
let sink = 0;

/** A body as the simulator sends it: 1,000 distinct taps with offset times; signed by gate-s1 when `key` is given. */
function body(key?: KeyObject): string {
  const taps: Tap[] = [];
  for (let n = 0; n < TAPS; n++) {
    const tap: Tap = {
      tapId: `tap-${1_000_000 + n}`,
      customerId: `customer-${1 + (n % 6)}`,
      rideId: RIDES[n % RIDES.length] as string,
      machineId: key === undefined ? `gate-${1 + (n % 4)}` : 'gate-s1',
      tappedAt: `2026-11-22T13:${two(n % 60)}:${two((n * 7) % 60)}.${String(n % 1000).padStart(3, '0')}+01:00`,
    };
    if (key !== undefined) tap.signature = signTap(tap, key);
    taps.push(tap);
  }
  return JSON.stringify(taps);
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}

function cases(kind: 'unsigned' | 'signed', text: string): SubjectCase[] {
  const baseline = `ingest.json-parse-${kind}`;
  const extra = () => ({ bodyBytes: Buffer.byteLength(text) });
  return [
    {
      name: baseline,
      messagesPerTask: TAPS,
      fn() {
        sink = (sink + (JSON.parse(text) as unknown[]).length) | 0;
      },
      extra,
    },
    {
      name: `ingest.parse-validate-${kind}`,
      baseline,
      messagesPerTask: TAPS,
      fn() {
        const result = parseTapsBody(JSON.parse(text));
        if (!result.ok) throw new Error(`bench body must be valid: ${result.error.message}`);
        sink = (sink + result.taps.length) | 0;
      },
      extra,
    },
    {
      name: `ingest.parse-zod-${kind}`,
      baseline,
      messagesPerTask: TAPS,
      fn() {
        const result = TapsBody.safeParse(JSON.parse(text));
        if (!result.success) throw new Error(`bench body must be valid: ${result.error.message}`);
        sink = (sink + (Array.isArray(result.data) ? result.data.length : 1)) | 0;
      },
      extra,
    },
  ];
}

/**
 * `ingest.json-parse-*`: `JSON.parse` of a 1,000-tap body (the baselines). `ingest.parse-validate-*`: `JSON.parse`
 * then `parseTapsBody` (field checks, RFC 3339 parse of every `tappedAt`, base64 check of signatures; a repeated tap
 * id is the ledger's to answer, not checked here). `unsigned` taps have five fields; `signed` ones add an
 * 88-character signature. `ingest.parse-zod-*`: `JSON.parse` then the zod schema `TapsBody` (the same checks, and a
 * copy of every tap). One op is one tap; the hand parser against zod is the ratio of their two ratios.
 *
 * @example
 * const results = await runIngestBenches({ timeMs: 1_500, warmupMs: 300, filter: undefined });
 * results['ingest.parse-validate-signed']?.ratioToBaseline; // share of JSON.parse's speed left after validation
 */
export async function runIngestBenches(settings: BenchSettings): Promise<SubjectResults> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const results = await runSubjectCases([...cases('unsigned', body()), ...cases('signed', body(privateKey))], settings);
  if (sink === 0.5) console.log(sink); // never true; keeps `sink` observable
  return results;
}

if (isMainModule(import.meta.url)) {
  const results = await runIngestBenches(settingsFromEnv({ timeMs: 1_500, warmupMs: 300 }));
  printTable('POST /v1/taps body of 1,000 taps: parse and validate', 'taps/s', results);
  for (const kind of ['unsigned', 'signed']) {
    const hand = results[`ingest.parse-validate-${kind}`]?.ratioToBaseline;
    const zod = results[`ingest.parse-zod-${kind}`]?.ratioToBaseline;
    if (hand !== undefined && zod !== undefined) {
      console.log(`${kind}: hand-written parser / zod schema = ${(hand / zod).toFixed(2)} x (same run)`);
    }
  }
}
