/**
 * `npm run bench:amqp [-- --taps 50000 --workers 1]`: taps through RabbitMQ end to end, one ticketd node. The
 * built binary runs `serve --demo --amqp-url` on a vhost of its own; this process plays reference system 1's
 * ticket machines (its JSON to `ticket_events_exchange`, as fast as the channel takes it, the customers and rides
 * round-robin) and one customer app bound to every customer (`#` on `customer_events_exchange`). taps/s = taps /
 * (first publish → last CustomerEvent received). CPU: the server's and the broker's CPU seconds over the run (from
 * /proc), per tap.
 *
 * Needs RabbitMQ on 127.0.0.1:5672 (guest/guest) and rabbitmqctl (for the vhost); `npm run build` first (the npm
 * script does it).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import amqp from 'amqplib';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const BIN = path.join(ROOT, 'bin/ticketd.js');
const CUSTOMERS = ['customer-1', 'customer-2', 'customer-4', 'customer-5'];
const RIDES = ['ride-a', 'ride-b', 'ride-c', 'ride-d', 'ride-e'];

export interface AmqpBenchSettings {
  taps: number;
  workers: number;
  /** Longest the run may take before it is called failed. */
  timeoutMs: number;
}

export interface AmqpBenchResult {
  taps: number;
  received: number;
  seconds: number;
  tapsPerSecond: number;
  publishedPerSecond: number;
  serverCpuSeconds: number;
  brokerCpuSeconds: number;
  serverCpuUsPerTap: number;
  brokerCpuUsPerTap: number;
  loadAverage: number[];
}

/** utime + stime of a process, in seconds, from /proc (undefined where there is none). */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime, fields 14 and 15 of stat(5), in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

function brokerPid(): number | undefined {
  try {
    return Number(execFileSync('pgrep', ['-o', 'beam.smp'], { encoding: 'utf8' }).trim());
  } catch {
    return undefined;
  }
}

async function startServer(url: string, dataDir: string, workers: number): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [
    BIN, 'serve', '--demo', '--port', '0', '--data-dir', dataDir, '--workers', String(workers), '--log-level', 'warn',
    '--rate-limit-per-minute', '0', '--amqp-url', url,
  ], { stdio: ['ignore', 'pipe', 'inherit'] });
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`ticketd exited with ${code}`)));
  });
  return { child, base };
}

async function waitConnected(base: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const ready = (await (await fetch(`${base}/ready`)).json()) as { components?: { amqp?: string } };
    if (ready.components?.amqp === 'connected') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('ticketd did not connect to RabbitMQ');
}

