/**
 * The main script of the single executable (`npm run package` bundles it into one CommonJS file, as Node's single
 * executable applications require). Node gives that script a `require` that loads built-in modules only, and
 * piscina starts its threads from a `worker.js` beside its own code; so this script writes the carried files
 * (the bundled command line, piscina's worker, ticketd's task file, better-sqlite3's addon) to a cache directory
 * of this build (asset-cache.ts) and runs the command line from there, where `require` and workers find them.
 * The web pages' files stay in the executable: the command line reads them from its assets (web-file-reader.ts).
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import sea from 'node:sea';
import type { BundledAssets } from '../platform/bundled-assets.ts';
import type { AppEntry } from './app-entry.ts';
import { AssetCacheError, cacheDirFor, extractAssets } from './asset-cache.ts';
import { MANIFEST_ASSET, parseManifest, SQLITE_ADDON_ASSET } from './manifest.ts';
import { webFileReader } from './web-file-reader.ts';

const FILES_MAX = 16;

function prepare(): { app: AppEntry; assets: BundledAssets } {
  const manifest = parseManifest(sea.getAsset(MANIFEST_ASSET, 'utf8'));
  const uid = process.getuid?.();
  if (uid === undefined) throw new AssetCacheError('ERR_ASSET_CACHE_UNSAFE', 'this platform has no user ids to check the cache directory with');
  const dir = cacheDirFor(process.env, os.tmpdir(), manifest.version, manifest.hash);
  extractAssets({
    dir,
    files: manifest.files.map((name) => ({ name, bytes: new Uint8Array(sea.getAsset(name)) })),
    filesMax: FILES_MAX,
    uid,
    tempSuffix: `${process.pid}-${randomBytes(6).toString('hex')}`,
  });
  const appFile = path.join(dir, manifest.appFile);
  const app = createRequire(appFile)(appFile) as AppEntry;
  const assets: BundledAssets = {
    version: manifest.version,
    sqliteAddonFile: path.join(dir, SQLITE_ADDON_ASSET),
    docsAssetsDir: dir,
    readWebFile: webFileReader(manifest.webFiles, (name) => sea.getAsset(name)),
  };
  return { app, assets };
}

let prepared: ReturnType<typeof prepare> | undefined;
try {
  prepared = prepare();
} catch (error) {
  if (!(error instanceof AssetCacheError)) throw error;
  process.stderr.write(`ticketd: ${error.message}\n`);
  process.exitCode = 1;
}
if (prepared !== undefined) {
  const { app, assets } = prepared;
  // exitCode, not process.exit(): output still buffered for a pipe is written before the process ends.
  void app.runBundled(assets, process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
