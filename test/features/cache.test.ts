import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { entryBytes } from './cache-entries.js';
import { cacheDir, DEFAULT_CACHE_MAX_BYTES, diskEntriesWritten, FeatureCache, float32ListCodec, jsonCodec, setDefaultFeatureCacheOptions, sha256Hex, type CacheCodec, type CacheKey } from '../../src/features/cache.js';

const key = (version: number | string = 1, options?: string): CacheKey => ({ contentHash: sha256Hex('image bytes'), extractor: 'ocr', version, options });

async function withCache(fn: (cache: FeatureCache, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ecommir-cache-'));
  try {
    await fn(new FeatureCache({ dir }), dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function listFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
}

test('second call is a hit: the value is read back, not recomputed', () =>
  withCache(async (cache) => {
    let calls = 0;
    const compute = async () => ({ lines: ['订单详情'], n: ++calls });
    const first = await cache.getOrCompute(key(), jsonCodec<{ lines: string[]; n: number }>(), compute);
    const second = await cache.getOrCompute(key(), jsonCodec<{ lines: string[]; n: number }>(), compute);
    assert.equal(calls, 1);
    assert.deepEqual(second, first);
    assert.deepEqual(cache.stats, { hits: 1, misses: 1, corrupt: 0 });
    // a fresh cache object on the same folder also hits (it is on disk, not in memory)
    const again = new FeatureCache({ dir: cache.dir });
    await again.getOrCompute(key(), jsonCodec(), compute);
    assert.equal(calls, 1);
  }));

test('the key changes with the version, the options, the extractor and the content', () => {
  const base = FeatureCache.digest(key());
  assert.notEqual(FeatureCache.digest(key(2)), base);
  assert.notEqual(FeatureCache.digest(key(1, '{"maxSide":1280}')), base);
  assert.notEqual(FeatureCache.digest({ ...key(), extractor: 'layout' }), base);
  assert.notEqual(FeatureCache.digest({ ...key(), contentHash: sha256Hex('other bytes') }), base);
  assert.equal(FeatureCache.digest(key()), base);
  assert.throws(() => FeatureCache.digest({ ...key(), extractor: '../x' }), { code: 'ECM_ERR_BAD_OPTION' });
  assert.throws(() => FeatureCache.digest({ ...key(), contentHash: 'abc' }), { code: 'ECM_ERR_BAD_OPTION' });
});

test('float32 vectors round-trip bit for bit', () =>
  withCache(async (cache) => {
    const vectors = [Float32Array.from([1.5, -0, Number.MIN_VALUE, 3e38]), new Float32Array(0), Float32Array.from([7])];
    await cache.set(key(), float32ListCodec, vectors);
    const back = await cache.get(key(), float32ListCodec);
    assert.deepEqual(back, vectors);
  }));

test('a write that dies half-way leaves no entry, and a truncated entry is a miss that gets rewritten', () =>
  withCache(async (cache, dir) => {
    // 1. the process dies while encoding/writing: nothing under the real name, no temp file left
    const dying: CacheCodec<number[]> = { extension: 'f32', encode: () => { throw new Error('killed'); }, decode: () => [] };
    await assert.rejects(cache.getOrCompute(key(), dying, async () => [1]), /killed/);
    assert.deepEqual(await listFiles(dir), []);
    // 2. a file cut short under the real name (e.g. copied by hand, or a disk full) is detected
    const good = float32ListCodec.encode([Float32Array.from([1, 2, 3, 4])]);
    const file = cache.pathOf(key(), float32ListCodec);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, good.subarray(0, good.byteLength - 6));
    // 3. a stale temporary file of a killed run is ignored
    await writeFile(`${file}.999.deadbeef.tmp`, good.subarray(0, 5));
    let calls = 0;
    const value = await cache.getOrCompute(key(), float32ListCodec, async () => (calls++, [Float32Array.from([1, 2, 3, 4])]));
    assert.equal(calls, 1);
    assert.equal(cache.stats.corrupt, 1);
    assert.deepEqual(value, [Float32Array.from([1, 2, 3, 4])]);
    assert.deepEqual(await cache.get(key(), float32ListCodec), value);
  }));

test('concurrent requests for one key compute once', () =>
  withCache(async (cache) => {
    let calls = 0;
    const slow = async () => { calls++; await new Promise((r) => setTimeout(r, 20)); return { ok: true }; };
    await Promise.all([1, 2, 3].map(() => cache.getOrCompute(key(), jsonCodec(), slow)));
    assert.equal(calls, 1);
  }));

test('the cache folder comes from ECOMMIR_CACHE_DIR, else ~/.cache/ecommir', () => {
  const saved = process.env.ECOMMIR_CACHE_DIR;
  try {
    process.env.ECOMMIR_CACHE_DIR = '/tmp/somewhere';
    assert.equal(cacheDir(), '/tmp/somewhere');
    delete process.env.ECOMMIR_CACHE_DIR;
    assert.equal(cacheDir(), path.join(os.homedir(), '.cache', 'ecommir'));
  } finally {
    if (saved === undefined) delete process.env.ECOMMIR_CACHE_DIR;
    else process.env.ECOMMIR_CACHE_DIR = saved;
  }
});

test('entries are private: files 0600 in folders 0700, an older 0755 extractor folder made 0700', () =>
  withCache(async (cache, dir) => {
    const { chmod, stat } = await import('node:fs/promises');
    await mkdir(path.join(dir, 'ocr'), { mode: 0o755 });
    await chmod(path.join(dir, 'ocr'), 0o755);
    await cache.set(key(), jsonCodec<string[]>(), ['订单号 123']);
    const file = cache.pathOf(key(), jsonCodec());
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(path.dirname(file))).mode & 0o777, 0o700);
    assert.equal((await stat(path.join(dir, 'ocr'))).mode & 0o777, 0o700);
    // A root the user chose is not changed (it may be shared); a new one is created 0700.
    const fresh = path.join(dir, 'new-root');
    await new FeatureCache({ dir: fresh }).set(key(), jsonCodec<string[]>(), ['x']);
    assert.equal((await stat(fresh)).mode & 0o777, 0o700);
  }));

