// The feature cache a library user gets without saying anything is bounded: OCR text of every
// screenshot predicted would otherwise pile up in ~/.cache/ecommir for good. Eviction stays among
// the cache's own entries: the same folder holds rendered knowledge screenshots and the service's cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_CACHE_MAX_BYTES, FeatureCache, jsonCodec, setDefaultFeatureCacheOptions, sha256Hex, type CacheKey } from '../../src/features/cache.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ecommir-cache-cap-'));
  try {
    await fn(dir);
  } finally {
    setDefaultFeatureCacheOptions({});
    await rm(dir, { recursive: true, force: true });
  }
}

test('a cache given no cap is bounded (1 GiB); Infinity is no bound; a memory-only one still names its own', () =>
  withDir(async (dir) => {
    assert.equal(DEFAULT_CACHE_MAX_BYTES, 1024 ** 3);
    assert.equal(new FeatureCache({ dir }).maxBytes, DEFAULT_CACHE_MAX_BYTES);
    assert.equal(new FeatureCache().maxBytes, DEFAULT_CACHE_MAX_BYTES, 'the default cache, ~/.cache/ecommir');
    setDefaultFeatureCacheOptions({ dir });
    assert.equal(new FeatureCache().maxBytes, DEFAULT_CACHE_MAX_BYTES, 'defaults that name only a folder keep the cap');
    setDefaultFeatureCacheOptions({});
    assert.equal(new FeatureCache({ dir, maxBytes: 5000 }).maxBytes, 5000);
    assert.equal(new FeatureCache({ dir, maxBytes: Infinity }).maxBytes, undefined, 'Infinity: no bound');
    assert.throws(() => new FeatureCache({ dir, maxBytes: -1 }), { code: 'ECM_ERR_BAD_OPTION', message: /maxBytes must be a positive integer, or Infinity/ });
    assert.throws(() => new FeatureCache({ memoryOnly: true }), { code: 'ECM_ERR_BAD_OPTION', message: /memory-only cache needs a finite maxBytes/ });
    assert.throws(() => new FeatureCache({ memoryOnly: true, maxBytes: Infinity }), { code: 'ECM_ERR_BAD_OPTION' });
  }));

test('a bounded cache counts and evicts only its own entries, never other files in its folder', () =>
  withDir(async (dir) => {
    // Old files that are not this cache's entries: eviction by age would take them first.
    const others = [
      path.join('knowledge-scenes', 'v2-seed1', 'images', 'cart-1.png'),
      path.join('serve', 'ocr', 'ab', `${sha256Hex('nested')}.json`),
      path.join('ocr', 'notes.txt'),
      'README.txt',
    ];
    const longAgo = new Date('2000-01-01T00:00:00Z');
    for (const file of others) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), 'o'.repeat(3000));
      await utimes(path.join(dir, file), longAgo, longAgo);
    }
    const cache = new FeatureCache({ dir, maxBytes: 5000 });
    const codec = jsonCodec<string>();
    const k = (i: number): CacheKey => ({ contentHash: sha256Hex(`image ${i}`), extractor: 'ocr', version: 1 });
    for (let i = 0; i < 6; i++) await cache.set(k(i), codec, 'x'.repeat(1000)); // 1002 bytes each
    for (const file of others) assert.equal((await stat(path.join(dir, file))).size, 3000, `${file} was evicted`);
    // 5 entries pass the cap: down to 80% (3 left), then the sixth makes 4; the other files count for nothing.
    const entries = (await readdir(path.join(dir, 'ocr'), { recursive: true })).filter((name) => name.endsWith('.json'));
    assert.equal(entries.length, 4, entries.join(' '));
    assert.equal(cache.bytes, 4 * 1002);
  }));

test('ECOMMIR_CACHE_MAX_MB sets the cap of a cache given none (0: no bound); a bad value is named', () =>
  withDir(async (dir) => {
    const before = process.env.ECOMMIR_CACHE_MAX_MB;
    try {
      process.env.ECOMMIR_CACHE_MAX_MB = '64';
      assert.equal(new FeatureCache({ dir }).maxBytes, 64 * 1024 * 1024);
      assert.equal(new FeatureCache({ dir, maxBytes: 5000 }).maxBytes, 5000, 'an option given wins');
      process.env.ECOMMIR_CACHE_MAX_MB = '0';
      assert.equal(new FeatureCache({ dir }).maxBytes, undefined);
      process.env.ECOMMIR_CACHE_MAX_MB = 'lots';
      assert.throws(() => new FeatureCache({ dir }), { code: 'ECM_ERR_BAD_OPTION', message: /ECOMMIR_CACHE_MAX_MB must be a whole number of MiB \(0: no bound\), got "lots"/ });
    } finally {
      if (before === undefined) delete process.env.ECOMMIR_CACHE_MAX_MB;
      else process.env.ECOMMIR_CACHE_MAX_MB = before;
    }
  }));

