/**
 * The bugs http-fuzz.test.ts found, each as the smallest request that showed it, against the same real engine.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonRequest, type FuzzRequest } from './fuzz-request.ts';
import { startFuzzTarget, type FuzzTarget } from './fuzz-target.ts';

let target: FuzzTarget;
beforeAll(async () => {
  target = await startFuzzTarget();
});
afterAll(async () => {
  await target?.close();
});

async function errorOf(request: FuzzRequest): Promise<{ status: number; code: string }> {
  const answer = await target.send(request);
  const body = JSON.parse(answer.text) as { error?: { code: string } };
  return { status: answer.status, code: body.error?.code ?? `(no error: ${answer.text})` };
}

describe('bugs found by fuzzing the HTTP API', () => {
  it('a body that is not UTF-8 is 400 invalid_json, not read with U+FFFD in place of the bad bytes', async () => {
    const text = new TextEncoder().encode('{"name":"Ada","tier":"standard","balance":100}');
    const bytes = new Uint8Array([...text.subarray(0, 10), 0xff, ...text.subarray(10)]); // inside "Ada"
    const request = jsonRequest('PUT', '/v1/customers/fz-utf8', {}, true);
    request.body = bytes;
    expect(await errorOf(request)).toEqual({ status: 400, code: 'invalid_json' });
    expect(target.engine.getCustomer('fz-utf8')).toBeUndefined();
  });

  it('a name with an unpaired surrogate is 400 invalid_field, not acknowledged and then stored mangled', async () => {
    const customer = jsonRequest('PUT', '/v1/customers/fz-lone', { name: 'Ada\ud800', tier: 'standard', balance: 1 }, true);
    expect(await errorOf(customer)).toEqual({ status: 400, code: 'invalid_field' });
    expect(target.engine.getCustomer('fz-lone')).toBeUndefined();
    const ride = jsonRequest('PUT', '/v1/rides/fz-lone', { name: '\udc00', price: 1, open: true }, true);
    expect(await errorOf(ride)).toEqual({ status: 400, code: 'invalid_field' });
    expect(target.engine.listRides().some((r) => r.id === 'fz-lone')).toBe(false);
  });

  it('a public key followed by a private key (or any other text) is 400 invalid_field and is not stored', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    for (const key of [publicPem + privatePem, `${publicPem}trailing text`]) {
      expect(await errorOf(jsonRequest('PUT', '/v1/machines/fz-pem', { publicKey: key }, true))).toEqual({ status: 400, code: 'invalid_field' });
      expect(target.store.loadCatalog().machines['fz-pem']).toBeUndefined();
    }
    // The one block alone, with CRLF line ends too, is still a good key.
    for (const [i, key] of [publicPem, publicPem.replaceAll('\n', '\r\n')].entries()) {
      // Created the first time (201), replaced the second (200).
      expect((await target.send(jsonRequest('PUT', '/v1/machines/fz-pem', { publicKey: key }, false))).status).toBe(i === 0 ? 201 : 200);
    }
  });
});