test('a bounded cache evicts the least recently used entries past its cap', () =>
  withCache(async (_unbounded, dir) => {
    const cache = new FeatureCache({ dir, maxBytes: 5000 });
    const codec = jsonCodec<string>();
    const k = (i: number): CacheKey => ({ contentHash: sha256Hex(`image ${i}`), extractor: 'ocr', version: 1 });
    const value = 'x'.repeat(1000);
    for (let i = 0; i < 4; i++) {
      await cache.set(k(i), codec, value);
      await new Promise((r) => setTimeout(r, 15)); // distinct modification times
    }
    assert.equal(await cache.get(k(0), codec), value); // 0 is used again: now the most recent
    await new Promise((r) => setTimeout(r, 15));
    await cache.set(k(4), codec, value); // 5 kB: over the cap, evicted down to 80% of it
    const files = await listFiles(dir);
    const kept = [];
    for (let i = 0; i < 5; i++) if ((await cache.get(k(i), codec)) !== undefined) kept.push(i);
    assert.equal(files.length, 3, 'at most 80% of the cap after an eviction');
    assert.deepEqual(kept, [0, 3, 4], 'the least recently used (1, 2) went; 0, read again, stayed');
  }));

test('a memory-only cache never writes a file and holds at most its cap; a disabled one keeps nothing', () =>
  withCache(async (_disk, dir) => {
    const memory = new FeatureCache({ dir, memoryOnly: true, maxBytes: 2500 });
    const codec = jsonCodec<string>();
    const k = (i: number): CacheKey => ({ contentHash: sha256Hex(`image ${i}`), extractor: 'ocr', version: 1 });
    for (let i = 0; i < 5; i++) await memory.set(k(i), codec, 'y'.repeat(1000));
    assert.ok(memory.bytes <= 2500);
    assert.equal(await memory.get(k(4), codec), 'y'.repeat(1000));
    assert.equal(await memory.get(k(0), codec), undefined);
    assert.deepEqual(await listFiles(dir), []);
    const off = new FeatureCache({ dir, disabled: true });
    let calls = 0;
    await off.getOrCompute(k(9), codec, async () => `v${++calls}`);
    await off.getOrCompute(k(9), codec, async () => `v${++calls}`);
    assert.equal(calls, 2);
    assert.deepEqual(await listFiles(dir), []);
    assert.throws(() => new FeatureCache({ memoryOnly: true }), { code: 'ECM_ERR_BAD_OPTION' });
  }));

