/**
 * `ticketd simulate` against a server that answers 429: many batches wait out their Retry-After at once without a
 * MaxListenersExceededWarning, and the summary says the rate limit held the run back.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSimulate } from '../../src/cli/simulate.ts';
import type { SimulationSummary } from '../../src/cli/simulation.ts';
import { seededRandom } from '../../src/platform/random.ts';
import { VirtualClock } from '../../src/platform/virtual-clock.ts';
import { capture } from './capture-io.ts';
import { fakeServer } from './fake-ticketd.ts';
import { drive } from './virtual-time.ts';

const THROTTLED_REQUESTS = 300;
const warnings: Error[] = [];
const onWarning = (warning: Error): void => void warnings.push(warning);
beforeEach(() => {
  warnings.length = 0;
  process.on('warning', onWarning);
});
afterEach(() => {
  process.off('warning', onWarning);
});

async function throttledRun(json: boolean) {
  const clock = new VirtualClock(Date.UTC(2026, 10, 22, 9));
  const server = fakeServer(clock, {
    answer: (index) => (index < THROTTLED_REQUESTS
      ? { status: 429, headers: { 'retry-after': '1' }, body: { error: { code: 'rate_limited', message: 'slow down' } } }
      : undefined),
  });
  const { io, out } = capture();
  const argv = ['--url', 'http://ticketd.test', '--rate', '20000', '--duration', '1', '--batch', '50', '--concurrency', '64',
    '--machines', '4', '--credentials', '/nonexistent/credentials.json', ...(json ? ['--json'] : [])];
  const code = await drive(clock, runSimulate(argv, io, { fetch: server.fetch, clock, random: seededRandom(5) }));
  // Warnings are emitted on the next tick.
  await new Promise((resolve) => setImmediate(resolve));
  return { code, out };
}

describe('ticketd simulate held back by 429', () => {
  it('waits out many 429s at once without a MaxListenersExceededWarning', async () => {
    const { code, out } = await throttledRun(true);
    expect(code).toBe(0);
    const summary = JSON.parse(out.stdout) as SimulationSummary;
    expect(summary.throttled).toBeGreaterThanOrEqual(THROTTLED_REQUESTS);
    expect(summary.throttledWaitMs).toBe(summary.throttled * 1_000);
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
  });

  it('says in the summary that the rate limit held it back', async () => {
    const { out } = await throttledRun(false);
    expect(out.stdout).toMatch(/held back +by 429 \(rate limited\): \d+\.\d s of retry waits in all; the server's limit, not --rate, set the pace/);
  });
});
