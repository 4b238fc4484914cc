// A disk cache for expensive features (OCR lines, embeddings), keyed by what determines the value:
// the sha256 of the image bytes, the extractor's name and version, and the options that change its
// output. Entries are written to a temporary file and renamed into place, so a run killed mid-write
// never leaves a half entry under a real key; an unreadable entry counts as a miss and is rewritten.
// Entries hold what is read off a user's image (OCR text is personal data), so they are private:
// folders 0700, files 0600. A cache is bounded (least recently used entries evicted past a byte cap,
// DEFAULT_CACHE_MAX_BYTES unless told otherwise) or kept in memory only; `serve` uses a bounded
// private one (see src/cli/commands/serve.ts).
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rename, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
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

/**
 * The cap of a cache given none: a library user predicting screenshots would otherwise keep the OCR
 * text of every one for good. About 10 kB of features a screenshot, so some 100 000 screenshots; a
 * training set's features (about 30 kB an image with augmented copies) fit some 35 000 images.
 */
export const DEFAULT_CACHE_MAX_BYTES = 1024 ** 3;

export interface FeatureCacheOptions {
  /** Folder of the entries (default: cacheDir()). */
  dir?: string;
  /**
   * Total size of the entries, bytes; past it the least recently used go. Default
   * DEFAULT_CACHE_MAX_BYTES (1 GiB) on disk; `Infinity`: no bound. A memory-only cache names its own.
   */
  maxBytes?: number;
  /** Keep entries in this process's memory only (never on disk); needs maxBytes. */
  memoryOnly?: boolean;
  /** No caching at all: every value is computed. */
  disabled?: boolean;
  /**
   * Apply this thread's defaults (setDefaultFeatureCacheOptions) under these options (default true).
   * False: these options alone, as a worker that was given them opens its cache.
   */
  inheritDefaults?: boolean;
}

let defaultOptions: FeatureCacheOptions = {};

/**
 * What `new FeatureCache()` means in this thread from now on. The service calls it in each worker
 * before loading the recognisers, so their caches are the service's private, bounded one.
 */
export function setDefaultFeatureCacheOptions(options: FeatureCacheOptions): void {
  defaultOptions = { ...options };
}

/**
 * What a process knows of a cache folder on disk: its size, from one scan, then counted as it writes.
 * A write begun before the scan ended may or may not have been seen by it, so it is counted only if
 * the scan did not list its file; the list is kept until the last such write is counted.
 */
interface DiskUsage {
  bytes: number;
  scan?: Promise<void>;
  scanEnded: boolean;
  /** Writes begun before the scan ended and not yet counted. */
  early: number;
  /** The entry files the scan saw (resolved paths), while `early` > 0. */
  seen?: ReadonlySet<string>;
  evicting?: Promise<void>;
  /** Writes counted while an eviction runs, by file (the last write of a file is its size): its own list may or may not hold them. */
  countedDuringEviction?: Map<string, number>;
  /** Bytes of entries the last eviction could not remove (EACCES, EPERM): left out of the cap's check, so each write does not try again. */
  unremovable: number;
}

/** An entry just written to disk, for the cap's bookkeeping. */
interface Written {
  file: string;
  bytes: number;
  /** Begun before the folder's scan ended. */
  early: boolean;
  /** Size of the entry it replaced (0: none), when it began after the scan. */
  replaced: number;
}

const diskUsage = new Map<string, DiskUsage>();

/** Entries this thread has written to disk, in any folder. */
let entriesWritten = 0;

/**
 * How many entries this thread has written to disk so far. A worker tells its pool when the number
 * grew, so the pool scans the folder only after writes: at most once a trim interval while it runs,
 * and at close (see RecognizerPool).
 */
export function diskEntriesWritten(): number {
  return entriesWritten;
}

function usageOf(dir: string): DiskUsage {
  const key = path.resolve(dir);
  let usage = diskUsage.get(key);
  if (!usage) diskUsage.set(key, (usage = { bytes: 0, scanEnded: false, early: 0, unremovable: 0 }));
  return usage;
}

/** `ECOMMIR_CACHE_MAX_MB`: the cap of a cache given none, in MiB; 0 for no bound. */
function capFromEnvironment(): number | undefined {
  const text = process.env.ECOMMIR_CACHE_MAX_MB;
  if (text === undefined || text.trim() === '') return undefined;
  const mb = Number(text);
  if (!Number.isInteger(mb) || mb < 0) throw new EcommirError('ECM_ERR_BAD_OPTION', `ECOMMIR_CACHE_MAX_MB must be a whole number of MiB (0: no bound), got ${JSON.stringify(text)}`);
  return mb === 0 ? Infinity : mb * 1024 * 1024;
}

