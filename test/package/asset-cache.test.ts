/**
 * The single executable's cache directory (src/single-executable/asset-cache.ts) and its manifest: written once
 * and owner-only, reused while its bytes match, repaired when they do not, refused when others could swap code;
 * and the web files it reads from its assets instead (web-file-reader.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AssetCacheError, cacheDirFor, extractAssets, type CarriedFile } from '../../src/single-executable/asset-cache.ts';
import { parseManifest, WEB_FILES_MAX } from '../../src/single-executable/manifest.ts';
import { webFileReader } from '../../src/single-executable/web-file-reader.ts';

const uid = process.getuid!();
const files: CarriedFile[] = [
  { name: 'worker.js', bytes: new TextEncoder().encode('module.exports = 1;\n') },
  { name: 'better_sqlite3.node', bytes: new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 1, 2, 3]) },
];
let root: string;
let dir: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-asset-cache-'));
  dir = path.join(root, 'cache', 'ticketd-0.1.0-0123456789abcdef');
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function extract(suffix = 'p1'): string[] {
  return extractAssets({ dir, files, filesMax: 16, uid, tempSuffix: suffix });
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof AssetCacheError ? error.code : `not an AssetCacheError: ${String(error)}`;
  }
}

describe('cacheDirFor', () => {
  it('takes XDG_CACHE_HOME, else HOME/.cache, else the temp dir, and names the version and hash', () => {
    expect(cacheDirFor({ XDG_CACHE_HOME: '/x', HOME: '/h' }, '/t', '1.2.3', 'ab')).toBe('/x/ticketd-1.2.3-ab');
    expect(cacheDirFor({ HOME: '/h' }, '/t', '1.2.3', 'ab')).toBe('/h/.cache/ticketd-1.2.3-ab');
    expect(cacheDirFor({ XDG_CACHE_HOME: 'relative', HOME: 'also-relative' }, '/t', '1.2.3', 'ab')).toBe('/t/ticketd-1.2.3-ab');
    expect(cacheDirFor({}, '/t', '1.2.3', 'ab')).toBe('/t/ticketd-1.2.3-ab');
  });
});

describe('extractAssets', () => {
  it('creates the directory 0700 with its parents and writes each file 0600 with its bytes', () => {
    expect(extract()).toEqual(['worker.js', 'better_sqlite3.node']);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    for (const file of files) {
      const target = path.join(dir, file.name);
      expect(fs.statSync(target).mode & 0o777).toBe(0o600);
      expect(new Uint8Array(fs.readFileSync(target))).toEqual(file.bytes);
    }
    expect(fs.readdirSync(dir).sort()).toEqual(['better_sqlite3.node', 'worker.js']); // no temporary file left
  });

  it('reuses files whose bytes match: a second start writes nothing', () => {
    extract('p1');
    const inode = fs.statSync(path.join(dir, 'worker.js')).ino;
    expect(extract('p2')).toEqual([]);
    expect(fs.statSync(path.join(dir, 'worker.js')).ino).toBe(inode);
  });

  it('rewrites a file that differs (same size or not) and only that one', () => {
    extract();
    fs.writeFileSync(path.join(dir, 'worker.js'), 'module.exports = 2;\n');
    expect(extract('p2')).toEqual(['worker.js']);
    fs.truncateSync(path.join(dir, 'better_sqlite3.node'), 3);
    expect(extract('p3')).toEqual(['better_sqlite3.node']);
    for (const file of files) expect(new Uint8Array(fs.readFileSync(path.join(dir, file.name)))).toEqual(file.bytes);
  });

  it('refuses a directory open to other users, a link in its place, or another owner', () => {
    extract();
    fs.chmodSync(dir, 0o755);
    expect(codeOf(() => extract('p2'))).toBe('ERR_ASSET_CACHE_UNSAFE');
    fs.chmodSync(dir, 0o700);
    expect(codeOf(() => extractAssets({ dir, files, filesMax: 16, uid: uid + 1, tempSuffix: 'p3' }))).toBe('ERR_ASSET_CACHE_UNSAFE');
    const elsewhere = path.join(root, 'elsewhere');
    fs.mkdirSync(elsewhere, { mode: 0o700 });
    const linked = path.join(root, 'cache', 'linked');
    fs.symlinkSync(elsewhere, linked);
    expect(codeOf(() => extractAssets({ dir: linked, files, filesMax: 16, uid, tempSuffix: 'p4' }))).toBe('ERR_ASSET_CACHE_UNSAFE');
    expect(fs.readdirSync(elsewhere)).toEqual([]);
  });

  it('answers ERR_ASSET_CACHE_IO when the directory cannot be made', () => {
    fs.writeFileSync(path.join(root, 'a-file'), '');
    const under = path.join(root, 'a-file', 'ticketd-0.1.0-x');
    expect(codeOf(() => extractAssets({ dir: under, files, filesMax: 16, uid, tempSuffix: 'p1' }))).toBe('ERR_ASSET_CACHE_IO');
  });

  it('refuses names that are not plain file names, too many files and a bad temp suffix', () => {
    for (const name of ['../x', 'a/b', '.hidden', '']) {
      expect(codeOf(() => extractAssets({ dir, files: [{ name, bytes: new Uint8Array() }], filesMax: 16, uid, tempSuffix: 'p' }))).toBe('ERR_INVALID_ARGUMENT');
    }
    expect(codeOf(() => extractAssets({ dir, files, filesMax: 1, uid, tempSuffix: 'p' }))).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(() => extractAssets({ dir, files, filesMax: 16, uid, tempSuffix: '../p' }))).toBe('ERR_INVALID_ARGUMENT');
    expect(fs.existsSync(dir)).toBe(false);
  });
});

describe('parseManifest', () => {
  const good = {
    version: '0.1.0', hash: '0123456789abcdef', files: ['ticketd.cjs', 'worker.js'], appFile: 'ticketd.cjs',
    webFiles: ['app/index.html', 'assets/app-1a2b3c.js', 'assets/api-4d5e6f.css', 'console/index.html'],
  };

  it('reads a manifest the build wrote', () => {
    expect(parseManifest(JSON.stringify(good))).toEqual(good);
  });

  it.each([
    [{ ...good, version: '' }, 'version'],
    [{ ...good, hash: 'XYZ' }, 'hash'],
    [{ ...good, files: [1] }, 'files'],
    [{ ...good, appFile: 'missing.cjs' }, 'appFile'],
    [{ ...good, webFiles: undefined }, 'webFiles'],
    [{ ...good, webFiles: 'app/index.html' }, 'webFiles'],
    [{ ...good, webFiles: [7] }, 'webFiles'],
    [{ ...good, webFiles: ['../ticketd.cjs'] }, 'webFiles'],
    [{ ...good, webFiles: ['/etc/passwd'] }, 'webFiles'],
    [{ ...good, webFiles: ['app//index.html'] }, 'webFiles'],
    [{ ...good, webFiles: ['assets/.hidden'] }, 'webFiles'],
    [{ ...good, webFiles: Array.from({ length: WEB_FILES_MAX + 1 }, (_, index) => `assets/f${index}.js`) }, 'webFiles'],
  ])('names the bad field of %j', (manifest, field) => {
    expect(() => parseManifest(JSON.stringify(manifest))).toThrow(field);
  });
});

describe('webFileReader', () => {
  const carried = new Map([['web/app/index.html', '<!doctype html>'], ['web/assets/app-1a2b3c.js', 'export {};']]);
  const asked: string[] = [];
  /** Throws for a name it does not carry, as `sea.getAsset` does. */
  const getAsset = (name: string): ArrayBuffer => {
    asked.push(name);
    const text = carried.get(name);
    if (text === undefined) throw new Error(`no asset ${name}`);
    return new TextEncoder().encode(text).buffer;
  };
  const read = webFileReader(['app/index.html', 'assets/app-1a2b3c.js'], getAsset);

  it('reads a listed file from the asset web/<path>', () => {
    expect(new TextDecoder().decode(read('app/index.html'))).toBe('<!doctype html>');
    expect(new TextDecoder().decode(read('assets/app-1a2b3c.js'))).toBe('export {};');
  });

  it('answers undefined for a path the manifest does not list, without asking for the asset', () => {
    asked.length = 0;
    expect(read('assets/none.js')).toBeUndefined();
    expect(read('../manifest.json')).toBeUndefined();
    expect(asked).toEqual([]);
  });
});