test('a cache opened with inheritDefaults false takes its options alone, not this thread\'s defaults', () =>
  withCache(async (_cache, dir) => {
    setDefaultFeatureCacheOptions({ dir: path.join(dir, 'defaults'), maxBytes: 1000, disabled: true });
    const cap = process.env.ECOMMIR_CACHE_MAX_MB;
    delete process.env.ECOMMIR_CACHE_MAX_MB;
    try {
      const inherited = new FeatureCache({ maxBytes: 5000 });
      assert.deepEqual([inherited.dir, inherited.maxBytes, inherited.disabled], [path.join(dir, 'defaults'), 5000, true]);
      const own = new FeatureCache({ dir, inheritDefaults: false });
      assert.deepEqual([own.dir, own.maxBytes, own.disabled, own.memoryOnly], [dir, DEFAULT_CACHE_MAX_BYTES, false, false]);
    } finally {
      if (cap !== undefined) process.env.ECOMMIR_CACHE_MAX_MB = cap;
      setDefaultFeatureCacheOptions({});
    }
  }));

test('diskEntriesWritten counts the entries this thread wrote to disk, not those kept in memory or not kept', () =>
  withCache(async (disk, dir) => {
    const codec = jsonCodec<string>();
    const k = (i: number): CacheKey => ({ contentHash: sha256Hex(`counted ${i}`), extractor: 'ocr', version: 1 });
    const before = diskEntriesWritten();
    await new FeatureCache({ dir, memoryOnly: true, maxBytes: 5000 }).set(k(0), codec, 'm');
    await new FeatureCache({ dir, disabled: true }).getOrCompute(k(1), codec, async () => 'off');
    assert.equal(diskEntriesWritten(), before);
    await disk.set(k(2), codec, 'a');
    await disk.getOrCompute(k(3), codec, async () => 'b');
    await disk.getOrCompute(k(3), codec, async () => 'b'); // a hit writes nothing
    assert.equal(diskEntriesWritten(), before + 2);
  }));

