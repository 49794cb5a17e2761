/**
 * What `ticketd onsale` prints: the progress line on stderr and the summary, with its audit, on stdout.
 */

import type { OnsaleProgress, OnsaleSummary } from './onsale-run.ts';

/**
 * One progress line, without line ending; the buyers created are shown until they all are.
 *
 * @example
 * formatOnsaleProgress({ elapsedMs: 3_000, buyers: 2_000, done: 700, total: 2_000, confirmed: 60, soldOut: 500, held: 12 });
 * // '   3.0 s  attempts 700/2000  confirmed 60  sold_out 500  held 12'
 */
export function formatOnsaleProgress(p: OnsaleProgress): string {
  const seconds = (p.elapsedMs / 1_000).toFixed(1).padStart(6);
  const buyers = p.buyers < p.total ? `  buyers ${p.buyers}/${p.total}` : '';
  return `${seconds} s${buyers}  attempts ${p.done}/${p.total}  confirmed ${p.confirmed}  sold_out ${p.soldOut}  held ${p.held}`;
}

/**
 * The human summary of a run, lines ending in LF; the last lines are the audit.
 *
 * @example
 * io.stdout(formatOnsaleSummary(summary));
 * // ticketd onsale: show gala, category floor, at http://127.0.0.1:8080, seed 42, buyers onsale-k3j2a1-<n>
 * //   buyers          2000 created (card 600, abandon 0, wallet 1400)
 * //   …
 * //   AUDIT           holds
 */
export function formatOnsaleSummary(s: OnsaleSummary): string {
  const latency = s.latencyMs === null
    ? 'none answered'
    : `p50 ${ms(s.latencyMs.p50)}  p99 ${ms(s.latencyMs.p99)}  max ${ms(s.latencyMs.max)} (POST /v1/bookings)`;
  const buyersFailed = s.buyers.failed > 0 ? `, ${s.buyers.failed} failed (first: ${s.buyers.firstProblem ?? '?'})` : '';
  const lines = [
    `ticketd onsale: show ${s.showId}, category ${s.categoryId}, at ${s.url}, seed ${s.seed}, buyers onsale-${s.runId}-<n>` +
      (s.interrupted ? ' (interrupted)' : '') + (s.serverGone ? ' (stopped: the server stopped answering)' : ''),
    row('buyers', `${s.buyers.created} created in ${seconds(s.buyers.ms)}${buyersFailed} (card ${s.plans.card}, abandon ${s.plans.abandon}, wallet ${s.plans.wallet} attempted)`),
    row('attempts', `${s.attempts} of ${s.buyers.requested} in ${seconds(s.bookingMs)}, then ${seconds(s.settleMs)} settling card payments`),
    row('holds/s', `${s.holdsPerS.toFixed(1)} (bookings answered 201 per second of attempts)`),
    row('confirmed/s', `${s.confirmedPerS.toFixed(1)} (bookings confirmed per second of attempts and settling)`),
    row('latency ms', latency),
    row('answers', counts(s.answers)),
    row('bookings now', counts(s.bookings)),
    ...(s.waitlisted > 0 || Object.keys(s.waitlistRefused).length > 0
      ? [row('waiting list', `${s.waitlisted} joined${Object.keys(s.waitlistRefused).length > 0 ? `, refused: ${counts(s.waitlistRefused)}` : ''}`)]
      : []),
    row('unsettled', `${s.unsettled} card booking(s) still held`),
    row('network errors', `${s.networkErrors}${s.firstNetworkError === undefined ? '' : ` (first: ${s.firstNetworkError})`}`),
    row('retries', `${s.retries} (after 429, 503 or a network error)`),
    ...auditLines(s),
  ];
  return `${lines.join('\n')}\n`;
}

function auditLines(s: OnsaleSummary): string[] {
  if (s.audit === null) return [row('AUDIT', 'not made: the show could not be read at the end')];
  const categories = s.audit.categories.map((c) => row('',
    `${c.id}: sold ${c.sold}, valid tickets of confirmed bookings ${c.confirmedTickets}, capacity ${c.capacity} = ` +
    `available ${c.available} + held ${c.held} + sold ${c.sold}`));
  if (s.audit.holds) return [row('AUDIT', 'holds'), ...categories];
  return [row('AUDIT', 'FAILED'), ...s.audit.problems.map((p) => row('', p)), ...categories];
}

function row(label: string, value: string): string {
  return `  ${label.padEnd(16)}${value}`;
}

function counts(record: Readonly<Record<string, number | undefined>>): string {
  const entries = Object.entries(record).filter(([, n]) => n !== undefined && n > 0);
  return entries.length === 0 ? 'none' : entries.map(([key, n]) => `${key} ${n}`).join(', ');
}

function seconds(milliseconds: number): string {
  return `${(milliseconds / 1_000).toFixed(1)} s`;
}

function ms(milliseconds: number): string {
  return milliseconds.toFixed(1);
}