/** What has been said of each cache folder in this thread: a line a folder and kind, not one an image. */
const said = new Map<string, Set<string>>();

function sayOncePerFolder(kind: 'eviction' | 'unwritable' | 'uncounted' | 'unremovable', dir: string, line: string): void {
  const folder = path.resolve(dir);
  let kinds = said.get(folder);
  if (!kinds) said.set(folder, (kinds = new Set()));
  if (kinds.has(kind)) return;
  kinds.add(kind);
  process.stderr.write(`ecommir: ${line}\n`);
}

/**
 * A cache over its default cap drops what a second run would read back, so a run over more images
 * than the cap holds reads them again next time, and the user should know why.
 */
function noteEviction(dir: string, maxBytes: number): void {
  sayOncePerFolder('eviction', dir, `the feature cache in ${dir} is past its cap of ${Math.round(maxBytes / 1024 / 1024)} MiB: the least recently used entries are removed (ECOMMIR_CACHE_MAX_MB sets the cap, 0 for none)`);
}

function warnUnwritable(dir: string, err: unknown): void {
  const e = err as NodeJS.ErrnoException;
  sayOncePerFolder('unwritable', dir, `warning: the feature cache in ${dir} cannot be written (${e.code ?? e.message}${e.path ? ` at ${e.path}` : ''}); going on without caching (ECOMMIR_CACHE_DIR moves it)`);
}

/** The cap's bookkeeping (the folder's scan, an eviction) failed behind an answer: said, since the cap may be passed. */
function warnUncounted(dir: string, err: unknown): void {
  const e = err as NodeJS.ErrnoException;
  sayOncePerFolder('uncounted', dir, `warning: the feature cache in ${dir} could not be sized or trimmed (${e.code ?? e.message}${e.path ? ` at ${e.path}` : ''}); it may pass its cap in this run`);
}

/** One write begun before the scan ended is counted (or failed); the scan's list goes with the last. */
function countedEarly(usage: DiskUsage): void {
  usage.early--;
  if (usage.early === 0) usage.seen = undefined;
}

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
/** After an eviction the cache holds at most this share of maxBytes, so evictions come in batches. */
const EVICT_TO = 0.8;
/** The names along an entry's path (pathOf): extractor folder, digest prefix, digest.extension (a temporary file has more dots). */
const ENTRY_PATH = [/^[a-z0-9][a-z0-9-]*$/, /^[0-9a-f]{2}$/, /^[0-9a-f]{64}\.[^.]+$/];

export class FeatureCache {
  readonly dir: string;
  readonly stats: CacheStats = { hits: 0, misses: 0, corrupt: 0 };
  readonly maxBytes?: number;
  readonly memoryOnly: boolean;
  readonly disabled: boolean;
  /** Same key asked twice at once: compute once. */
  readonly #inFlight = new Map<string, Promise<unknown>>();
  /** Memory-only entries, least recently used first (a Map keeps insertion order). */
  readonly #memory = new Map<string, Uint8Array>();
  /** Bytes held in memory (a memory-only cache; on disk the folder's shared DiskUsage counts). */
  #bytes = 0;
  /** The cap came from no option: the first eviction is said, once per folder (see noteEviction). */
  readonly #defaultCap: boolean;
  /** Extractor folders already made private by this object. */
  readonly #privateFolders = new Set<string>();

  constructor(options: FeatureCacheOptions = {}) {
    const o = options.inheritDefaults === false ? options : { ...defaultOptions, ...options };
    this.dir = o.dir ?? cacheDir();
    this.disabled = o.disabled === true;
    this.memoryOnly = o.memoryOnly === true;
    if (o.maxBytes !== undefined && o.maxBytes !== Infinity && !(Number.isInteger(o.maxBytes) && o.maxBytes > 0)) {
      throw new EcommirError('ECM_ERR_BAD_OPTION', `cache maxBytes must be a positive integer, or Infinity for no bound, got ${String(o.maxBytes)}`);
    }
    if (this.memoryOnly && (o.maxBytes === undefined || o.maxBytes === Infinity)) {
      throw new EcommirError('ECM_ERR_BAD_OPTION', 'a memory-only cache needs a finite maxBytes (its bound in this process\'s memory)');
    }
    this.#defaultCap = o.maxBytes === undefined;
    const maxBytes = o.maxBytes ?? capFromEnvironment() ?? DEFAULT_CACHE_MAX_BYTES;
    this.maxBytes = maxBytes === Infinity ? undefined : maxBytes;
  }

