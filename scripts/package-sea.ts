/**
 * `npm run package [-- --out FILE]`: builds `build/ticketd`, ticketd as one executable file (a Node single
 * executable application) that runs on a machine without node_modules: a copy of the node binary running this
 * script with, injected, a small CommonJS entry (src/single-executable/sea-main.ts) and the files it writes to a
 * cache directory at its first start: the command line bundled into one file, piscina's worker and ticketd's task
 * file each bundled alone, and better-sqlite3's native addon; and, read from its assets without extraction, the web
 * pages (/app, /console), built here by Vite from web/ so that they are always those of the sources beside this
 * script. Prints a line per step and the file's size.
 *
 * The executable runs only where that node binary runs: same OS and CPU architecture, a glibc as recent.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import { build as viteBuild } from 'vite';
import { DOCS_ASSET_FILES } from '../src/http/docs-assets.ts';
import { WEB_PAGES } from '../src/http/web-routes.ts';
import { MANIFEST_ASSET, SQLITE_ADDON_ASSET, WEB_FILES_MAX, webAssetName, type SeaManifest } from '../src/single-executable/manifest.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const requireHere = createRequire(path.join(ROOT, 'package.json'));
/** Node's fixed fuse string, which marks the binary as carrying a single executable application's blob. */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const APP_FILE = 'ticketd.cjs';
const STEPS = 6;

/**
 * The bundled command line reads `import.meta.url` (to find evaluate-task.js beside it, as dist/workers does);
 * in a CommonJS bundle that becomes the URL of the bundle file itself, in the cache directory.
 */
