import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { demoPark } from '../../src/domain/demo-park.ts';
import { sequentialIds } from '../../src/platform/ids.ts';
import { TicketStore } from '../../src/store/index.ts';
import { WriterThread } from '../../src/store/writer-thread.ts';

const NOW = Date.UTC(2026, 10, 22, 9, 0, 0);
let dir: string;
let store: TicketStore;
let writer: WriterThread;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-writer-'));
  store = TicketStore.open({ dataDir: dir, ids: sequentialIds(), busyTimeoutMs: 1_000 });
  const pem = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
  store.seedIfEmpty(demoPark(pem), NOW);
  writer = await WriterThread.start({ dataDir: dir, busyTimeoutMs: 1_000 });
});
afterAll(async () => {
  await writer.close();
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('WriterThread: the journal and group commit on their own thread, through comlink', () => {
  it('journals and commits; the main connection reads what the writer committed', async () => {
    const tap = { tapId: 'w-1', customerId: 'customer-1', rideId: 'ride-b', machineId: 'gate-1', tappedAt: new Date(NOW).toISOString() };
    expect(await writer.journalTaps([tap], NOW)).toEqual([expect.objectContaining({ tapId: 'w-1', status: 'accepted' })]);
    expect(await writer.journalTaps([tap], NOW)).toEqual([expect.objectContaining({ tapId: 'w-1', status: 'duplicate' })]);
    const quote = { basePrice: 1_000, price: 1_000, rules: [] };
    const { results, notifications } = await writer.commitOutcomes([{ tap, kind: 'evaluated', evaluation: { tapId: 'w-1', ok: true, quote } }], NOW);
    expect(results[0]).toMatchObject({ status: 'issued', ticket: { price: 1_000, balanceAfter: 9_000 } });
    expect(notifications.map((n) => n.type)).toEqual(['ticket.issued', 'balance.changed']);
    expect(store.getCustomer('customer-1')!.balance).toBe(9_000);
    expect(store.getTapState('w-1')!.status).toBe('issued');
  });

  it('top-ups and customers go through it too', async () => {
    expect((await writer.topUp('customer-2', 'top-1', 500, NOW)).status).toBe('applied');
    expect((await writer.upsertCustomer('new-1', { name: 'New', tier: 'standard', balance: 700 }, NOW)).created).toBe(true);
    expect(store.getCustomer('customer-2')!.balance).toBe(10_500);
    expect(store.getCustomer('new-1')!.balance).toBe(700);
  });

  it('a store error crosses the thread with its code', async () => {
    await expect(writer.topUp('nobody', 'top-2', 100, NOW)).rejects.toMatchObject({ name: 'StoreError', code: 'ERR_UNKNOWN_CUSTOMER' });
  });
});