  /** Bytes currently held (exact in memory; on disk, this process's running estimate for the folder). */
  get bytes(): number {
    return this.memoryOnly ? this.#bytes : usageOf(this.dir).bytes;
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
    if (this.disabled) return undefined;
    let bytes: Uint8Array;
    if (this.memoryOnly) {
      const id = this.pathOf(key, codec);
      const held = this.#memory.get(id);
      if (!held) return undefined;
      this.#memory.delete(id); // most recently used goes last
      this.#memory.set(id, held);
      bytes = held;
    } else {
      const file = this.pathOf(key, codec);
      try {
        bytes = new Uint8Array(await readFile(file));
      } catch {
        return undefined;
      }
      // A bounded cache evicts by modification time: a hit makes the entry recent again.
      if (this.maxBytes !== undefined) {
        const now = new Date();
        await utimes(file, now, now).catch(() => {});
      }
    }
    try {
      return codec.decode(bytes);
    } catch {
      this.stats.corrupt++;
      return undefined;
    }
  }

  /**
   * Writes atomically (a unique private temporary file in the same folder, then rename), then counts
   * the entry against the cap and evicts past it.
   */
  async set<T>(key: CacheKey, codec: CacheCodec<T>, value: T): Promise<void> {
    const written = await this.#write(key, codec, value);
    if (written !== undefined) await this.#account(written);
  }

  /** The entry written to disk (undefined: none, the cache being off or in memory). */
  async #write<T>(key: CacheKey, codec: CacheCodec<T>, value: T): Promise<Written | undefined> {
    if (this.disabled) return undefined;
    const file = this.pathOf(key, codec);
    const bytes = codec.encode(value);
    if (this.memoryOnly) {
      const old = this.#memory.get(file);
      if (old) this.#bytes -= old.byteLength;
      this.#memory.delete(file);
      this.#memory.set(file, bytes);
      this.#bytes += bytes.byteLength;
      for (const [id, held] of this.#memory) {
        if (this.#bytes <= this.maxBytes!) break;
        this.#memory.delete(id);
        this.#bytes -= held.byteLength;
      }
      return undefined;
    }
    const usage = usageOf(this.dir);
    const early = this.maxBytes !== undefined && !usage.scanEnded;
    if (early) usage.early++;
    let replaced = 0;
    try {
      await this.ensurePrivateFolder(key.extractor);
      await mkdir(path.dirname(file), { recursive: true, mode: DIR_MODE });
      const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        await writeFile(tmp, bytes, { mode: FILE_MODE });
        // An entry written again replaces its old bytes in the count, rather than adding to them.
        if (this.maxBytes !== undefined && !early) replaced = await stat(file).then((info) => (info.isFile() ? info.size : 0), () => 0);
        await rename(tmp, file);
        entriesWritten++;
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
    } catch (err) {
      if (early) countedEarly(usage);
      throw err;
    }
    return { file: path.resolve(file), bytes: bytes.byteLength, early, replaced };
  }

  /** A written entry counted against the cap; past it, the least recently used entries go. */
  async #account(written: Written): Promise<void> {
    if (this.maxBytes === undefined) return;
    const usage = usageOf(this.dir);
    if (!written.early) {
      // Never below 0: the replaced file may be one this thread never counted (written by another process).
      usage.bytes = Math.max(0, usage.bytes + written.bytes - written.replaced);
      usage.countedDuringEviction?.set(written.file, written.bytes);
    } else {
      try {
        // One scan per folder in this process, shared by every cache object on it (a pool worker has several).
        usage.scan ??= this.entries().then((entries) => {
          usage.bytes = entries.reduce((sum, e) => sum + e.size, 0);
          usage.scanEnded = true;
          if (usage.early > 0) usage.seen = new Set(entries.map((e) => path.resolve(e.file)));
        });
        await usage.scan;
        if (!usage.seen?.has(written.file)) {
          usage.bytes += written.bytes;
          usage.countedDuringEviction?.set(written.file, written.bytes);
        }
      } finally {
        countedEarly(usage);
      }
    }
    if (usage.bytes - usage.unremovable > this.maxBytes) {
      if (this.#defaultCap) noteEviction(this.dir, this.maxBytes);
      await this.#evictOnce(usage, false);
    }
  }

