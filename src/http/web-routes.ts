/**
 * The pages ticketd serves (issue 13), built by `npm run build` (web/vite.config.ts) into dist/web: `/app` (the
 * customer's app), `/console` (the operator's) and their bundled files under `/assets/`. Public like `/docs`: a page carries no token, it logs in
 * (the session cookie). The HTML is revalidated on every load (`no-cache`), so a new build is seen at once; the
 * assets have a content hash in their names and are cached for a year. Text goes gzipped to a browser that takes it
 * (compressed once per file and kept). Everything comes from ticketd: no CDN.
 *
 * The files come from a `WebSource`: dist/web on disk, or, in the single executable (`npm run package`), the
 * copies it carries. Each is read when first asked for and kept (the whole build is some tens of KB); a server
 * with no build to read answers 503 `web_unavailable` saying how to build it.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Context } from 'hono';
import { fileURLToPath } from 'node:url';
import { bundledAssets } from '../platform/bundled-assets.ts';
import type { AppEnv, TicketdApp } from './app-env.ts';
import { errorBody, HttpError } from './http-error.ts';

/** The pages, by path, and their built HTML file under dist/web. */
export const WEB_PAGES: Readonly<Record<string, string>> = { '/app': 'app/index.html', '/console': 'console/index.html' };
export const WEB_ASSETS_PREFIX = '/assets/';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2', '.map': 'application/json',
};

/** Text compresses (a script to about a third); images and fonts are compressed already. */
const COMPRESSIBLE = /^(text\/|application\/json|image\/svg\+xml)/;

/** A built file as served: its bytes, and their gzip once a browser that takes gzip has asked. */
interface Kept {
  bytes: Uint8Array<ArrayBuffer>;
  gzipped?: Uint8Array<ArrayBuffer>;
}

/** Where the build is: `<package root>/dist/web`, from src/http (tsx) and from dist/http (built) alike. */
export function webDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/web');
}

/** Where the pages' built files are read from. */
export interface WebSource {
  /** Where the files were looked for and how to put them there, for the 503 that says they are not there. */
  describe: string;
  /** A built file's bytes by its path inside the build (`app/index.html`, `assets/app-1a2b3c.js`); `undefined` when absent. */
  read(relative: string): Uint8Array<ArrayBuffer> | undefined;
}

/**
 * The build in a directory on disk.
 *
 * @example
 * webDirSource(webDir()).read('app/index.html'); // the page's bytes, or undefined before `npm run build`
 */
export function webDirSource(dir: string): WebSource {
  return {
    describe: `${dir}: run npm run build`,
    read: (relative) => {
      const file = path.join(dir, relative);
      // Only files inside the build, by a path the route built itself: no `..` can reach here.
      if (!file.startsWith(dir + path.sep) || fs.statSync(file, { throwIfNoEntry: false })?.isFile() !== true) return undefined;
      return new Uint8Array(fs.readFileSync(file));
    },
  };
}

/**
 * The build this process serves: the copy the single executable carries when it is one, else dist/web.
 *
 * @example
 * addWebRoutes(app, webSource());
 */
export function webSource(): WebSource {
  const bundled = bundledAssets();
  if (bundled === undefined) return webDirSource(webDir());
  return { describe: 'this executable: build it again with npm run package', read: bundled.readWebFile };
}

/**
 * Adds `GET /app`, `GET /console` and `GET /assets/:file`, answered from `source`.
 *
 * @example
 * addWebRoutes(app);
 * // GET /app → the customer's app; GET /assets/app-1a2b3c.js → its script, immutable
 */
export function addWebRoutes(app: TicketdApp, source = webSource()): void {
  // Only files found are kept: they are the build's few files, while the names asked for are the callers' choice.
  const files = new Map<string, Kept>();
  const read = (relative: string): Kept | undefined => {
    const kept = files.get(relative);
    if (kept !== undefined) return kept;
    const bytes = source.read(relative);
    if (bytes === undefined) return undefined;
    const entry: Kept = { bytes };
    files.set(relative, entry);
    return entry;
  };
  /** The file's bytes, gzipped (once, then kept) when the browser takes gzip and the type is text. */
  const send = (c: Context<AppEnv>, kept: Kept, type: string) => {
    c.header('Content-Type', type);
    c.header('X-Content-Type-Options', 'nosniff');
    if (!COMPRESSIBLE.test(type)) return c.body(kept.bytes, 200);
    c.header('Vary', 'Accept-Encoding');
    if (!/\bgzip\b/.test(c.req.header('Accept-Encoding') ?? '')) return c.body(kept.bytes, 200);
    kept.gzipped ??= new Uint8Array(zlib.gzipSync(kept.bytes, { level: 9 }));
    c.header('Content-Encoding', 'gzip');
    return c.body(kept.gzipped, 200);
  };
  for (const [page, file] of Object.entries(WEB_PAGES)) {
    app.get(page, (c) => {
      const kept = read(file);
      if (kept === undefined) throw new HttpError(503, 'web_unavailable', `the web pages are not in ${source.describe}`);
      c.header('Cache-Control', 'no-cache');
      // The page's own rules: its scripts and styles from this origin only, nothing inline, no framing.
      c.header('Content-Security-Policy', "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'");
      return send(c, kept, TYPES['.html']!);
    });
  }
  app.get(`${WEB_ASSETS_PREFIX}:file`, (c) => {
    const name = c.req.param('file');
    const type = TYPES[path.extname(name)];
    const kept = /^[A-Za-z0-9._-]+$/.test(name) && type !== undefined ? read(`assets/${name}`) : undefined;
    if (kept === undefined || type === undefined) return c.json(errorBody('not_found', `no route ${c.req.method} ${c.req.path}`), 404);
    c.header('Cache-Control', 'public, max-age=31536000, immutable');
    return send(c, kept, type);
  });
}
