// Request bodies → Sample.
// TEMPORARY ADAPTER: to be replaced by `parseNativeSample(obj, index, opts)` from src/data/native.ts
// once it lands; it keeps only what the routes need, and the route schemas have already checked
// the shapes (types, enums, lengths) before these functions run.
import type { ItemRef } from '../errors.js';
import type { ImageRef, Role, Sample, Turn } from '../types.js';
import { decodeImageString } from './image-input.js';

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

/** A scene sample: one user turn holding the one image. */
export function sceneSampleFromBytes(bytes: Uint8Array, id: string | undefined, index: number, name = 'image'): Sample {
  const ref: ImageRef = { name, bytes };
  return {
    id: id ?? `#${index}`,
    index,
    task: 'scene',
    candidates: [],
    turns: [{ role: 'user', text: '<image>', images: [ref] }],
    images: [ref],
  };
}

export function sceneSampleFromBody(body: SceneBody, index: number, maxImageBytes: number): Sample {
  const item = itemOf(body.id, index);
  return sceneSampleFromBytes(decodeImageString(body.image, 'body.image', item, maxImageBytes), body.id, index, 'body.image');
}

/**
 * A dialogue sample. Images are named `turn<t>-<k>`; a turn with images but no `<image>` marker
 * gets one marker per image appended, so marker counting downstream matches the challenge format.
 */
export function intentSampleFromBody(body: IntentBody, index: number, maxImageBytes: number): Sample {
  const item = itemOf(body.id, index);
  const images: ImageRef[] = [];
  const turns: Turn[] = body.dialogue.map((turn, t) => {
    const refs = (turn.images ?? []).map((value, k) => {
      const name = `turn${t}-${k}`;
      return { name, bytes: decodeImageString(value, name, item, maxImageBytes) };
    });
    images.push(...refs);
    const markers = (turn.text.match(/<image>/g) ?? []).length;
    const text = markers >= refs.length ? turn.text : `${turn.text}${' <image>'.repeat(refs.length - markers)}`;
    return { role: turn.role, text, images: refs };
  });
  return { id: body.id ?? `#${index}`, index, task: 'intent', candidates: [], turns, images };
}
