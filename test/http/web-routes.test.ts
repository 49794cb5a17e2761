/**
 * The web pages' routes (src/http/web-routes.ts) over a source held in memory, as the single executable's is, and
 * over a build directory on disk: each page with its revalidation and CSP, each asset immutable, text gzipped for
 * browsers that take it, nothing else.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { OpenAPIHono } from '@hono/zod-openapi';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppEnv } from '../../src/http/app-env.ts';
import { errorAnswer } from '../../src/http/error-response.ts';
import { errorBody } from '../../src/http/http-error.ts';
import { addWebRoutes, webDir, webDirSource, webSource, type WebSource } from '../../src/http/web-routes.ts';

const CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";
const BUILD: Readonly<Record<string, string>> = {
  'app/index.html': '<!doctype html><title>app</title><script type="module" src="/assets/app-1a2b3c.js"></script>',
  'console/index.html': '<!doctype html><title>console</title>',
  'assets/app-1a2b3c.js': 'console.log("app");',
  'assets/api-4d5e6f.css': 'body { margin: 0 }',
};

/** A source over `files`, counting what the routes ask it for. */
function memorySource(files: Readonly<Record<string, string>>): WebSource & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    describe: 'memory: fill it',
    read: (relative) => {
      asked.push(relative);
      const text = files[relative];
      return text === undefined ? undefined : new TextEncoder().encode(text);
    },
  };
}

/** The routes alone, with the error answer createApp gives every route. */
function appOver(source: WebSource): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  addWebRoutes(app, source);
  app.onError((error, c) => {
    const answer = errorAnswer(error);
    return c.json(errorBody(answer.code, answer.message), answer.status);
  });
  return app;
}

describe('web routes over a source in memory', () => {
  it.each([['/app', 'app/index.html'], ['/console', 'console/index.html']])('serves %s revalidated, under its CSP', async (page, file) => {
    const res = await appOver(memorySource(BUILD)).request(page);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toBe(CSP);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toBe(BUILD[file]);
  });

  it.each([
    ['/assets/app-1a2b3c.js', 'text/javascript; charset=utf-8'],
    ['/assets/api-4d5e6f.css', 'text/css; charset=utf-8'],
  ])('serves %s immutable, as %s', async (asset, type) => {
    const res = await appOver(memorySource(BUILD)).request(asset);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('content-type')).toBe(type);
    expect(await res.text()).toBe(BUILD[asset.slice(1)]);
  });

  it('answers 404 not_found for an asset the build lacks, a name of another type or of other characters', async () => {
    const source = memorySource({ ...BUILD, 'assets/notes.txt': 'not served', 'assets/a b.js': 'not served' });
    const app = appOver(source);
    for (const asset of ['/assets/app-000000.js', '/assets/notes.txt', '/assets/a%20b.js', '/assets/..%2Fapp%2Findex.html']) {
      const res = await app.request(asset);
      expect(res.status, asset).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
    }
    // Only the well-formed name of a served type was looked for.
    expect(source.asked).toEqual(['assets/app-000000.js']);
  });

  it('answers 503 web_unavailable naming the source when it holds no pages', async () => {
    const res = await appOver(memorySource({})).request('/app');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: { code: 'web_unavailable', message: 'the web pages are not in memory: fill it' } });
  });

  it('reads a file found once and keeps it, and looks again for one not found', async () => {
    const files: Record<string, string> = {};
    const source = memorySource(files);
    const app = appOver(source);
    expect((await app.request('/console')).status).toBe(503);
    files['console/index.html'] = BUILD['console/index.html']!;
    expect((await app.request('/console')).status).toBe(200);
    expect((await app.request('/console')).status).toBe(200);
    expect(source.asked).toEqual(['console/index.html', 'console/index.html']);
  });

  it('sends text gzipped to a browser that takes gzip, the same bytes once unzipped; plain to one that does not', async () => {
    const script = `${'console.log("a line the app says");\n'.repeat(200)}`;
    const app = appOver(memorySource({ ...BUILD, 'assets/big-9z8y7x.js': script, 'assets/logo-1q2w3e.png': 'PNG bytes, not text' }));
    const zipped = await app.request('/assets/big-9z8y7x.js', { headers: { 'Accept-Encoding': 'gzip, deflate, br' } });
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    expect(zipped.headers.get('vary')).toBe('Accept-Encoding');
    const body = Buffer.from(await zipped.arrayBuffer());
    expect(body.length).toBeLessThan(script.length / 10);
    expect(zlib.gunzipSync(body).toString()).toBe(script);
    const page = await app.request('/app', { headers: { 'Accept-Encoding': 'gzip' } });
    expect([page.headers.get('content-encoding'), zlib.gunzipSync(Buffer.from(await page.arrayBuffer())).toString()]).toEqual(['gzip', BUILD['app/index.html']]);
    const plain = await app.request('/assets/big-9z8y7x.js');
    expect([plain.headers.get('content-encoding'), plain.headers.get('vary'), await plain.text()]).toEqual([null, 'Accept-Encoding', script]);
    // An image is sent as it is, whatever the browser takes.
    const image = await app.request('/assets/logo-1q2w3e.png', { headers: { 'Accept-Encoding': 'gzip' } });
    expect([image.headers.get('content-encoding'), await image.text()]).toEqual([null, 'PNG bytes, not text']);
  });
});

describe('web routes over a build directory', () => {
  let root: string;
  let dir: string;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-web-routes-'));
    dir = path.join(root, 'web');
    for (const [relative, text] of Object.entries(BUILD)) {
      fs.mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
      fs.writeFileSync(path.join(dir, relative), text);
    }
    fs.writeFileSync(path.join(root, 'secret.js'), 'outside the build');
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('reads the files inside it and nothing else', () => {
    const source = webDirSource(dir);
    expect(new TextDecoder().decode(source.read('assets/app-1a2b3c.js'))).toBe(BUILD['assets/app-1a2b3c.js']);
    expect(source.read('assets/none.js')).toBeUndefined();
    expect(source.read('assets')).toBeUndefined();
    expect(source.read('../secret.js')).toBeUndefined();
  });

  it('serves its page, and says to run npm run build where there is none', async () => {
    expect(await (await appOver(webDirSource(dir)).request('/app')).text()).toBe(BUILD['app/index.html']);
    const empty = path.join(root, 'empty');
    expect(await (await appOver(webDirSource(empty)).request('/app')).json()).toEqual({
      error: { code: 'web_unavailable', message: `the web pages are not in ${empty}: run npm run build` },
    });
  });

  it('is the default outside the single executable: dist/web of this package', () => {
    expect(webDir()).toBe(path.resolve(import.meta.dirname, '../../dist/web'));
    expect(webSource().describe).toBe(`${webDir()}: run npm run build`);
  });
});
