import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCli, USAGE } from '../../src/cli/run-cli.ts';
import { capture } from './capture-io.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };


describe('runCli', () => {
  it.each([
    [[], 'which command?'],
    [['frobnicate'], "unknown command 'frobnicate'"],
    [['--frobnicate'], "unknown flag '--frobnicate'"],
    [['help', 'frobnicate'], "no help for 'frobnicate'"],
    [['constructor'], "unknown command 'constructor'"],
  ])('exits 2 with one line and a hint on stderr for %j, not the whole usage', async (argv, message) => {
    const { io, out } = capture();
    expect(await runCli(argv, io)).toBe(2);
    const lines = out.stderr.split('\n');
    expect(lines[0]).toMatch(/^ticketd: /);
    expect(lines[0]).toContain(message);
    expect(lines.slice(1)).toEqual(["See 'ticketd --help'.", '']);
    expect(out.stdout).toBe('');
  });

  it.each([
    [['simulate', '--rate', 'fast'], "--rate must be an integer in 1..1000000, got 'fast'", 'simulate'],
    [['simulate', '--bogus'], "'--bogus'", 'simulate'],
    [['simulate', 'extra'], "unexpected argument 'extra'", 'simulate'],
    [['simulate', '--duration', '0'], '--duration must be a number in (0, 86400]', 'simulate'],
    [['simulate', '--url', 'ftp://x'], '--url must be an http(s) URL', 'simulate'],
    [['simulate', '--machines', '1'], '--machines must be an integer in 2..10000', 'simulate'],
    [['simulate', '--batch', '1001'], '--batch must be an integer in 1..1000', 'simulate'],
    [['simulate', '--token', ''], '--token must not be empty', 'simulate'],
    [['subscribe', 'c1', '--token', ''], '--token must not be empty', 'subscribe'],
    [['token', 'create', '--role', 'machine'], '--machine: is required for role machine', 'token'],
    [['subscribe'], 'which customer?', 'subscribe'],
    [['subscribe', 'c1', '--rate', '5'], "'--rate'", 'subscribe'],
  ])('exits 2 for a bad flag of a command, in one line and a hint: %j', async (argv, message, command) => {
    const { io, out } = capture();
    expect(await runCli(argv, io)).toBe(2);
    const lines = out.stderr.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^ticketd ${command}: `));
    expect(lines[0]).toContain(message);
    expect(lines.slice(1)).toEqual([`See 'ticketd ${command} --help'.`, '']);
  });

  it('prints the help and each command help', async () => {
    for (const [argv, text] of [[['help'], USAGE], [['--help'], USAGE], [['-h'], USAGE]] as const) {
      const { io, out } = capture();
      expect(await runCli(argv, io)).toBe(0);
      expect(out.stdout).toBe(text);
    }
    for (const argv of [['help', 'simulate'], ['simulate', '--help'], ['--help', 'simulate']]) {
      const { io, out } = capture();
      expect(await runCli(argv, io)).toBe(0);
      expect(out.stdout).toMatch(/^Usage: ticketd simulate/);
      expect(out.stdout).toContain('80 %  valid taps');
    }
    const { io, out } = capture();
    expect(await runCli(['subscribe', '-h'], io)).toBe(0);
    expect(out.stdout).toMatch(/^Usage: ticketd subscribe <customerId>/);
  });

  it('prints the version from package.json', async () => {
    for (const flag of ['--version', '-v']) {
      const { io, out } = capture();
      expect(await runCli([flag], io)).toBe(0);
      expect(out.stdout).toBe(`ticketd ${version}\n`);
    }
  });
});

describe('main.ts as a process', () => {
  function run(...args: string[]) {
    return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: root, encoding: 'utf8', timeout: 30_000,
    });
  }

  it('exits 2 with one line and a hint for an unknown command', () => {
    const result = run('frobnicate');
    expect(result.status).toBe(2);
    expect(result.stderr).toBe("ticketd: unknown command 'frobnicate'\nSee 'ticketd --help'.\n");
  });

  it('exits 2 for a bad flag and 0 for --version', () => {
    expect(run('simulate', '--concurrency', '0').status).toBe(2);
    const result = run('--version');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`ticketd ${version}\n`);
  });
});
