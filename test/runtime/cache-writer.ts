// A worker function for the pool tests: writes entries through the worker's own default cache (the
// pool's `cache` option), as a feature pass does.
import { FeatureCache, jsonCodec, sha256Hex } from '../../src/features/cache.js';

export const CACHE_WRITER_MODULE = import.meta.url;

export async function writeEntries(args: { names: string[]; bytes: number }): Promise<void> {
  const cache = new FeatureCache();
  for (const name of args.names) await cache.set({ contentHash: sha256Hex(name), extractor: 'ocr', version: 1 }, jsonCodec<string>(), 'w'.repeat(args.bytes - 2));
}

/** Writes, then never answers: the call ends only by its abort, with no reply to say it wrote. */
export async function writeEntriesThenHang(args: { names: string[]; bytes: number }): Promise<never> {
  await writeEntries(args);
  return new Promise<never>(() => {});
}
