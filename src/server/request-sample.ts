// Request bodies → Sample, through the native format parser (src/data/native.ts) so the API and
// the files share one meaning of roles, `<image>` markers and ids. One difference on purpose: in a
// file, an image string may be a path; over the network it must never be (a client could make the
// server read its own files), so every image string is decoded here to `{bytes}` first, after its
// size has been checked (a large body's images were decoded already, in the body parser's thread).
import { checkImageCount, checkTextSizes, type InputLimits } from '../data/input-limits.js';
import { parseNativeSample, sceneSampleOf } from '../data/native.js';
import { inlineImageName } from '../data/turn-names.js';
import type { ItemRef } from '../errors.js';
import type { Role, Sample } from '../types.js';
import { decodedImage, type DecodedImages } from './body-images.js';
import { base64Payload } from './image-input.js';

export interface SceneBody {
  task?: 'scene';
  id?: string;
  image: string;
}

export interface NativeTurnBody {
  role: Role;
  text: string;
  images?: string[];
}

export interface IntentBody {
  task?: 'intent';
  id?: string;
  dialogue: NativeTurnBody[];
}

export function itemOf(id: string | undefined, index: number): ItemRef {
  return { id: id ?? `#${index}`, index };
}

/** A scene sample from uploaded bytes (multipart): one user turn holding the one image. */
export function sceneSampleFromBytes(bytes: Uint8Array, id: string | undefined, index: number, name = 'upload'): Sample {
  return sceneSampleOf({ name, bytes }, id ?? `#${index}`, index);
}

/** An image string's bytes: decoded already by the body parser's thread, or checked and decoded here. */
function imageBytes(value: string, name: string, item: ItemRef, maxImageBytes: number, decoded: DecodedImages | undefined): Uint8Array {
  return decodedImage(value, decoded) ?? new Uint8Array(Buffer.from(base64Payload(value, name, item, maxImageBytes), 'base64'));
}

export function sceneSampleFromBody(body: SceneBody, index: number, maxImageBytes: number, decoded?: DecodedImages): Sample {
  const item = itemOf(body.id, index);
  const image = { name: 'body.image', bytes: imageBytes(body.image, 'body.image', item, maxImageBytes, decoded) };
  return parseNativeSample({ id: body.id, task: 'scene', image }, index);
}

/** A dialogue sample; its images are named by place (`turn2-image1`). Too many images are refused before any is decoded. */
export function intentSampleFromBody(body: IntentBody, index: number, limits: Readonly<InputLimits>, decoded?: DecodedImages): Sample {
  const item = itemOf(body.id, index);
  const maxImageBytes = limits.maxImageBytes;
  // Trimmed as the parser trims, and before it runs: parsing a turn takes time on the event loop in
  // proportion to its text (a 30 MB body took 3 s). The parsed sample is checked again (markers added).
  checkTextSizes(body.dialogue.map((turn) => turn.text.trim()), limits, item);
  checkImageCount(
    body.dialogue.reduce((n, turn) => n + (turn.images?.length ?? 0), 0),
    limits,
    item,
  );
  const dialogue = body.dialogue.map((turn, t) => ({
    role: turn.role,
    text: turn.text,
    images: (turn.images ?? []).map((value, k) => {
      const name = inlineImageName(t, k);
      return { name, bytes: imageBytes(value, name, item, maxImageBytes, decoded) };
    }),
  }));
  return parseNativeSample({ id: body.id, task: 'intent', dialogue }, index);
}