const IMPORT_META_URL = '__ticketd_import_meta_url';
const commonjs: esbuild.BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  // piscina loads this optional package only when asked for a nice level; ticketd never asks.
  external: ['@napi-rs/nice'],
};

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const out = path.resolve(values.out ?? path.join(ROOT, 'build', 'ticketd'));
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-package-'));
  const started = performance.now();
  try {
    const carried = path.join(work, 'carried');
    const web = path.join(work, 'web');
    fs.mkdirSync(carried);
    const webFiles = await step(1, 'build the web pages (vite build --config web/vite.config.ts)', () => buildWebPages(web));
    await step(2, 'bundle the command line, piscina\'s worker, the task files and the entry (esbuild)', () => bundle(carried, work));
    const files = await step(3, 'add better-sqlite3\'s addon and the manifest', () => addCarried(carried, pkg.version, webFiles));
    const assets = Object.fromEntries([
      ...files.map((name): [string, string] => [name, path.join(carried, name)]),
      ...webFiles.map((relative): [string, string] => [webAssetName(relative), path.join(web, relative)]),
    ]);
    const blob = await step(4, 'make the application blob (node --experimental-sea-config)', () => makeBlob(work, assets));
    await step(5, `inject it into a copy of ${process.execPath} (postject)`, () => inject(blob, `${out}.partial`));
    await step(6, `place it at ${path.relative(process.cwd(), out) || out}`, () => fs.renameSync(`${out}.partial`, out));
    const sizeMb = fs.statSync(out).size / 1_000_000;
    const seconds = (performance.now() - started) / 1_000;
    console.log(`${out}: ${sizeMb.toFixed(1)} MB, ticketd ${pkg.version}, built in ${seconds.toFixed(1)} s`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function step<T>(index: number, what: string, run: () => T | Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await run();
  console.log(`[${index}/${STEPS}] ${what}: ${Math.round(performance.now() - started)} ms`);
  return result;
}

async function bundle(carried: string, work: string): Promise<void> {
  const source = (file: string): string => path.join(ROOT, 'src', file);
  await esbuild.build({
    ...commonjs,
    entryPoints: [source('single-executable/app-entry.ts')],
    outfile: path.join(carried, APP_FILE),
    define: { 'import.meta.url': IMPORT_META_URL },
    banner: { js: `const ${IMPORT_META_URL} = require('node:url').pathToFileURL(__filename).href;` },
  });
  // The file names are the ones their loaders look for beside them: piscina's `worker.js` beside its code, and
  // `evaluate-task.js` beside pool-evaluator's code, both now in ticketd.cjs.
  await esbuild.build({ ...commonjs, entryPoints: [source('workers/evaluate-task.ts')], outfile: path.join(carried, 'evaluate-task.js') });
  // And `password-task.js` beside password-pool's code, likewise.
  await esbuild.build({ ...commonjs, entryPoints: [source('workers/password-task.ts')], outfile: path.join(carried, 'password-task.js') });
  const piscinaWorker = path.join(path.dirname(requireHere.resolve('piscina')), 'worker.js');
  await esbuild.build({ ...commonjs, entryPoints: [piscinaWorker], outfile: path.join(carried, 'worker.js') });
  await esbuild.build({ ...commonjs, entryPoints: [source('single-executable/sea-main.ts')], outfile: path.join(work, 'sea-main.cjs') });
}

/**
 * Builds the pages into `outDir`, not into dist/web: the executable carries the pages of the sources as they are,
 * and a server or a test reading dist/web meanwhile is not disturbed. Answers the built files' paths inside
 * `outDir`, with `/` between names as the routes ask for them.
 */
async function buildWebPages(outDir: string): Promise<string[]> {
  await viteBuild({ configFile: path.join(ROOT, 'web', 'vite.config.ts'), build: { outDir, emptyOutDir: true }, logLevel: 'warn' });
  const files = fs.readdirSync(outDir, { recursive: true, encoding: 'utf8' })
    .filter((relative) => fs.statSync(path.join(outDir, relative)).isFile())
    .map((relative) => relative.split(path.sep).join('/'))
    .sort();
  for (const page of Object.values(WEB_PAGES)) {
    if (!files.includes(page)) throw new Error(`vite build made no ${page} (web/vite.config.ts must build every page of src/http/web-routes.ts)`);
  }
  if (files.length > WEB_FILES_MAX) throw new Error(`vite build made ${files.length} files, more than the manifest's ${WEB_FILES_MAX}`);
  return files;
}

/** Answers the names of the carried files to extract, the manifest last (it names the others). */
function addCarried(carried: string, version: string, webFiles: string[]): string[] {
  const addon = path.join(path.dirname(requireHere.resolve('better-sqlite3/package.json')), 'build', 'Release', SQLITE_ADDON_ASSET);
  fs.copyFileSync(addon, path.join(carried, SQLITE_ADDON_ASSET));
  // Swagger UI's page for GET /docs: served by ticketd, never from a CDN (see src/http/docs-assets.ts).
  const swaggerUi = path.dirname(requireHere.resolve('swagger-ui-dist/package.json'));
  for (const name of Object.keys(DOCS_ASSET_FILES)) fs.copyFileSync(path.join(swaggerUi, name), path.join(carried, name));
  // The cache directory may sit below a package.json saying "type": "module"; the .js files there are CommonJS.
  fs.writeFileSync(path.join(carried, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
  const files = fs.readdirSync(carried).sort();
  const hash = createHash('sha256');
  for (const name of files) hash.update(`${name}\0`).update(fs.readFileSync(path.join(carried, name)));
  const manifest: SeaManifest = { version, hash: hash.digest('hex').slice(0, 16), files, appFile: APP_FILE, webFiles };
  fs.writeFileSync(path.join(carried, MANIFEST_ASSET), `${JSON.stringify(manifest, null, 2)}\n`);
  return [...files, MANIFEST_ASSET];
}

/** `assets`: each asset's name in the executable and the file it is made from. */
function makeBlob(work: string, assets: Record<string, string>): string {
  const blob = path.join(work, 'sea-prep.blob');
  const config = {
    main: path.join(work, 'sea-main.cjs'),
    output: blob,
    disableExperimentalSEAWarning: true,
    assets,
  };
  const configFile = path.join(work, 'sea-config.json');
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
  run(process.execPath, ['--experimental-sea-config', configFile]);
  return blob;
}

function inject(blob: string, target: string): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(process.execPath, target);
  fs.chmodSync(target, 0o755);
  const postject = path.join(path.dirname(requireHere.resolve('postject')), 'cli.js');
  run(process.execPath, [postject, target, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE]);
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(`${path.basename(command)} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stderr}`);
  }
}

main().catch((error: unknown) => {
  console.error(`npm run package: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
