/**
 * The simulator's requests as the machines would send them: a machine token may only carry that machine's taps, so
 * a batch is cut into one request per token, each keeping its taps in batch order.
 */

import type { GeneratedTap } from './tap-generator.ts';

export interface TokenPart {
  /** `undefined`: sent without a token. */
  token: string | undefined;
  taps: GeneratedTap[];
}

/**
 * Groups `batch` by the token each tap is sent with: its machine's token from `machineTokens`, else `fallback`.
 * Without `machineTokens`, the whole batch is one part sent with `fallback`.
 *
 * @example
 * splitByToken(batch, { 'gate-1': 'tkd_a', 'gate-s1': 'tkd_b' }, 'tkd_admin');
 * // [{ token: 'tkd_a', taps: [gate-1's taps] }, { token: 'tkd_b', taps: [gate-s1's] }, { token: 'tkd_admin', taps: [the rest] }]
 */
export function splitByToken(
  batch: readonly GeneratedTap[],
  machineTokens: Readonly<Record<string, string>> | undefined,
  fallback: string | undefined,
): TokenPart[] {
  if (machineTokens === undefined) return [{ token: fallback, taps: [...batch] }];
  const parts = new Map<string | undefined, GeneratedTap[]>();
  for (const generated of batch) {
    const { machineId } = generated.tap;
    const token = Object.hasOwn(machineTokens, machineId) ? machineTokens[machineId] : fallback;
    let taps = parts.get(token);
    if (taps === undefined) parts.set(token, (taps = []));
    taps.push(generated);
  }
  return [...parts].map(([token, taps]) => ({ token, taps }));
}
