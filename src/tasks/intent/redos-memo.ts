// The ReDoS checker's "safe" verdicts on a model's own denoising rules, kept in the feature cache.
// A model trained with its own rules file carries its patterns, and each worker (thread or process)
// that loads it would check them again: 0.2 s to load the checker and up to seconds a pattern, in
// every new worker, every replacement worker and every CLI run. A verdict is a file, so the first
// check on the machine serves the rest. Only "safe" is kept: a refused pattern fails the load anyway.
// Reads and writes are synchronous because rule parsing is: a few small files, at load time only.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PatternMemo } from '../../clean/rules.js';
import { FeatureCache, jsonCodec, sha256Hex, type CacheKey } from '../../features/cache.js';

const CODEC = jsonCodec<true>();

function keyOf(memoKey: string): CacheKey {
  return { contentHash: sha256Hex(memoKey), extractor: 'redos-safe', version: 1 };
}

/**
 * Verdicts in the folder of `cache` (default: this thread's default feature cache). A disabled or
 * memory-only cache keeps nothing on disk: the memo is then empty, and each process checks for itself.
 */
export function cachedPatternMemo(cache: FeatureCache = new FeatureCache()): PatternMemo {
  const onDisk = !cache.disabled && !cache.memoryOnly;
  return {
    has: (memoKey) => onDisk && existsSync(cache.pathOf(keyOf(memoKey), CODEC)),
    add: (memoKey) => {
      if (!onDisk) return;
      const file = cache.pathOf(keyOf(memoKey), CODEC);
      const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      try {
        mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
        writeFileSync(temporary, 'true', { mode: 0o600 });
        renameSync(temporary, file);
      } catch {
        // An unwritable cache costs a later worker its own check, never the load.
        rmSync(temporary, { force: true });
      }
    },
  };
}
