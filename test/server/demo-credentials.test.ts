import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { demoPark } from '../../src/domain/demo-park.ts';
import { loadOrCreateDemoCredentials } from '../../src/server/demo-credentials.ts';
import { TicketStore } from '../../src/store/index.ts';
import { counterIds, T0 } from '../store/helpers.ts';

const PARK = demoPark('');
const MACHINES = PARK.machines.map((m) => m.id);
const CUSTOMERS = PARK.customers.map((c) => c.id);

describe('demo-credentials.json', () => {
  const dirs: string[] = [];
  const stores: TicketStore[] = [];
  afterEach(() => {
    for (const store of stores.splice(0)) store.close();
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  function setup() {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-demo-'));
    dirs.push(dataDir);
    const store = TicketStore.open({ dataDir, ids: counterIds() });
    stores.push(store);
    const load = (nowMs = T0) =>
      loadOrCreateDemoCredentials({ dataDir, tokens: store, machineIds: MACHINES, customerIds: CUSTOMERS, nowMs });
    return { dataDir, store, load };
  }

  it('is written once, owner-only, with a working token for the admin and every demo machine and customer', () => {
    const { store, load } = setup();
    const { credentials, file, minted, publicKeyPem } = load();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(credentials);
    expect(minted).toBe(1 + MACHINES.length + CUSTOMERS.length);
    expect(store.findToken(credentials.admin, T0)).toMatchObject({ role: 'admin' });
    for (const id of MACHINES) expect(store.findToken(credentials.machines[id]!, T0)).toMatchObject({ role: 'machine', machineId: id });
    for (const id of CUSTOMERS) expect(store.findToken(credentials.customers[id]!, T0)).toMatchObject({ role: 'customer', customerId: id });
    expect(credentials.signingKeys['gate-s1']).toContain('BEGIN PRIVATE KEY');
    expect(publicKeyPem).toContain('BEGIN PUBLIC KEY');
  });

  it('is reused as it is while its tokens work', () => {
    const { load } = setup();
    const first = load();
    const text = fs.readFileSync(first.file, 'utf8');
    const again = load(T0 + 1_000);
    expect(again.minted).toBe(0);
    expect(again.credentials).toEqual(first.credentials);
    expect(again.publicKeyPem).toBe(first.publicKeyPem);
    expect(fs.readFileSync(first.file, 'utf8')).toBe(text);
  });

  it('gets new tokens for the ones that stopped working, and keeps the rest and the signing key', () => {
    const { store, load } = setup();
    const first = load();
    const [admin, gate1] = [store.findToken(first.credentials.admin, T0)!, store.findToken(first.credentials.machines['gate-1']!, T0)!];
    store.revokeToken(admin.tokenId, T0);
    store.revokeToken(gate1.tokenId, T0);
    const next = load(T0 + 1_000);
    expect(next.minted).toBe(2);
    expect(next.credentials.admin).not.toBe(first.credentials.admin);
    expect(next.credentials.machines['gate-1']).not.toBe(first.credentials.machines['gate-1']);
    expect(store.findToken(next.credentials.admin, T0)).toMatchObject({ role: 'admin' });
    expect({ ...next.credentials, admin: '', machines: { ...next.credentials.machines, 'gate-1': '' } })
      .toEqual({ ...first.credentials, admin: '', machines: { ...first.credentials.machines, 'gate-1': '' } });
    expect(fs.statSync(next.file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(next.file, 'utf8'))).toEqual(next.credentials);
  });

  it("replaces a token that works but for the wrong scope (another data dir's file)", () => {
    const { store, load, dataDir } = setup();
    const first = load();
    const swapped = { ...first.credentials, customers: { ...first.credentials.customers, 'customer-1': first.credentials.customers['customer-2'] } };
    fs.writeFileSync(first.file, JSON.stringify(swapped));
    const next = load();
    expect(next.minted).toBe(1);
    expect(store.findToken(next.credentials.customers['customer-1']!, T0)).toMatchObject({ customerId: 'customer-1' });
    expect(fs.readdirSync(dataDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
