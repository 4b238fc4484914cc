// What a sample *is*, independent of where it came from: its task, its turns' text (spaces
// collapsed) and its images' bytes. Two samples with the same content key are the same sample
// — a re-upload, a duplicate in a data file, a correction of a sample the data file also has.
// A scene sample is its image alone.
import { readFile } from 'node:fs/promises';
import { EcommirError } from '../errors.js';
import type { ImageRef, Sample } from '../types.js';
import { sha256Hex } from './image-folder.js';
import type { StoredTurn } from './store.js';

export interface StorableContent {
  contentHash: string;
  turns: StoredTurn[];
  /** Each image's bytes, in the sample's order (turns[].images holds their hashes). */
  images: Uint8Array[];
}

export async function imageBytesOf(ref: ImageRef, item: { id: string; index: number }): Promise<Uint8Array> {
  if (ref.bytes) return ref.bytes;
  if (!ref.path) throw new EcommirError('ECM_ERR_IMAGE_MISSING', `image ${ref.name} has neither bytes nor a path`, { item });
  try {
    return new Uint8Array(await readFile(ref.path));
  } catch (cause) {
    throw new EcommirError('ECM_ERR_IMAGE_MISSING', `cannot read image ${ref.path}: ${(cause as Error).message}`, { item, cause });
  }
}

export async function storableContent(sample: Sample): Promise<StorableContent> {
  const item = { id: sample.id, index: sample.index };
  const images: Uint8Array[] = [];
  const turns: StoredTurn[] = [];
  for (const turn of sample.turns) {
    const hashes: string[] = [];
    for (const ref of turn.images) {
      const bytes = await imageBytesOf(ref, item);
      images.push(bytes);
      hashes.push(sha256Hex(bytes));
    }
    turns.push({ role: turn.role, text: turn.text, images: hashes });
  }
  return { contentHash: contentHashOf(sample.task, turns), turns, images };
}

export function contentHashOf(task: Sample['task'], turns: readonly StoredTurn[]): string {
  if (task === 'scene') return sha256Hex(`scene\n${turns.flatMap((t) => t.images).join(',')}`);
  const canonical = turns.map((t) => ({ r: t.role, t: t.text.replace(/\s+/g, ' ').trim(), i: t.images }));
  return sha256Hex(`intent\n${JSON.stringify(canonical)}`);
}
