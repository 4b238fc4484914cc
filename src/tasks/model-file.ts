// A trained recogniser is one folder with a `model.json` (everything needed to predict: vocabularies,
// weights, taxonomy, rules, lexicon) and a `MODEL_CARD.md` written by the training command.
import { createHash } from 'node:crypto';
import { type FileHandle, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isMissingPath, openRegularFile, readFileCapped, unreadableReason } from '../data/read-file.js';
import { EcommirError } from '../errors.js';
import type { Task } from '../types.js';

export const MODEL_FILE = 'model.json';
export const MODEL_CARD_FILE = 'MODEL_CARD.md';
/**
 * The largest model file read. The shipped ones are 9 and 13 MB; a file far past that is no model
 * ecommir wrote, and was read whole before its JSON failed (a 500 MB one took 1.2 GB of memory).
 */
export const MAX_MODEL_FILE_BYTES = 256 * 1024 * 1024;

export interface ModelHeader {
  kind: string;
  version: number;
  task: Task;
}

export async function writeModelFile(dir: string, model: ModelHeader): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, MODEL_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(model));
  await rename(tmp, path); // never a half-written model on disk
  return path;
}

/**
 * A folder's model file as bytes: a regular file within MAX_MODEL_FILE_BYTES. A pipe hung the command
 * (and, reloaded four times, held every thread of the service's libuv pool), and /dev/zero filled
 * memory before the JSON failed.
 */
export async function readModelBytes(dir: string): Promise<Buffer> {
  const path = join(dir, MODEL_FILE);
  let read: Awaited<ReturnType<typeof readFileCapped>>;
  try {
    read = await readFileCapped(path, MAX_MODEL_FILE_BYTES, { regularOnly: true });
  } catch (cause) {
    const why = unreadableReason(cause);
    throw new EcommirError('ECM_ERR_NO_MODEL', `no model at ${path}: ${why}`, { cause, statusCode: 503 });
  }
  if ('notRegular' in read) throw new EcommirError('ECM_ERR_NO_MODEL', `no model at ${path}: it is ${read.notRegular}, not a file`, { statusCode: 503 });
  if ('tooLarge' in read) throw new EcommirError('ECM_ERR_NO_MODEL', `no model at ${path}: ${tooLargeReason(MAX_MODEL_FILE_BYTES)}`, { statusCode: 503 });
  return read;
}

/**
 * Builds a recogniser from its parsed model file. An error from inside (a learner's, a vocabulary's)
 * that does not name the file is told as the file's: "SoftmaxRegression.params: value 0 is Infinity"
 * alone did not say which model was damaged.
 */