test('a cache that cannot be written (a file where its folder should be) costs no answer: one warning, the value returned', () =>
  withCache(async (_cache, dir) => {
    const blocked = path.join(dir, 'not-a-folder');
    await writeFile(blocked, 'a file');
    const cache = new FeatureCache({ dir: blocked });
    const written: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => (written.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      for (const image of ['a', 'b']) {
        const value = await cache.getOrCompute({ ...key(), contentHash: sha256Hex(image) }, jsonCodec<{ image: string }>(), async () => ({ image }));
        assert.deepEqual(value, { image });
      }
    } finally {
      process.stderr.write = write;
    }
    assert.equal(written.length, 1, written.join(''));
    assert.match(written[0], /warning: the feature cache in .*not-a-folder cannot be written \(EEXIST/);
  }));

test('a bounded cache counts an entry written again once, and writes made during an eviction once', () =>
  withCache(async (_unbounded, dir) => {
    const codec = jsonCodec<string>();
    const k = (i: number): CacheKey => ({ contentHash: sha256Hex(`image ${i}`), extractor: 'ocr', version: 1 });
    const big = new FeatureCache({ dir, maxBytes: 1_000_000 });
    for (let round = 0; round < 6; round++) await big.set(k(0), codec, 'x'.repeat(1000));
    assert.equal(big.bytes, await entryBytes(dir), 'six writes of one key are one entry');

    const small = new FeatureCache({ dir: path.join(dir, 'small'), maxBytes: 5000 });
    for (let i = 0; i < 4; i++) await small.set(k(i), codec, 'y'.repeat(1000));
    // The fifth passes the cap: its eviction lists the folder while the others are written.
    await Promise.all([4, 5, 6, 7].map((i) => small.set(k(i), codec, 'y'.repeat(1000))));
    assert.equal(small.bytes, await entryBytes(path.join(dir, 'small')));
  }));

test('an entry the cache may not remove is passed over, said once, and does not start an eviction at each write', async (t) => {
  const { execFileSync } = await import('node:child_process');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ecommir-cache-'));
  const codec = jsonCodec<string>();
  const k = (i: number): CacheKey => ({ contentHash: sha256Hex(`image ${i}`), extractor: 'ocr', version: 1 });
  const cache = new FeatureCache({ dir, maxBytes: 5000 });
  await cache.set(k(0), codec, 'z'.repeat(1000));
  const stuck = cache.pathOf(k(0), codec);
  try {
    // An immutable file: not removable even by root, as a file of another user would be for us.
    execFileSync('chattr', ['+i', stuck], { stdio: 'ignore' });
  } catch {
    await rm(dir, { recursive: true, force: true });
    t.skip('chattr +i is not available here');
    return;
  }
  const written: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (written.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    for (let i = 1; i < 8; i++) {
      await cache.set(k(i), codec, 'z'.repeat(1000));
      await new Promise((r) => setTimeout(r, 15)); // distinct modification times
    }
  } finally {
    process.stderr.write = write;
    execFileSync('chattr', ['-i', stuck]);
  }
  const unremovable = written.filter((line) => /may not remove \(EPERM/.test(line));
  assert.equal(unremovable.length, 1, written.join(''));
  assert.equal(await cache.get(k(0), codec), 'z'.repeat(1000), 'the immutable entry is left');
  assert.equal(await cache.get(k(7), codec), 'z'.repeat(1000), 'the newest is kept');
  assert.ok((await entryBytes(dir)) <= 5000 + 1000, 'the rest is held to the cap');
  assert.equal(cache.bytes, await entryBytes(dir));
  await rm(dir, { recursive: true, force: true });
});

test('trim holds the folder to its cap from what is on disk: entries written by others count, and a folder under its cap is left', () =>
  withCache(async (_unbounded, dir) => {
    const codec = jsonCodec<string>();
    const k = (i: number): CacheKey => ({ contentHash: sha256Hex(`image ${i}`), extractor: 'ocr', version: 1 });
    // Written by workers whose counts this thread never saw (here: a cache with no cap).
    const workers = new FeatureCache({ dir, maxBytes: Infinity });
    for (let i = 0; i < 4; i++) {
      await workers.set(k(i), codec, 'w'.repeat(1000));
      await new Promise((r) => setTimeout(r, 15)); // distinct modification times
    }
    await new FeatureCache({ dir, maxBytes: 5000 }).trim();
    assert.equal((await listFiles(dir)).length, 4, 'under its cap: nothing removed');
    const capped = new FeatureCache({ dir, maxBytes: 3000 });
    await capped.trim();
    assert.ok((await entryBytes(dir)) <= 3000 * 0.8, `over its cap: trimmed to 80 % of it (${await entryBytes(dir)} bytes left)`);
    assert.deepEqual(await Promise.all([0, 1, 2, 3].map(async (i) => (await capped.get(k(i), codec)) !== undefined)), [false, false, true, true], 'the least recently used went');
    assert.equal(capped.bytes, await entryBytes(dir));
    await new FeatureCache({ dir, disabled: true, maxBytes: 1 }).trim();
    await new FeatureCache({ dir, memoryOnly: true, maxBytes: 1 }).trim();
    await new FeatureCache({ dir, maxBytes: Infinity }).trim();
    assert.equal((await listFiles(dir)).length, 2, 'a disabled, memory-only or uncapped cache trims nothing');
  }));