  /** One eviction a folder at a time in this thread: a caller that finds one under way waits for it, which leaves the folder under the cap too. */
  #evictOnce(usage: DiskUsage, onlyOverCap: boolean): Promise<void> {
    return (usage.evicting ??= this.evict(usage, onlyOverCap).finally(() => (usage.evicting = undefined)));
  }

  /**
   * The extractor's folder exists and is 0700, also when an older version created it 0755: every
   * entry lives below one, so none can be reached by others. (The root may be a folder the user
   * named, even a shared one: it is created 0700 but never changed.)
   */
  private async ensurePrivateFolder(extractor: string): Promise<void> {
    if (this.#privateFolders.has(extractor)) return;
    await mkdir(this.dir, { recursive: true, mode: DIR_MODE });
    const folder = path.join(this.dir, extractor);
    await mkdir(folder, { recursive: true, mode: DIR_MODE });
    await chmod(folder, DIR_MODE);
    this.#privateFolders.add(extractor);
  }

  /**
   * Every entry file on disk (<extractor>/<2 hex>/<digest>.<ext>), with its size and modification
   * time. Only entries: the folder also holds what is not this cache's to evict (rendered knowledge
   * screenshots, the service's own cache in <cache>/serve, a user's files in a folder they named),
   * and the scan does not wander through it.
   */
  private async entries(): Promise<{ file: string; size: number; mtimeMs: number }[]> {
    const out: { file: string; size: number; mtimeMs: number }[] = [];
    const walk = async (folder: string, depth: number): Promise<void> => {
      let names: string[];
      try {
        names = await readdir(folder);
      } catch {
        return; // not a folder, or removed meanwhile
      }
      for (const name of names) {
        if (!ENTRY_PATH[depth].test(name)) continue;
        const file = path.join(folder, name);
        if (depth < ENTRY_PATH.length - 1) {
          await walk(file, depth + 1);
          continue;
        }
        try {
          const info = await stat(file);
          if (info.isFile()) out.push({ file, size: info.size, mtimeMs: info.mtimeMs });
        } catch {
          // removed meanwhile (another worker's eviction)
        }
      }
    };
    await walk(this.dir, 0);
    return out;
  }

  /**
   * Removes the least recently used entries until the cache is at EVICT_TO of its cap. An entry it may
   * not remove (EACCES, EPERM: a file of another user in a shared folder, or an immutable one) is passed
   * over and said once; its bytes no longer start an eviction, or every later write would scan again.
   */
  private async evict(usage: DiskUsage, onlyOverCap = false): Promise<void> {
    const during = new Map<string, number>();
    usage.countedDuringEviction = during;
    try {
      const entries = (await this.entries()).sort((a, b) => a.mtimeMs - b.mtimeMs);
      let total = entries.reduce((sum, e) => sum + e.size, 0);
      // A write counted while this ran is in the total when the list holds its file; else it is added.
      const listed = new Set(entries.map((e) => path.resolve(e.file)));
      const unlisted = () => [...during].filter(([file]) => !listed.has(file)).reduce((sum, [, bytes]) => sum + bytes, 0);
      if (onlyOverCap && total <= this.maxBytes!) {
        usage.bytes = total + unlisted();
        return;
      }
      if (onlyOverCap && this.#defaultCap) noteEviction(this.dir, this.maxBytes!);
      const target = Math.floor(this.maxBytes! * EVICT_TO);
      let unremovable = 0;
      for (const entry of entries) {
        if (total - unremovable <= target) break;
        try {
          // unlink, not rm: rm reads a refused unlink as a folder to empty and says ENOTDIR.
          await unlink(entry.file);
          total -= entry.size;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') {
            total -= entry.size; // another process's eviction was first
            continue;
          }
          if (code !== 'EACCES' && code !== 'EPERM') throw err;
          unremovable += entry.size;
          sayOncePerFolder('unremovable', this.dir, `warning: the feature cache in ${this.dir} holds entries it may not remove (${code} at ${entry.file}); they are left, and its cap counts the rest`);
        }
      }
      usage.bytes = total + unlisted();
      usage.unremovable = unremovable;
    } finally {
      usage.countedDuringEviction = undefined;
    }
  }

  /**
   * Holds the folder to its cap from what is on disk, not from this thread's count: after worker
   * processes or threads wrote to it (each counts only its own writes, and an eviction a worker had
   * under way ends with it), one scan, then the eviction if the entries pass the cap. Nothing for an
   * uncapped, memory-only or disabled cache.
   */
  async trim(): Promise<void> {
    if (this.disabled || this.memoryOnly || this.maxBytes === undefined) return;
    await this.#evictOnce(usageOf(this.dir), true);
  }

  async getOrCompute<T>(key: CacheKey, codec: CacheCodec<T>, compute: () => Promise<T>): Promise<T> {
    if (this.disabled) {
      this.stats.misses++;
      return compute();
    }
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
      // The cache saves time, nothing more: a disk that is full or read-only must not cost the answer.
      // Only the file system's refusals are passed over; a codec that throws is a bug and says so.
      const written = await this.#write(key, codec, value).catch((err: unknown) => {
        if (typeof (err as NodeJS.ErrnoException).syscall !== 'string') throw err;
        warnUnwritable(this.dir, err);
        return undefined;
      });
      // The value does not wait for the bookkeeping: the first write of a process scans the folder
      // for its size (0.4 s for 7,000 entries), and an eviction removes files.
      if (written !== undefined) void this.#account(written).catch((err: unknown) => warnUncounted(this.dir, err));
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
