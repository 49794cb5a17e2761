/**
 * The contract of the API as `/openapi.json` states it: a well-formed OpenAPI 3.1 document in which every
 * operation has its answers, an example and its error codes, and every documented path and method exists (a
 * request to it is never 404 not_found nor 405). The answers of every HTTP test are checked against the same
 * declarations in helpers.ts (see contract.ts).
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { harness } from './helpers.ts';
import { declaredRoutes } from './contract.ts';

interface Operation {
  responses?: Record<string, { description?: string; content?: Record<string, { example?: unknown; schema?: unknown }> }>;
  requestBody?: { content?: Record<string, { example?: unknown }> };
  security?: unknown[];
}
type Document = { openapi: string; info: { title: string }; paths: Record<string, Record<string, Operation>> };

/** A path with its parameters filled in with ids the fake engine knows. */
function concrete(path: string): string {
  return path.replace('{tapId}', 'tap-1').replace(/\/v1\/dead-letters\/\{id\}/, '/v1/dead-letters/1').replace('{id}', 'c-1');
}

async function theDocument() {
  const h = harness();
  const answer = await h.call('GET', '/openapi.json', undefined, { authorization: '' });
  expect(answer.status).toBe(200);
  return { h, doc: answer.body as Document };
}

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document, served without a token, listing every declared route', async () => {
    const { h, doc } = await theDocument();
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toBe('ticketd');
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(documented.sort()).toEqual(declaredRoutes(h.app).map((r) => `${r.method} ${r.path}`).sort());
    expect(documented).toContain('post /v1/taps');
    expect(documented).toContain('patch /v1/customers/{id}');
    expect(documented).toContain('get /v1/machines');
    expect(documented.length).toBeGreaterThanOrEqual(20);
  });

  it("validates against the OpenAPI 3.1 specification's own JSON schema", async () => {
    const { doc } = await theDocument();
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('gives every operation its answers, an example, and its error codes with an example each', async () => {
    const { doc } = await theDocument();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method} ${path}`;
        const statuses = Object.keys(op.responses ?? {});
        expect(statuses.some((s) => s.startsWith('2')), where).toBe(true);
        const examples = Object.entries(op.responses ?? {})
          .filter(([s]) => s.startsWith('2'))
          .flatMap(([, r]) => Object.values(r.content ?? {}).map((m) => m.example));
        const bodyExample = Object.values(op.requestBody?.content ?? {}).map((m) => m.example);
        const has204 = statuses.includes('204');
        expect(has204 || examples.some((e) => e !== undefined), `${where}: an answer example`).toBe(true);
        if (op.requestBody !== undefined) expect(bodyExample.some((e) => e !== undefined), `${where}: a body example`).toBe(true);
        const errors = statuses.filter((s) => Number(s) >= 400);
        expect(errors.length, where).toBeGreaterThan(0);
        for (const status of errors) {
          // /ready's 503 is its answer (not ready, and why), not an error.
          if (path === '/ready' && status === '503') continue;
          const response = op.responses?.[status];
          expect(response?.description, `${where} ${status}`).toMatch(/^Error codes: [a-z_]+(, [a-z_]+)*$/);
          const example = response?.content?.['application/json']?.example as { error: { code: string } } | undefined;
          expect(response?.description, `${where} ${status}`).toContain(example?.error.code);
        }
        // The payment webhook is trusted by its signature, not a token (400 invalid_signature).
        const isPublic = path === '/health' || path === '/ready' || path === '/v1/payments/webhook';
        if (!isPublic) expect(statuses, `${where}: the auth errors`).toEqual(expect.arrayContaining(['401', '403', '429']));
      }
    }
  });

  it('makes an unknown query enum value, a validation failure and a body problem documented 400s', async () => {
    const { doc } = await theDocument();
    const reason = (doc.paths['/v1/dead-letters']?.get as unknown as { parameters: Array<{ name: string; schema: { enum?: string[] } }> })
      .parameters.find((p) => p.name === 'reason');
    expect(reason?.schema.enum).toContain('ride_closed');
    expect(doc.paths['/v1/customers/{id}']?.put?.responses?.['400']?.description).toContain('invalid_field');
    expect(doc.paths['/v1/customers/{id}']?.put?.responses?.['415']?.description).toContain('unsupported_media_type');
  });
});

describe('every documented route exists', () => {
  it('answers each documented path and method with something other than 404 not_found or 405', async () => {
    const { h, doc } = await theDocument();
    h.engine.customers.set('c-1', { id: 'c-1', name: 'Ada', tier: 'standard', balance: 1_000, currency: 'EUR' });
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        const body = ops[method]?.requestBody === undefined ? undefined : {};
        const answer = await h.call(method.toUpperCase(), concrete(path), body);
        const code = (answer.body as { error?: { code?: string } } | undefined)?.error?.code;
        expect(answer.status === 404 && code === 'not_found', `${method} ${path}`).toBe(false);
        expect(answer.status, `${method} ${path}`).not.toBe(405);
      }
    }
  });

  it('serves Swagger UI at /docs without a token', async () => {
    const h = harness();
    const res = await h.app.request('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('SwaggerUIBundle');
    expect(html).toContain('/openapi.json');
  });

  it("serves Swagger UI's own files from ticketd, without a token and without any other host", async () => {
    const h = harness();
    const html = await (await h.app.request('/docs')).text();
    const urls = [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]!);
    expect(urls.length).toBe(2);
    for (const url of urls) {
      expect(url.startsWith('/docs/assets/'), url).toBe(true);
      const res = await h.app.request(url);
      expect(res.status, url).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('content-type')).toMatch(url.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(10_000);
    }
    const stale = await h.app.request(urls[0]!.replace(/assets\/[0-9a-f]+\//, 'assets/0000000000000000/'));
    expect(stale.status).toBe(404);
  });
});
