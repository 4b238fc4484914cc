// A disk cache for expensive features (OCR lines, embeddings), keyed by what determines the value:
// the sha256 of the image bytes, the extractor's name and version, and the options that change its
// output. Entries are written to a temporary file and renamed into place, so a run killed mid-write
// never leaves a half entry under a real key; an unreadable entry counts as a miss and is rewritten.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EcommirError } from '../errors.js';

/** `$ECOMMIR_CACHE_DIR`, else `~/.cache/ecommir`. */
export function cacheDir(): string {
  const fromEnv = process.env.ECOMMIR_CACHE_DIR;
  return fromEnv && fromEnv.trim() ? path.resolve(fromEnv) : path.join(os.homedir(), '.cache', 'ecommir');
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** What an entry's value depends on. */
export interface CacheKey {
  /** sha256 (hex) of the input's content, e.g. the encoded image bytes. */
  contentHash: string;
  /** Extractor name: a folder name, so [a-z0-9-] only. */
  extractor: string;
  /** Bumped whenever the extractor's output changes for the same input. */
  version: string | number;
  /** Options that change the output (serialised into the key; order of keys matters, keep it stable). */
  options?: string;
}

/** How a value is stored on disk. */
export interface CacheCodec<T> {
  extension: string;
  encode(value: T): Uint8Array;
  /** Throws (any error) when the bytes are not a complete entry. */
  decode(bytes: Uint8Array): T;
}

export const jsonCodec = <T>(): CacheCodec<T> => ({
  extension: 'json',
  encode: (value) => new TextEncoder().encode(JSON.stringify(value)),
  decode: (bytes) => JSON.parse(new TextDecoder().decode(bytes)) as T,
});

// Binary entries: magic 'ECF1', uint32 LE vector count, uint32 LE length per vector, then the
// float32 LE values, row after row. The header lets a short file be detected.
const MAGIC = 0x31464345; // 'ECF1' read as little-endian uint32

/** A list of Float32Arrays (an embedding, or one per augmented copy). */
export const float32ListCodec: CacheCodec<Float32Array[]> = {
  extension: 'f32',
  encode(vectors) {
    const header = 8 + 4 * vectors.length;
    const total = vectors.reduce((s, v) => s + v.length, 0);
    const buf = new ArrayBuffer(header + 4 * total);
    const view = new DataView(buf);
    view.setUint32(0, MAGIC, true);
    view.setUint32(4, vectors.length, true);
    let offset = header;
    vectors.forEach((v, i) => {
      view.setUint32(8 + 4 * i, v.length, true);
      new Float32Array(buf, offset, v.length).set(v);
      offset += 4 * v.length;
    });
    return new Uint8Array(buf);
  },
  decode(bytes) {
    const copy = bytes.slice(); // aligned, owned buffer
    const view = new DataView(copy.buffer);
    if (copy.byteLength < 8 || view.getUint32(0, true) !== MAGIC) throw new Error('not an ecommir float32 entry');
    const count = view.getUint32(4, true);
    const header = 8 + 4 * count;
    if (copy.byteLength < header) throw new Error('truncated float32 entry header');
    const lengths = Array.from({ length: count }, (_, i) => view.getUint32(8 + 4 * i, true));
    const expected = header + 4 * lengths.reduce((s, n) => s + n, 0);
    if (copy.byteLength !== expected) throw new Error(`float32 entry is ${copy.byteLength} bytes, expected ${expected}`);
    let offset = header;
    return lengths.map((n) => {
      const v = new Float32Array(copy.buffer, offset, n);
      offset += 4 * n;
      return v;
    });
  },
};

export interface CacheStats {
  hits: number;
  misses: number;
  /** Entries found unreadable (and recomputed). */
  corrupt: number;
}

export class FeatureCache {
  readonly dir: string;
  readonly stats: CacheStats = { hits: 0, misses: 0, corrupt: 0 };
  /** Same key asked twice at once: compute once. */
  readonly #inFlight = new Map<string, Promise<unknown>>();

  constructor(options: { dir?: string } = {}) {
    this.dir = options.dir ?? cacheDir();
  }

  /** Hex digest naming the entry. */
  static digest(key: CacheKey): string {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(key.extractor)) {
      throw new EcommirError('ECM_ERR_BAD_OPTION', `cache extractor name must be [a-z0-9-], got ${JSON.stringify(key.extractor)}`);
    }
    if (!/^[0-9a-f]{64}$/.test(key.contentHash)) {
      throw new EcommirError('ECM_ERR_BAD_OPTION', `cache contentHash must be a sha256 hex digest, got ${JSON.stringify(key.contentHash)}`);
    }
    return sha256Hex(JSON.stringify([key.contentHash, key.extractor, String(key.version), key.options ?? '']));
  }

  /** Where the entry lives: <dir>/<extractor>/<2 hex>/<digest>.<ext>. */
  pathOf(key: CacheKey, codec: CacheCodec<unknown>): string {
    const digest = FeatureCache.digest(key);
    return path.join(this.dir, key.extractor, digest.slice(0, 2), `${digest}.${codec.extension}`);
  }

  /** The cached value, or undefined when absent or unreadable. */
  async get<T>(key: CacheKey, codec: CacheCodec<T>): Promise<T | undefined> {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(this.pathOf(key, codec)));
    } catch {
      return undefined;
    }
    try {
      return codec.decode(bytes);
    } catch {
      this.stats.corrupt++;
      return undefined;
    }
  }

  /** Writes atomically: a unique temporary file in the same folder, then rename. */
  async set<T>(key: CacheKey, codec: CacheCodec<T>, value: T): Promise<void> {
    const file = this.pathOf(key, codec);
    const bytes = codec.encode(value);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, bytes);
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async getOrCompute<T>(key: CacheKey, codec: CacheCodec<T>, compute: () => Promise<T>): Promise<T> {
    const id = this.pathOf(key, codec);
    const pending = this.#inFlight.get(id);
    if (pending) return pending as Promise<T>;
    const work = (async () => {
      const cached = await this.get(key, codec);
      if (cached !== undefined) {
        this.stats.hits++;
        return cached;
      }
      this.stats.misses++;
      const value = await compute();
      await this.set(key, codec, value);
      return value;
    })();
    this.#inFlight.set(id, work);
    try {
      return await work;
    } finally {
      this.#inFlight.delete(id);
    }
  }
}
