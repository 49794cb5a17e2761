import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, USAGE } from '../../src/cli/run-cli.ts';
import { runToken, type TokenCommandDeps } from '../../src/cli/token.ts';
import { sequentialIds } from '../../src/platform/ids.ts';
import { VirtualClock } from '../../src/platform/virtual-clock.ts';
import { DB_FILE_NAME, TicketStore } from '../../src/store/index.ts';
import { capture } from './capture-io.ts';

const T0 = Date.UTC(2026, 10, 22, 9);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-token-cli-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));


let n = 0;
function freshDir(): string {
  return path.join(root, `data-${++n}`);
}

const deps: TokenCommandDeps = { clock: new VirtualClock(T0), ids: sequentialIds() };

/** A data directory whose store holds machine gate-1 and customer-1: tokens are only made for what exists. */
function seededDir(): string {
  const dataDir = freshDir();
  const store = TicketStore.open({ dataDir, ids: sequentialIds() });
  try {
    store.upsertMachine('gate-1', {});
    store.upsertCustomer('customer-1', { name: 'Ada', tier: 'standard' }, T0);
  } finally {
    store.close();
  }
  return dataDir;
}

async function token(argv: string[]) {
  const { io, out } = capture();
  const code = await runToken(argv, io, deps);
  return { code, ...out };
}

describe('ticketd token', () => {
  it('create prints the secret alone on stdout, once; the database knows only its hash', async () => {
    const dataDir = seededDir();
    const created = await token(['create', '--role', 'machine', '--machine', 'gate-1', '--data-dir', dataDir]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^tkd_[A-Za-z0-9_-]{43}\n$/);
    expect(created.stderr).toMatch(/created tok-\d+ \(machine gate-1\); the secret above is shown only this once/);
    const secret = created.stdout.trim();
    for (const file of fs.readdirSync(dataDir).filter((f) => f.startsWith(DB_FILE_NAME))) {
      expect(fs.readFileSync(path.join(dataDir, file)).includes(secret.slice(4)), file).toBe(false);
    }
    const store = TicketStore.open({ dataDir, ids: sequentialIds() });
    try {
      expect(store.findToken(secret, T0)).toMatchObject({ role: 'machine', machineId: 'gate-1' });
    } finally {
      store.close();
    }
  });

  it('create refuses a token for a machine or customer the database does not hold (exit 1)', async () => {
    const dataDir = freshDir();
    const machine = await token(['create', '--role', 'machine', '--machine', 'gate-9', '--data-dir', dataDir]);
    expect(machine).toMatchObject({ code: 1, stdout: '' });
    expect(machine.stderr).toContain("no machine 'gate-9'");
    const customer = await token(['create', '--role', 'customer', '--customer', 'customer-9', '--data-dir', dataDir]);
    expect(customer).toMatchObject({ code: 1, stdout: '' });
    expect((await token(['list', '--data-dir', dataDir])).stdout).toBe('');
  });

  it('list shows ids, roles and times but no secrets; revoke revokes once', async () => {
    const dataDir = seededDir();
    const admin = await token(['create', '--role', 'admin', '--data-dir', dataDir]);
    await token(['create', '--role', 'customer', '--customer', 'customer-1', '--data-dir', dataDir]);
    const listed = await token(['list', '--data-dir', dataDir]);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^tok-\d+ {2}customer customer-1 {2}created 2026-11-22T09:00:00.000Z$/);
    expect(listed.stdout).not.toContain(admin.stdout.trim());
    const id = /^(tok-\d+) {2}admin/m.exec(listed.stdout)?.[1];
    expect(id).toBeDefined();
    expect(await token(['revoke', id!, '--data-dir', dataDir])).toMatchObject({ code: 0, stdout: `revoked ${id}\n` });
    expect(await token(['revoke', id!, '--data-dir', dataDir])).toMatchObject({ code: 0, stdout: `${id} was already revoked\n` });
    expect(await token(['revoke', 'tok-404', '--data-dir', dataDir])).toMatchObject({ code: 1 });
    const json = JSON.parse((await token(['list', '--json', '--data-dir', dataDir])).stdout) as { tokens: Array<{ id: string; revokedAt?: string }> };
    expect(json.tokens.find((t) => t.id === id)?.revokedAt).toBe('2026-11-22T09:00:00.000Z');
  });

  it('refuses what it cannot do with exit 2 and the usage, naming the flag', async () => {
    const dataDir = freshDir();
    for (const [argv, message] of [
      [['create', '--role', 'machine'], '--machine: is required for role machine'],
      [['create', '--role', 'root'], '--role: must be one of admin, manager, machine, customer'],
      [['create', '--role', 'admin', '--customer', 'c'], '--customer: is not allowed for role admin'],
      [['revoke'], 'which token?'],
      [['rotate'], "unknown action 'rotate'"],
      [[], 'create, revoke or list?'],
    ] as const) {
      const result = await token([...argv, '--data-dir', dataDir]);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr.split('\n').slice(1)).toEqual(["See 'ticketd token --help'.", '']);
    }
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it('list and revoke need an existing database and make none', async () => {
    const dataDir = freshDir();
    const listed = await token(['list', '--data-dir', dataDir]);
    expect(listed.code).toBe(1);
    expect(listed.stderr).toContain('no database in');
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it('is a command of the ticketd command line', async () => {
    const { io, out } = capture();
    expect(await runCli(['help', 'token'], io)).toBe(0);
    expect(out.stdout).toContain('ticketd token create --role admin|manager|machine|customer');
    expect(USAGE).toContain('token       create, revoke and list API tokens');
  });
});