export function fromModelFile<T>(dir: string, build: () => T): T {
  try {
    return build();
  } catch (err) {
    const path = join(dir, MODEL_FILE);
    if (err instanceof EcommirError) {
      // Already named: as the file, or as a part of the folder ("DIR (taxonomy)").
      if (err.message.includes(path) || err.message.includes(`${dir} (`)) throw err;
      throw new EcommirError(err.code, `model file ${path}: ${err.message}`, { statusCode: err.statusCode, cause: err });
    }
    throw new EcommirError('ECM_ERR_BAD_JSON', `model file ${path} does not hold a model ecommir can read: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The settings every recogniser's file carries, checked: a temperature of "hot", 0 or -1, a threshold
 * of 5 (every answer uncertain) or a `denoise` of "yes" were taken as they were.
 */
export function checkModelSettings(dir: string, json: { temperature?: unknown; threshold?: unknown; denoise?: unknown }): void {
  const bad = (field: string, value: unknown, rule: string): never => {
    throw new EcommirError('ECM_ERR_BAD_JSON', `model file ${join(dir, MODEL_FILE)}: ${field} is ${JSON.stringify(value) ?? String(value)}; it must be ${rule}`);
  };
  const { temperature, threshold, denoise } = json;
  if (temperature !== undefined && !(typeof temperature === 'number' && Number.isFinite(temperature) && temperature > 0)) bad('temperature', temperature, 'a number above 0');
  // Above 1 is allowed, as in PredictOptions: every answer is then marked uncertain.
  if (threshold !== undefined && !(typeof threshold === 'number' && Number.isFinite(threshold) && threshold >= 0)) bad('threshold', threshold, 'a number from 0 up');
  if (denoise !== undefined && typeof denoise !== 'boolean') bad('denoise', denoise, 'true or false');
}

/** The labels a model file lists beside its taxonomy, checked to be the taxonomy's, in its order: the head's outputs follow it. */
export function checkLabelOrder(dir: string, labels: unknown, taxonomyLabels: readonly string[]): void {
  if (labels === undefined) return;
  const listed = Array.isArray(labels) ? labels : [];
  const at = taxonomyLabels.findIndex((label, i) => listed[i] !== label);
  if (at < 0 && listed.length === taxonomyLabels.length) return;
  const where = at < 0 ? `it lists ${listed.length} labels, the taxonomy ${taxonomyLabels.length}` : `label ${at} is ${JSON.stringify(listed[at])} there and ${JSON.stringify(taxonomyLabels[at])} in the taxonomy`;
  throw new EcommirError('ECM_ERR_BAD_JSON', `model file ${join(dir, MODEL_FILE)}: its labels disagree with its taxonomy (${where}); the file contradicts itself, so every answer could be another label`);
}

export interface ReadModelOptions {
  /**
   * The file's bytes as read when its model version was taken (ModelFiles): parsed instead of the
   * folder, which may hold another file by now.
   */
  bytes?: Uint8Array;
}

export async function readModelFile<T extends ModelHeader>(dir: string, kind: string, version: number, options: ReadModelOptions = {}): Promise<T> {
  const path = join(dir, MODEL_FILE);
  const bytes = options.bytes ?? (await readModelBytes(dir));
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  let json: T;
  try {
    json = JSON.parse(text) as T;
  } catch (cause) {
    throw new EcommirError('ECM_ERR_BAD_JSON', `model file ${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  if (json?.kind !== kind || json.version !== version) {
    throw new EcommirError('ECM_ERR_NO_MODEL', `${path} is not a ${kind} model of version ${version} (found ${String(json?.kind)} v${String(json?.version)})`);
  }
  return json;
}

/**
 * A model file's bytes and their sha256 (hex; the same as modelFileDigest's), or null when there is no
 * such file: what a model version is taken from, and what the workers of that version parse
 * (ModelFiles). Refused as modelFileDigest refuses: anything but a regular file within the cap. The
 * bytes are in shared memory: every worker thread given them maps the same copy, where a plain buffer
 * was copied into each thread and kept there for its life (22 MB a thread for the shipped models).
 * They are read straight into it and hashed a chunk at a time, with a turn of the event loop between
 * chunks: read whole, then copied and hashed in one piece, a reload held the service's loop about
 * 13 ms for the shipped files, and some 20 times that for a file near the cap.
 */
export async function readModelSnapshot(path: string): Promise<{ bytes: Uint8Array; digest: string } | null> {
  const opened = await openModelFile(path, MAX_MODEL_FILE_BYTES);
  if (!opened) return null;
  const { handle, size } = opened;
  try {
    const hash = createHash('sha256');
    const shared = new Uint8Array(new SharedArrayBuffer(size));
    // Read past `size` only when the file grew since it was opened (written in place, not renamed as writeModelFile does).
    const grown: Uint8Array[] = [];
    let length = 0;
    for (;;) {
      // Past `size`, a small buffer: it is mostly the read that finds the end.
      const into = length < size ? shared.subarray(length, Math.min(length + SNAPSHOT_CHUNK_BYTES, size)) : Buffer.allocUnsafeSlow(GROWN_CHUNK_BYTES);
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(into, 0, into.length, null));
      } catch (cause) {
        throw cannotReadModel(path, unreadableReason(cause), cause);
      }
      if (bytesRead === 0) break;
      const chunk = into.subarray(0, bytesRead);
      hash.update(chunk);
      // A short read keeps only what it read: a writer a few bytes ahead would otherwise pin a buffer a read.
      if (length >= size) grown.push(bytesRead === into.length ? chunk : Buffer.from(chunk));
      length += bytesRead;
      if (length > MAX_MODEL_FILE_BYTES) throw cannotReadModel(path, tooLargeReason(MAX_MODEL_FILE_BYTES));
    }
    return { bytes: length === size ? shared : exactCopy(shared.subarray(0, Math.min(length, size)), grown, length), digest: hash.digest('hex') };
  } finally {
    await handle.close();
  }
}

/** One chunk of readModelSnapshot: sha256 hashes 1 MiB in about half a millisecond here. */
const SNAPSHOT_CHUNK_BYTES = 1024 * 1024;
/** One read past the size the file had when opened. */
const GROWN_CHUNK_BYTES = 64 * 1024;

/** The pieces of a file that changed size while it was read, in shared memory of its length. */
function exactCopy(head: Uint8Array, rest: readonly Uint8Array[], length: number): Uint8Array {
  const bytes = new Uint8Array(new SharedArrayBuffer(length));
  let at = 0;
  for (const piece of [head, ...rest]) {
    bytes.set(piece, at);
    at += piece.byteLength;
  }
  return bytes;
}

/**
 * sha256 (hex) of a model file's bytes, streamed, or undefined when there is no such file: the
 * fingerprint of a model file whose bytes are not kept (readModelSnapshot keeps them), for a CLIP
 * folder's version and the service's reload and rollback checks. A file over `maxBytes` is refused
 * unread (a model file is capped, a CLIP model folder's files are not).
 */
export async function modelFileDigest(path: string, maxBytes = Infinity): Promise<string | undefined> {
  const opened = await openModelFile(path, maxBytes);
  if (!opened) return undefined;
  const { handle } = opened;
  try {
    const hash = createHash('sha256');
    for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
    return hash.digest('hex');
  } catch (cause) {
    throw cannotReadModel(path, unreadableReason(cause), cause);
  } finally {
    await handle.close();
  }
}

/**
 * Opens a model file to fingerprint it, or undefined when there is no such file. Anything but a
 * regular file is refused before it is read: a model.json that was a pipe hung `predict` here, before
 * any model loaded (opened without O_NONBLOCK, the open waits for a writer), and /dev/zero would be
 * hashed forever. So is a file over `maxBytes`, unread.
 */
async function openModelFile(path: string, maxBytes: number): Promise<{ handle: FileHandle; size: number } | undefined> {
  let opened;
  try {
    opened = await openRegularFile(path);
  } catch (cause) {
    if (isMissingPath(cause)) return undefined;
    throw cannotReadModel(path, unreadableReason(cause), cause);
  }
  if ('notRegular' in opened) throw cannotReadModel(path, `it is ${opened.notRegular}, not a file`);
  const { handle, info } = opened;
  if (info.size > maxBytes) {
    await handle.close();
    throw cannotReadModel(path, tooLargeReason(maxBytes));
  }
  return { handle, size: info.size };
}

/** A model file that is there but cannot be fingerprinted: 503, naming the file and why. */
function cannotReadModel(path: string, why: string, cause?: unknown): EcommirError {
  return new EcommirError('ECM_ERR_NO_MODEL', `cannot read the model file ${path}: ${why}`, { cause, statusCode: 503 });
}

function tooLargeReason(maxBytes: number): string {
  return `it is over ${maxBytes} bytes, far more than any model ecommir writes`;
}
