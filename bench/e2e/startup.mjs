/**
 * Start-to-ready on an empty data dir and idle RSS: five starts of the real binary (spawn until /ready answers
 * 200; RSS 2 s after ready), medians printed. Run from the repository root after `npm run build`:
 *
 *   node bench/e2e/startup.mjs
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
const results = [];
for (let run = 0; run < 5; run++) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-start-'));
  const t0 = performance.now();
  const child = spawn(process.execPath, ['bin/ticketd.js', 'serve', '--demo', '--port', '0', '--data-dir', dir], { stdio: ['ignore', 'pipe', 'ignore'] });
  const url = await new Promise((resolve) => { let out = ''; child.stdout.on('data', (c) => { out += c; const m = /listening on (\S+)/.exec(out); if (m) resolve(m[1]); }); });
  for (;;) { try { if ((await fetch(url + '/ready')).status === 200) break; } catch { /* not listening yet */ } await new Promise((r) => setTimeout(r, 5)); }
  const readyMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 2000));
  const rss = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024;
  child.kill('SIGTERM'); await new Promise((r) => child.once('exit', r));
  fs.rmSync(dir, { recursive: true, force: true });
  results.push({ readyMs: Math.round(readyMs), idleRssMb: Math.round(rss) });
}
const med = (k) => results.map((r) => r[k]).sort((a, b) => a - b)[2];
console.log(JSON.stringify(results), 'median readyMs', med('readyMs'), 'median idle RSS MB', med('idleRssMb'));
