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
import { CACHE_WRITER_MODULE } from './cache-writer.js';

const writeEntries = { module: CACHE_WRITER_MODULE, export: 'writeEntries' };
const writeEntriesThenHang = { module: CACHE_WRITER_MODULE, export: 'writeEntriesThenHang' };

/**
 * Entries written by another process (a cache that never saw them counts them only by a scan): by
 * default four of 1002 bytes; each entry holds `length` characters and 2 bytes of JSON quotes.
 */
async function writtenElsewhere(dir: string, count = 4, length = 1000): Promise<void> {
  const elsewhere = new FeatureCache({ dir, maxBytes: Infinity });
  for (let i = 0; i < count; i++) await elsewhere.set({ contentHash: sha256Hex(`image ${i}`), extractor: 'ocr', version: 1 }, jsonCodec<string>(), 'p'.repeat(length));
}

test('closing a pool trims its workers\' cache folder to its cap after they wrote to it; destroying one, or closing one that wrote nothing, leaves it', async () => {
  const dirs = await Promise.all([0, 1, 2, 3, 4].map(() => mkdtemp(join(tmpdir(), 'ecommir-pool-trim-'))));
  const [destroyedDir, idleDir, closedDir, processDir, abortedDir] = dirs;
  try {
    const pool = (dir: string, isolation: 'thread' | 'process' = 'thread') =>
      RecognizerPool.create({ source: { module: FAKES_MODULE }, threads: 1, cache: { dir, maxBytes: 3000 }, isolation });
    const destroyed = await pool(destroyedDir);
    await destroyed.run(writeEntries, { names: ['a'], bytes: 1000 });
    await writtenElsewhere(destroyedDir);
    await destroyed.destroy();
    assert.equal(await entryBytes(destroyedDir), 5008, 'destroyed: nothing trimmed');

    await writtenElsewhere(idleDir);
    const idle = await pool(idleDir);
    await idle.predict({ id: 'd1', index: 0, task: 'intent', candidates: [], turns: [{ role: 'user', text: '会生锈吗', images: [] }], images: [] });
    await idle.close();
    assert.equal(await entryBytes(idleDir), 4008, 'closed after calls that wrote nothing: not scanned, not trimmed');

    // The worker's own count (1000 bytes) is under the cap; the entries written after its scan are not in it.
    const closed = await pool(closedDir);
    await closed.run(writeEntries, { names: ['a'], bytes: 1000 });
    await writtenElsewhere(closedDir);
    await closed.close();
    assert.ok((await entryBytes(closedDir)) <= 3000 * 0.8, `closed: ${await entryBytes(closedDir)} bytes left`);

    // A worker process's reply says so too.
    const processes = await pool(processDir, 'process');
    await processes.run(writeEntries, { names: ['a'], bytes: 1000 });
    await writtenElsewhere(processDir);
    await processes.close();
    assert.ok((await entryBytes(processDir)) <= 3000 * 0.8, `closed, processes: ${await entryBytes(processDir)} bytes left`);

    // A call aborted after its worker wrote has no reply to say so: it counts as a write.
    const aborted = await pool(abortedDir);
    const abort = new AbortController();
    const hanging = aborted.run(writeEntriesThenHang, { names: ['a'], bytes: 1000 }, abort.signal);
    while ((await entryBytes(abortedDir)) < 1000) await new Promise((r) => setTimeout(r, 10));
    abort.abort(new Error('deadline'));
    await assert.rejects(hanging, /deadline/);
    await writtenElsewhere(abortedDir);
    await aborted.close();
    assert.ok((await entryBytes(abortedDir)) <= 3000 * 0.8, `closed after an aborted call: ${await entryBytes(abortedDir)} bytes left`);
  } finally {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }
});

test('a running pool trims its workers\' cache after they wrote, at most once each trimIntervalMs', async () => {
  const dirs = await Promise.all([0, 1].map(() => mkdtemp(join(tmpdir(), 'ecommir-pool-trim-'))));
  const pools: RecognizerPool[] = [];
  try {
    const [often, rarely] = await Promise.all(
      [[dirs[0], 0], [dirs[1], undefined]].map(([dir, trimIntervalMs]) =>
        RecognizerPool.create({ source: { module: FAKES_MODULE }, threads: 1, cache: { dir: dir as string, maxBytes: 3000 }, trimIntervalMs: trimIntervalMs as number | undefined }),
      ),
    );
    pools.push(often, rarely);
    for (const [i, pool] of [often, rarely].entries()) {
      // The worker's own count stays under the cap (1000, then 2000 bytes); the 4 kB written between its writes is not in it.
      await pool.run(writeEntries, { names: ['a'], bytes: 1000 });
      await writtenElsewhere(dirs[i]);
      await pool.run(writeEntries, { names: ['b'], bytes: 1000 });
    }
    const deadline = Date.now() + 10_000;
    while ((await entryBytes(dirs[0])) > 3000 * 0.8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok((await entryBytes(dirs[0])) <= 3000 * 0.8, `trimIntervalMs 0: ${await entryBytes(dirs[0])} bytes while the pool runs`);
    assert.equal(await entryBytes(dirs[1]), 6008, 'default interval: not a minute since the pool started, so no trim yet');
    await rarely.close();
    assert.ok((await entryBytes(dirs[1])) <= 3000 * 0.8, 'trimmed at close');
  } finally {
    await Promise.all(pools.map((pool) => pool.destroy()));
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }
});

test('with no cache given, the folder trimmed is the workers\' default one, not this thread\'s defaults', async () => {
  const workers = await mkdtemp(join(tmpdir(), 'ecommir-pool-trim-'));
  const mine = await mkdtemp(join(tmpdir(), 'ecommir-pool-trim-'));
  const previous = { dir: process.env.ECOMMIR_CACHE_DIR, mb: process.env.ECOMMIR_CACHE_MAX_MB };
  try {
    // Two entries of 600 kB each in this thread's folder, over its cap.
    await writtenElsewhere(mine, 2, 600_000);
    process.env.ECOMMIR_CACHE_DIR = workers;
    process.env.ECOMMIR_CACHE_MAX_MB = '1';
    // This thread's own defaults (a library user's) are not the workers': they start with none.
    setDefaultFeatureCacheOptions({ dir: mine, maxBytes: 1000 });
    const pool = await RecognizerPool.create({ source: { module: FAKES_MODULE }, threads: 1 });
    await pool.run(writeEntries, { names: ['c'], bytes: 1000 });
    // Written after the worker counted its own: two entries of 600 kB, over the workers' cap of 1 MiB.
    await writtenElsewhere(workers, 2, 600_000);
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
