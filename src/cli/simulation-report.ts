/**
 * What `ticketd simulate` prints: the progress line on stderr and the summary on stdout.
 */

import type { SimulationProgress, SimulationSummary } from './simulation.ts';

/**
 * One progress line, without line ending; failures and conflicts are shown once there are any.
 *
 * @example
 * formatProgress({ elapsedMs: 3_000, sent: 3_000, issued: 2_820, rejected: 120, failed: 0, duplicates: 60,
 *   conflicts: 0, errors: 0, ratePerS: 1_000 });
 * // '   3.0 s  sent 3000  issued 2820  rejected 120  duplicates 60  errors 0  1000 taps/s'
 */
export function formatProgress(p: SimulationProgress): string {
  const seconds = (p.elapsedMs / 1_000).toFixed(1).padStart(6);
  const rare = (p.failed > 0 ? `  failed ${p.failed}` : '') + (p.conflicts > 0 ? `  conflicts ${p.conflicts}` : '');
  return `${seconds} s  sent ${p.sent}  issued ${p.issued}  rejected ${p.rejected}${rare}  duplicates ${p.duplicates}  ` +
    `errors ${p.errors}  ${Math.round(p.ratePerS)} taps/s`;
}

/**
 * The human summary of a run, lines ending in LF.
 *
 * @example
 * io.stdout(formatSummary(summary));
 * // ticketd simulate: 10.0 s against http://127.0.0.1:8080, seed 42, tap ids sim-k3j2a1-<n>
 * //   sent               10000 taps in 100 requests (target 1000 taps/s)
 * //   issued             9240
 * //   rejected           560: unknown_ride 200, stale_tap 190, unknown_customer 170
 * //   …
 */
export function formatSummary(s: SimulationSummary): string {
  const seconds = (s.elapsedMs / 1_000).toFixed(1);
  const firstError = s.firstNetworkError;
  const reasons = Object.entries(s.rejectedByReason).map(([reason, n]) => `${reason} ${n}`).join(', ');
  const lines = [
    `ticketd simulate: ${seconds} s against ${s.url}, seed ${s.seed}, tap ids sim-${s.runId}-<n>` +
      (s.interrupted ? ' (interrupted)' : ''),
    row('sent', `${s.sent} taps in ${s.requests} requests (target ${s.targetRatePerS} taps/s)`),
    row('issued', String(s.issued)),
    row('rejected', `${s.rejected}${reasons === '' ? '' : `: ${reasons}`}`),
    row('failed', String(s.failed)),
    row('duplicates', `${s.duplicates} (sent again: answered with their first outcome)`),
    row('conflicts', `${s.conflicts} (tap id taken by another tap)`),
    row('refused by HTTP', `${s.refusedByHttp} taps (4xx/5xx: not decided)`),
    row('network errors', `${s.networkErrors} taps${firstError === undefined ? '' : ` (first: ${firstError})`}`),
    row('429 retries', String(s.throttled)),
    ...heldBack(s),
    row('latency ms', latencyText(s)),
    row('achieved rate', `${Math.round(s.achievedRatePerS)} taps/s answered with an outcome`),
    row('mix', Object.entries(s.mix).map(([kind, n]) => `${kind} ${n}`).join(', ')),
  ];
  if (!s.signedTaps) lines.push(row('', 'no validly signed taps (no key for gate-s1)'));
  for (const e of s.httpErrors) {
    lines.push(row('HTTP error', `${e.status} ${e.code} × ${e.requests} requests: ${e.message}`));
  }
  return lines.join('\n') + '\n';
}

/**
 * The line that says the server's rate limit, not the target, set the pace: when any 429 was retried or ran out of
 * retries. The waits overlap in time; their sum says how much sending they held back.
 */
function heldBack(s: SimulationSummary): string[] {
  const refused = s.httpErrors.filter((e) => e.status === 429).reduce((sum, e) => sum + e.requests, 0);
  if (s.throttled === 0 && refused === 0) return [];
  const waited = `${(s.throttledWaitMs / 1_000).toFixed(1)} s of retry waits in all`;
  const gaveUp = refused > 0 ? `, ${refused} requests refused after their last retry` : '';
  return [row('held back', `by 429 (rate limited): ${waited}${gaveUp}; the server's limit, not --rate, set the pace`)];
}

function row(label: string, value: string): string {
  return `  ${label.padEnd(18)}${value}`;
}

function latencyText(s: SimulationSummary): string {
  const l = s.latencyMs;
  if (l === null) return 'no answers';
  const ms = (v: number): string => v.toFixed(1);
  return `p50 ${ms(l.p50)}  p90 ${ms(l.p90)}  p99 ${ms(l.p99)}  max ${ms(l.max)}  (POST → every tap decided)`;
}
