/**
 * Linux /proc readings of another process: resident memory (VmRSS) and CPU time (utime + stime of every thread,
 * so the worker pool's threads count), turned into "cores used" between two readings.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

let clockTicks: number | undefined;

/** Clock ticks per second of /proc/PID/stat's times (`getconf CLK_TCK`, 100 on Linux almost always). */
export function clkTck(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5_000 }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

export interface ProcReading {
  /** performance.now() of this process when read. */
  atMs: number;
  /** utime + stime of all threads, in seconds. */
  cpuS: number;
  /** utime + stime of the main thread (the event loop), in seconds. */
  mainCpuS: number;
  rssMb: number;
  threads: number;
}

/** undefined when the process is gone (or this is not Linux). */
export function readProc(pid: number): ProcReading | undefined {
  try {
    const atMs = performance.now();
    const fields = statFields(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
    const ticks = Number(fields[14 - 3]) + Number(fields[15 - 3]);
    const threads = Number(fields[20 - 3]);
    const main = statFields(fs.readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8'));
    const mainTicks = Number(main[14 - 3]) + Number(main[15 - 3]);
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    return { atMs, cpuS: ticks / clkTck(), mainCpuS: mainTicks / clkTck(), rssMb: rssKb / 1024, threads };
  } catch {
    return undefined;
  }
}

/** Fields of a /proc stat line after the command name (which may hold spaces, so cut at the last ')'): [0] is field 3. */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Cores used between two readings: CPU seconds over wall seconds (of the main thread only with `mainOnly`). */
export function coresBetween(a: ProcReading | undefined, b: ProcReading | undefined, mainOnly = false): number | null {
  if (a === undefined || b === undefined || b.atMs <= a.atMs) return null;
  const cpu = mainOnly ? b.mainCpuS - a.mainCpuS : b.cpuS - a.cpuS;
  return cpu / ((b.atMs - a.atMs) / 1000);
}

export interface MachineReading {
  atMs: number;
  /** CPU seconds all cores spent busy (not idle, not waiting for I/O) since boot. */
  busyS: number;
  /** CPU seconds all cores spent waiting for I/O since boot. */
  iowaitS: number;
}

/** The whole machine's CPU time from /proc/stat's `cpu` line; undefined where there is none. */
export function readMachine(): MachineReading | undefined {
  try {
    const atMs = performance.now();
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest times are already inside user and nice; steal is time
    // the hypervisor gave to someone else, not work done here).
    const [user = 0, nice = 0, system = 0, , iowait = 0, irq = 0, softirq = 0] = ticks;
    return { atMs, busyS: (user + nice + system + irq + softirq) / clkTck(), iowaitS: iowait / clkTck() };
  } catch {
    return undefined;
  }
}

/** Cores the whole machine kept busy between two readings. */
export function machineCoresBetween(a: MachineReading | undefined, b: MachineReading | undefined): number | null {
  if (a === undefined || b === undefined || b.atMs <= a.atMs) return null;
  return (b.busyS - a.busyS) / ((b.atMs - a.atMs) / 1000);
}
