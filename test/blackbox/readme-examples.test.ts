/**
 * The README's "Using it" commands, run as written against the real binary: the curl examples (the admin's look at
 * a customer, a gate's tap answered with its outcome, the customer's event stream from the start). Only the
 * address and the data dir are the test's own (a free port, a temp dir), and the stream is cut after 3 s.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBinary, type RunningBinary } from './binary.ts';

const README = path.join(path.dirname(new URL(import.meta.url).pathname), '../../README.md');

/** The shell lines of the README's first `sh` block after "With `npm start` running", from `ADMIN=` on. */
function readmeCurlScript(): string {
  const text = fs.readFileSync(README, 'utf8');
  const start = text.indexOf('With `npm start` running');
  const block = /```sh\n([\s\S]*?)```/.exec(text.slice(start));
  if (start < 0 || block === null) throw new Error('README has no "Using it" sh block');
  const lines = block[1]!.replace(/\\\n\s*/g, '').split('\n');
  return lines.slice(lines.findIndex((l) => l.startsWith('ADMIN='))).join('\n');
}

let ticketd: RunningBinary;
beforeAll(async () => {
  ticketd = await startBinary();
});
afterAll(async () => {
  expect(await ticketd.stop('SIGTERM')).toBe(0);
  fs.rmSync(ticketd.dataDir, { recursive: true, force: true });
});

describe('the README examples', () => {
  it('work as written: a customer, a tap decided at once, and its event on the stream', () => {
    const script = readmeCurlScript()
      .replaceAll('localhost:8080', new URL(ticketd.url).host)
      .replaceAll('./data/', `${ticketd.dataDir}/`)
      .replace('curl -sN ', 'curl -sN --max-time 3 ');
    expect(script).toContain('curl -s -XPOST');
    const out = execFileSync('bash', ['-c', `${script}\ntrue`], { encoding: 'utf8', timeout: 30_000 });
    expect(out).toContain('"id":"customer-1"');
    expect(out).toMatch(/\{"taps":\[\{"tapId":"t-1","status":"issued","ticketId":"[^"]+","price":\d+,"balanceAfter":\d+\}\]\}/);
    expect(out).toContain('event: ticket.issued');
    expect(out).toContain('"tapId":"t-1"');
  });
});
