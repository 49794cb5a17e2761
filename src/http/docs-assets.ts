/**
 * Swagger UI's script and styles for `GET /docs`, served by ticketd itself: a machine that runs ticketd need not
 * reach a CDN to read its API. The two files come from swagger-ui-dist in node_modules, or from the single
 * executable's cache directory where it extracted them. They are read once, on the first request for them, and
 * served under a path holding a digest of their bytes, so a browser may keep them for a year.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { bundledAssets } from '../platform/bundled-assets.ts';

/** The files the page loads, with their content types. */
export const DOCS_ASSET_FILES = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
} as const;

export type DocsAssetName = keyof typeof DOCS_ASSET_FILES;

export interface DocsAssets {
  /** Hex digest of both files: part of their URL, so a new version is a new URL. */
  digest: string;
  files: ReadonlyMap<DocsAssetName, Buffer>;
}

/**
 * Where the files are: the single executable's extraction directory, else swagger-ui-dist's package directory.
 *
 * @example
 * docsAssetsDir(); // '/work/main/node_modules/swagger-ui-dist'
 */
export function docsAssetsDir(): string {
  const bundled = bundledAssets()?.docsAssetsDir;
  if (bundled !== undefined) return bundled;
  return path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

/**
 * Reads both files from `dir`; throws (ENOENT and the like) when one is missing, which `/docs` answers with 503.
 *
 * @example
 * const assets = readDocsAssets(docsAssetsDir());
 * assets.files.get('swagger-ui.css'); // Buffer
 */
export function readDocsAssets(dir: string): DocsAssets {
  const hash = createHash('sha256');
  const files = new Map<DocsAssetName, Buffer>();
  for (const name of Object.keys(DOCS_ASSET_FILES) as DocsAssetName[]) {
    const bytes = fs.readFileSync(path.join(dir, name));
    hash.update(name).update(bytes);
    files.set(name, bytes);
  }
  return { digest: hash.digest('hex').slice(0, 16), files };
}
