// A pool's workers each count only their own cache writes, and an eviction one had under way ends when
// the pool stops them: so a pool that closes holds their cache folder to its cap from the parent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { FeatureCache, jsonCodec, sha256Hex } from '../../src/features/cache.js';
import { RecognizerPool } from '../../src/runtime/pool.js';
import { FAKES_MODULE } from '../server/fakes.js';

async function entryBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir, { recursive: true })) {
    if (/^[0-9a-f]{64}\.[^.]+$/.test(basename(name))) total += (await stat(join(dir, name))).size;
  }
  return total;
}

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