test('caches on one folder share one size estimate (one scan), and passing the default cap is said once', () =>
  withDir(async (dir) => {
    const codec = jsonCodec<string>();
    const key = (i: number): CacheKey => ({ contentHash: sha256Hex(`image ${i}`), extractor: 'ocr', version: 1 });
    const first = new FeatureCache({ dir, maxBytes: 1 << 20 });
    const second = new FeatureCache({ dir, maxBytes: 1 << 20 });
    await first.set(key(1), codec, 'x'.repeat(1000));
    await second.set(key(2), codec, 'y'.repeat(1000));
    assert.ok(second.bytes >= 2000 && second.bytes === first.bytes, `one estimate for the folder: ${first.bytes}, ${second.bytes}`);

    const said: string[] = [];
    const write = process.stderr.write;
    const before = process.env.ECOMMIR_CACHE_MAX_MB;
    process.env.ECOMMIR_CACHE_MAX_MB = '1';
    process.stderr.write = ((chunk: string) => (said.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      const capped = new FeatureCache({ dir: path.join(dir, 'small') });
      for (let i = 0; i < 6; i++) await capped.set(key(i), codec, 'z'.repeat(300_000));
      // The same folder named another way is the same folder: not said again.
      const sameFolder = new FeatureCache({ dir: `${path.join(dir, 'small')}${path.sep}.${path.sep}` });
      for (let i = 6; i < 12; i++) await sameFolder.set(key(i), codec, 'z'.repeat(300_000));
    } finally {
      process.stderr.write = write;
      if (before === undefined) delete process.env.ECOMMIR_CACHE_MAX_MB;
      else process.env.ECOMMIR_CACHE_MAX_MB = before;
    }
    const notes = said.filter((line) => line.includes('past its cap'));
    assert.equal(notes.length, 1, said.join(''));
    assert.match(notes[0], /the feature cache in .*small is past its cap of 1 MiB: the least recently used entries are removed \(ECOMMIR_CACHE_MAX_MB sets the cap, 0 for none\)/);
  }));

type ScanEntry = { file: string; size: number; mtimeMs: number };

/** Replaces the cache's folder scan with one held open until the test ends it, listing what it is given. */
function holdScan(cache: FeatureCache): (entries: ScanEntry[]) => void {
  let endScan!: (entries: ScanEntry[]) => void;
  const scan = new Promise<ScanEntry[]>((resolve) => (endScan = resolve));
  (cache as unknown as { entries: () => Promise<ScanEntry[]> }).entries = () => scan;
  return endScan;
}

/** Waits (up to 0.5 s) for the bookkeeping behind an answer to reach `done`, then 20 ms more for anything counted late. */
async function settled(done: () => boolean): Promise<void> {
  for (let i = 0; i < 50 && !done(); i++) await sleep(10);
  await sleep(20);
}

const ocrKey = (i: number): CacheKey => ({ contentHash: sha256Hex(`image ${i}`), extractor: 'ocr', version: 1 });

test('a computed value does not wait for the folder scan that counts a capped cache; what is written meanwhile is counted once', () =>
  withDir(async (dir) => {
    const cache = new FeatureCache({ dir, maxBytes: 1 << 20 });
    const codec = jsonCodec<string>();
    // The scan (0.4 s for 7,000 entries, at a process's first write) is held until the values have been given.
    const endScan = holdScan(cache);
    const late = new Promise<string>((resolve) => setTimeout(() => resolve('still waiting for the scan'), 2000).unref());
    for (let i = 0; i < 3; i++) assert.equal(await Promise.race([cache.getOrCompute(ocrKey(i), codec, async () => `text ${i}`), late]), `text ${i}`);
    assert.equal(cache.bytes, 0, 'not counted before the scan ends');
    // The scan saw an older entry and two of the three written while it ran (each 8 bytes: "text i"); the third is counted on top.
    endScan([{ file: path.join(dir, 'older'), size: 1000, mtimeMs: 0 }, ...[0, 2].map((i) => ({ file: cache.pathOf(ocrKey(i), codec), size: 8, mtimeMs: 0 }))]);
    await settled(() => cache.bytes > 0);
    assert.equal(cache.bytes, 1000 + 3 * 8, 'each entry counted once');
    await cache.set(ocrKey(3), codec, 'text 3');
    assert.equal(cache.bytes, 1000 + 4 * 8, 'a write after the scan is counted');
    assert.equal(await cache.getOrCompute(ocrKey(1), codec, async () => 'computed again'), 'text 1', 'the entry was written before the answer');
  }));

test('a write still under way when the scan ends is counted once, whether or not the scan listed its file; a folder named relatively too', () =>
  withDir(async (dir) => {
    // Named relatively, as a user may: the scan's paths and the written one must meet as the same file.
    const cache = new FeatureCache({ dir: path.relative(process.cwd(), dir), maxBytes: 1 << 20 });
    const codec = jsonCodec<string>();
    const endScan = holdScan(cache);
    const hooks = cache as unknown as { ensurePrivateFolder: (extractor: string) => Promise<void> };
    // The second and third writes are held before they reach the disk, until the scan has ended.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const ensure = hooks.ensurePrivateFolder.bind(cache);
    let calls = 0;
    hooks.ensurePrivateFolder = async (extractor) => {
      if (++calls > 1) await gate;
      return ensure(extractor);
    };
    assert.equal(await cache.getOrCompute(ocrKey(0), codec, async () => 'text 0'), 'text 0');
    const held = [1, 2].map((i) => cache.getOrCompute(ocrKey(i), codec, async () => `text ${i}`));
    await sleep(20);
    // The scan lists the first write and, as if it had raced ahead of the rename, the second; not the third.
    endScan([0, 1].map((i) => ({ file: cache.pathOf(ocrKey(i), codec), size: 8, mtimeMs: 0 })));
    await sleep(20);
    release();
    assert.deepEqual(await Promise.all(held), ['text 1', 'text 2']);
    await settled(() => cache.bytes >= 24);
    assert.equal(cache.bytes, 3 * 8, 'each of the three counted once');
  }));