/** Runs one measurement on a vhost of its own; the caller prints it. */
export async function runAmqpBench(settings: AmqpBenchSettings, progress: (line: string) => void = () => undefined): Promise<AmqpBenchResult> {
  const vhost = `ticketd-bench-${process.pid}-${Date.now().toString(36)}`;
  execFileSync('rabbitmqctl', ['add_vhost', vhost], { stdio: 'ignore' });
  execFileSync('rabbitmqctl', ['set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*'], { stdio: 'ignore' });
  const url = `amqp://guest:guest@127.0.0.1:5672/${encodeURIComponent(vhost)}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-amqp-bench-'));
  const { child, base } = await startServer(url, dataDir, settings.workers);
  const connection = await amqp.connect(url);
  try {
    await waitConnected(base);
    const admin = (JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-credentials.json'), 'utf8')) as { admin: string }).admin;
    for (const customerId of CUSTOMERS) {
      // Rich enough that no tap of the run is refused for want of funds.
      const topUp = await fetch(`${base}/v1/customers/${customerId}/top-ups`, {
        method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ topUpId: `bench-${customerId}`, amount: 50_000_000 }),
      });
      if (topUp.status !== 201) throw new Error(`top-up of ${customerId} answered ${topUp.status}: ${await topUp.text()}`);
    }
    const channel = await connection.createChannel();
    await channel.assertExchange('customer_events_exchange', 'topic', { durable: false });
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, 'customer_events_exchange', '#');
    let received = 0;
    let lastAt = 0;
    const done = new Promise<void>((resolve) => {
      void channel.consume(queue, () => {
        received++;
        lastAt = performance.now();
        if (received === settings.taps) resolve();
      }, { noAck: true });
    });
    const publisher = await connection.createChannel();
    const [serverBefore, brokerBefore] = [cpuSeconds(child.pid), cpuSeconds(brokerPid())];
    const start = performance.now();
    const now = Date.now();
    for (let i = 0; i < settings.taps; i++) {
      const body = JSON.stringify({
        customer_id: CUSTOMERS[i % CUSTOMERS.length], ride_number: RIDES[i % RIDES.length],
        // Distinct times (a millisecond apart, the last one now): every body differs, so every message is a tap.
        purchase_time: new Date(now - (settings.taps - i)).toISOString(),
      });
      if (!publisher.publish('ticket_events_exchange', 'ticket_event', Buffer.from(body))) {
        await new Promise((resolve) => publisher.once('drain', resolve));
      }
      if (i % 10_000 === 0 && i > 0) progress(`published ${i} of ${settings.taps}, received ${received}`);
    }
    const publishedAt = performance.now();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`only ${received} of ${settings.taps} CustomerEvents within ${settings.timeoutMs} ms`)), settings.timeoutMs);
    })]).finally(() => clearTimeout(timer));
    const [serverAfter, brokerAfter] = [cpuSeconds(child.pid), cpuSeconds(brokerPid())];
    const seconds = (lastAt - start) / 1_000;
    const serverCpuSeconds = (serverAfter ?? 0) - (serverBefore ?? 0);
    const brokerCpuSeconds = (brokerAfter ?? 0) - (brokerBefore ?? 0);
    return {
      taps: settings.taps, received, seconds, tapsPerSecond: settings.taps / seconds,
      publishedPerSecond: settings.taps / ((publishedAt - start) / 1_000), serverCpuSeconds, brokerCpuSeconds,
      serverCpuUsPerTap: (serverCpuSeconds * 1e6) / settings.taps, brokerCpuUsPerTap: (brokerCpuSeconds * 1e6) / settings.taps,
      loadAverage: os.loadavg(),
    };
  } finally {
    await connection.close().catch(() => undefined);
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    fs.rmSync(dataDir, { recursive: true, force: true });
    execFileSync('rabbitmqctl', ['delete_vhost', vhost], { stdio: 'ignore' });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { taps: { type: 'string' }, workers: { type: 'string' } } });
  const settings: AmqpBenchSettings = {
    taps: Number(values.taps ?? 50_000), workers: Number(values.workers ?? 1), timeoutMs: 300_000,
  };
  if (!Number.isSafeInteger(settings.taps) || settings.taps < 1 || settings.taps > 10_000_000) throw new Error('--taps must be 1..10,000,000');
  const result = await runAmqpBench(settings, (line) => process.stderr.write(`${line}\n`));
  const f = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  console.log(`ticketd through RabbitMQ, one node, ${f(result.taps)} taps (node ${process.version}, ${os.cpus().length} cpus, load average before ${result.loadAverage.map((n) => n.toFixed(2)).join(' / ')})`);
  console.log(`  end to end          ${f(result.tapsPerSecond)} taps/s (first publish → last CustomerEvent, ${f(result.seconds, 2)} s)`);
  console.log(`  published at        ${f(result.publishedPerSecond)} taps/s`);
  console.log(`  server CPU          ${f(result.serverCpuSeconds, 2)} s, ${f(result.serverCpuUsPerTap, 1)} µs per tap`);
  console.log(`  RabbitMQ CPU        ${f(result.brokerCpuSeconds, 2)} s, ${f(result.brokerCpuUsPerTap, 1)} µs per tap`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
