// The ReDoS checker's "safe" verdicts on a model's own denoising rules, kept in the feature cache.
// A model trained with its own rules file carries its patterns, and each worker (thread or process)
// that loads it would check them again: 0.2 s to load the checker, then 13–266 ms for each of four
// short patterns measured, in every new worker, replacement worker and CLI run. A verdict is a file, so
// the first check on the machine serves the rest. Only "safe" is kept: a refused pattern fails the
// load anyway. Reads are synchronous because rule parsing is (a few small files, at load time only);
// writes go through the cache's own atomic, private, counted `set`, and `settled` waits for them (and
// for the bookkeeping behind a write: the first write of a process waits for the folder's size scan,
// one past the cap for an eviction; once a machine per pattern, after a check that costs more).
import { closeSync, constants, fstatSync, futimesSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import type { PatternMemo } from '../../clean/rules.js';
import { cacheDir, FeatureCache, jsonCodec, sha256Hex, type CacheKey } from '../../features/cache.js';

const CODEC = jsonCodec<true>();
/** A verdict file's whole content, as CODEC writes `true`. */
const VERDICT = Buffer.from(CODEC.encode(true));

function keyOf(memoKey: string): CacheKey {
  return { contentHash: sha256Hex(memoKey), extractor: 'redos-safe', version: 1 };
}

/**
 * A verdict counts only as a regular file of this user, with one name, that no one else may write and
 * that says `true`: the folder may be one the user named with `--cache-dir`, even a shared one, and a
 * planted "safe" would let a catastrophic pattern load. Opened without following a link (a link to any
 * private file of the user's would pass the other checks), and a hard link to one has two names. Read,
 * it becomes recently used, so eviction takes it last.
 */
function trusted(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return false;
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile() || info.nlink !== 1 || (info.mode & 0o022) !== 0 || info.size !== VERDICT.length) return false;
    if (process.getuid && info.uid !== process.getuid()) return false;
    const bytes = Buffer.alloc(VERDICT.length);
    if (readSync(fd, bytes, 0, bytes.length, 0) !== bytes.length || !bytes.equals(VERDICT)) return false;
    try {
      const now = new Date();
      futimesSync(fd, now, now);
    } catch {
      // A read-only cache still answers.
    }
    return true;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

/** A memo whose writes can be awaited: a fit or load awaits them, so what it proved is kept when it returns. */
export interface SettlingPatternMemo extends PatternMemo {
  settled(): Promise<void>;
}

/**
 * Verdicts in the folder of `cache` (default: this thread's default feature cache, which in the
 * service is its own `<cache>/serve`), also read from the user's main cache folder, where `train`
 * keeps them. A disabled or memory-only cache keeps and reads nothing on disk: each thread then
 * checks for itself. The folders are opened at the first verdict asked or kept: a model on the
 * shipped rules, proven safe without the memo, never opens them (nor reads the cache's settings).
 */
export function cachedPatternMemo(cache?: FeatureCache): SettlingPatternMemo {
  let opened: { own: FeatureCache; read: FeatureCache[] } | undefined;
  const open = (): { own: FeatureCache; read: FeatureCache[] } => {
    if (opened) return opened;
    const own = cache ?? new FeatureCache();
    const onDisk = !own.disabled && !own.memoryOnly;
    const main = cacheDir();
    const read = !onDisk ? [] : path.resolve(own.dir) === main ? [own] : [own, new FeatureCache({ dir: main })];
    return (opened = { own, read });
  };
  const writes = new Set<Promise<void>>();
  return {
    has: (memoKey) => open().read.some((folder) => trusted(folder.pathOf(keyOf(memoKey), CODEC))),
    add: (memoKey) => {
      const { own, read } = open();
      if (read.length === 0) return;
      // An unwritable cache costs a later worker its own check, never the load.
      const write = own.set(keyOf(memoKey), CODEC, true).catch(() => {});
      writes.add(write);
      void write.finally(() => writes.delete(write));
    },
    settled: async () => {
      await Promise.all(writes);
    },
  };
}
