/**
 * `npm run bench:amqp [-- --taps 50000 --nodes 1,2,3 --workers 1]`: taps through RabbitMQ end to end, for 1, 2, 3
 * ticketd nodes in one run (more than one: sharded, `--amqp-node-id`). The built binary runs
 * `serve --demo --amqp-url` on a vhost of its own per measurement; this process plays reference system 1's
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
/** Customers made on every node: enough that the hash ring gives each of up to 3 nodes a fair share. */
const CUSTOMERS = Array.from({ length: 48 }, (_, i) => `bench-c${String(i + 1).padStart(2, '0')}`);
const BALANCE = 50_000_000;
const RIDES = ['ride-a', 'ride-b', 'ride-c', 'ride-d', 'ride-e'];

export interface AmqpBenchSettings {
  taps: number;
  /** ticketd processes; more than one run as sharded nodes (`--amqp-node-id`). */
  nodes: number;
  workers: number;
  /** Longest the run may take before it is called failed. */
  timeoutMs: number;
}

export interface AmqpBenchResult {
  nodes: number;
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

async function startServer(url: string, dataDir: string, workers: number, nodeId: string | undefined): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [
    BIN, 'serve', '--demo', '--port', '0', '--data-dir', dataDir, '--workers', String(workers), '--log-level', 'warn',
    '--rate-limit-per-minute', '0', '--amqp-url', url, ...(nodeId === undefined ? [] : ['--amqp-node-id', nodeId]),
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
  const loadBefore = os.loadavg();
  const servers: Array<{ child: ChildProcess; base: string; dataDir: string }> = [];
  const connection = await amqp.connect(url);
  try {
    for (let n = 1; n <= settings.nodes; n++) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-amqp-bench-'));
      const server = await startServer(url, dataDir, settings.workers, settings.nodes === 1 ? undefined : `n${n}`);
      servers.push({ ...server, dataDir });
      await waitConnected(server.base);
      const admin = (JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-credentials.json'), 'utf8')) as { admin: string }).admin;
      for (const customerId of CUSTOMERS) {
        // On every node, rich enough that no tap of the run is refused for want of funds.
        const put = await fetch(`${server.base}/v1/customers/${customerId}`, {
          method: 'PUT', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: customerId, tier: 'standard', balance: BALANCE }),
        });
        if (put.status !== 201) throw new Error(`PUT ${customerId} answered ${put.status}: ${await put.text()}`);
      }
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
    const serversCpu = () => servers.reduce((sum, server) => sum + (cpuSeconds(server.child.pid) ?? 0), 0);
    const [serverBefore, brokerBefore] = [serversCpu(), cpuSeconds(brokerPid())];
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
    const [serverAfter, brokerAfter] = [serversCpu(), cpuSeconds(brokerPid())];
    const seconds = (lastAt - start) / 1_000;
    const serverCpuSeconds = (serverAfter ?? 0) - (serverBefore ?? 0);
    const brokerCpuSeconds = (brokerAfter ?? 0) - (brokerBefore ?? 0);
    return {
      nodes: settings.nodes, taps: settings.taps, received, seconds, tapsPerSecond: settings.taps / seconds,
      publishedPerSecond: settings.taps / ((publishedAt - start) / 1_000), serverCpuSeconds, brokerCpuSeconds,
      serverCpuUsPerTap: (serverCpuSeconds * 1e6) / settings.taps, brokerCpuUsPerTap: (brokerCpuSeconds * 1e6) / settings.taps,
      loadAverage: loadBefore,
    };
  } finally {
    await connection.close().catch(() => undefined);
    for (const server of servers) {
      server.child.kill('SIGTERM');
      if (server.child.exitCode === null) await new Promise((resolve) => server.child.once('exit', resolve));
      fs.rmSync(server.dataDir, { recursive: true, force: true });
    }
    execFileSync('rabbitmqctl', ['delete_vhost', vhost], { stdio: 'ignore' });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { taps: { type: 'string' }, workers: { type: 'string' }, nodes: { type: 'string' } } });
  const taps = Number(values.taps ?? 50_000);
  if (!Number.isSafeInteger(taps) || taps < 1 || taps > 10_000_000) throw new Error('--taps must be 1..10,000,000');
  // `--nodes 1,2,3` measures each in turn, in one run, so the figures can be compared.
  const counts = (values.nodes ?? '1').split(',').map(Number);
  if (!counts.every((n) => Number.isInteger(n) && n >= 1 && n <= 8)) throw new Error('--nodes must be a list of 1..8');
  const f = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  console.log(`ticketd through RabbitMQ, ${f(taps)} taps each (node ${process.version}, ${os.cpus().length} cpus)`);
  console.log('| nodes | taps/s end to end | published at | ticketd CPU per tap (all nodes) | RabbitMQ CPU per tap | load average before |');
  console.log('|---:|---:|---:|---:|---:|---|');
  for (const nodes of counts) {
    const result = await runAmqpBench({ taps, nodes, workers: Number(values.workers ?? 1), timeoutMs: 300_000 }, (line) => process.stderr.write(`${line}\n`));
    console.log(`| ${nodes} | **${f(result.tapsPerSecond)}** | ${f(result.publishedPerSecond)} | ${f(result.serverCpuUsPerTap, 1)} µs | ${f(result.brokerCpuUsPerTap, 1)} µs | ${result.loadAverage.map((n) => n.toFixed(2)).join(' / ')} |`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
