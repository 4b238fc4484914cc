// A pool's workers each count only their own cache writes, and an eviction one had under way ends when
// the pool stops them: so a pool that closes holds their cache folder to its cap from the parent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FeatureCache, jsonCodec, setDefaultFeatureCacheOptions, sha256Hex } from '../../src/features/cache.js';
import { RecognizerPool } from '../../src/runtime/pool.js';
import { FAKES_MODULE } from '../server/fakes.js';
import { entryBytes } from '../features/cache-entries.js';

test('closing a pool trims its workers\' cache folder to its cap; destroying one leaves it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ecommir-pool-trim-'));
  try {
    // What the workers wrote past the cap (their own counts never saw each other's).
    const written = new FeatureCache({ dir, maxBytes: Infinity });
    for (let i = 0; i < 4; i++) await written.set({ contentHash: sha256Hex(`image ${i}`), extractor: 'ocr', version: 1 }, jsonCodec<string>(), 'p'.repeat(1000));
    const cache = { dir, maxBytes: 3000 };
    const destroyed = await RecognizerPool.create({ source: { module: FAKES_MODULE }, threads: 1, cache });
    await destroyed.destroy();
    assert.equal(await entryBytes(dir), 4008, 'destroyed: nothing trimmed');
    const closed = await RecognizerPool.create({ source: { module: FAKES_MODULE }, threads: 1, cache });
    await closed.close();
    assert.ok((await entryBytes(dir)) <= 3000 * 0.8, `closed: ${await entryBytes(dir)} bytes left`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('with no cache given, the folder trimmed is the workers\' default one, not this thread\'s defaults', async () => {
  const workers = await mkdtemp(join(tmpdir(), 'ecommir-pool-trim-'));
  const mine = await mkdtemp(join(tmpdir(), 'ecommir-pool-trim-'));
  const previous = { dir: process.env.ECOMMIR_CACHE_DIR, mb: process.env.ECOMMIR_CACHE_MAX_MB };
  try {
    // Two entries of 600 kB each: over a cap of 1 MiB.
    for (const dir of [workers, mine]) {
      const written = new FeatureCache({ dir, maxBytes: Infinity });
      for (let i = 0; i < 2; i++) await written.set({ contentHash: sha256Hex(`image ${i}`), extractor: 'ocr', version: 1 }, jsonCodec<string>(), 'q'.repeat(600_000));
    }
    process.env.ECOMMIR_CACHE_DIR = workers;
    process.env.ECOMMIR_CACHE_MAX_MB = '1';
    // This thread's own defaults (a library user's) are not the workers': they start with none.
    setDefaultFeatureCacheOptions({ dir: mine, maxBytes: 1000 });
    const pool = await RecognizerPool.create({ source: { module: FAKES_MODULE }, threads: 1 });
    await pool.close();
    assert.equal(await entryBytes(workers), 600_002, 'the workers\' default folder, trimmed to its cap from the environment');
    assert.equal(await entryBytes(mine), 1_200_004, 'this thread\'s default folder, left');
  } finally {
    setDefaultFeatureCacheOptions({});
    for (const [key, value] of [['ECOMMIR_CACHE_DIR', previous.dir], ['ECOMMIR_CACHE_MAX_MB', previous.mb]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await rm(workers, { recursive: true, force: true });
    await rm(mine, { recursive: true, force: true });
  }
});
