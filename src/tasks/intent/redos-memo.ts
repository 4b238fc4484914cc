// The ReDoS checker's "safe" verdicts on a model's own denoising rules, kept in the feature cache.
// A model trained with its own rules file carries its patterns, and each worker (thread or process)
// that loads it would check them again: 0.2 s to load the checker, then 13–266 ms for each of four
// short patterns measured, in every new worker, replacement worker and CLI run. A verdict is a file, so
// the first check on the machine serves the rest. Only "safe" is kept: a refused pattern fails the
// load anyway. Reads are synchronous because rule parsing is (a few small files, at load time only);
// writes go through the cache's own atomic, private, counted `set`, and `settled` waits for them (the
// first write of a process waits for the folder's size scan too: once a machine per pattern, after a
// check that costs more).
import { statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import type { PatternMemo } from '../../clean/rules.js';
import { cacheDir, FeatureCache, jsonCodec, sha256Hex, type CacheKey } from '../../features/cache.js';

const CODEC = jsonCodec<true>();

function keyOf(memoKey: string): CacheKey {
  return { contentHash: sha256Hex(memoKey), extractor: 'redos-safe', version: 1 };
}

/**
 * A verdict counts only as a regular file of this user that no one else may write: the folder may be
 * one the user named with `--cache-dir`, even a shared one, and a planted "safe" would let a
 * catastrophic pattern load. Read, it becomes recently used, so eviction takes it last.
 */
function trusted(file: string): boolean {
  try {
    const info = statSync(file);
    if (!info.isFile() || (info.mode & 0o022) !== 0) return false;
    if (process.getuid && info.uid !== process.getuid()) return false;
  } catch {
    return false;
  }
  try {
    const now = new Date();
    utimesSync(file, now, now);
  } catch {
    // A read-only cache still answers.
  }
  return true;
}

/** A memo whose writes can be awaited: a fit or load awaits them, so what it proved is kept when it returns. */
export interface SettlingPatternMemo extends PatternMemo {
  settled(): Promise<void>;
}

/**
 * Verdicts in the folder of `cache` (default: this thread's default feature cache, which in the
 * service is its own `<cache>/serve`), also read from the user's main cache folder, where `train`
 * keeps them. A disabled or memory-only cache keeps and reads nothing on disk: each thread then
 * checks for itself.
 */
export function cachedPatternMemo(cache: FeatureCache = new FeatureCache()): SettlingPatternMemo {
  const onDisk = !cache.disabled && !cache.memoryOnly;
  const main = cacheDir();
  const folders = !onDisk ? [] : path.resolve(cache.dir) === main ? [cache] : [cache, new FeatureCache({ dir: main })];
  const writes = new Set<Promise<void>>();
  return {
    has: (memoKey) => folders.some((folder) => trusted(folder.pathOf(keyOf(memoKey), CODEC))),
    add: (memoKey) => {
      if (!onDisk) return;
      // An unwritable cache costs a later worker its own check, never the load.
      const write = cache.set(keyOf(memoKey), CODEC, true).catch(() => {});
      writes.add(write);
      void write.finally(() => writes.delete(write));
    },
    settled: async () => {
      await Promise.all(writes);
    },
  };
}
