// Our own hand-writable format: one JSON object, a JSON array of them, or JSONL.
//   {id?, task: 'scene'|'intent', dialogue: [{role, text, images?, meta?}], image?, label?, candidates?, meta?}
// A field outside it is refused (known-keys.ts); `meta` holds the writer's own data and is never read.
// `image` (singular) is a scene sample's image. Image entries are file paths (relative to the
// images folder when one is given, else to the file's folder), `data:` URLs, or {base64, name?}.
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EcommirError, type ItemRef } from '../errors.js';
import type { ImageRef, Role, Sample, Task, Turn } from '../types.js';
import { IMAGE_MARKER, countImageMarkers } from './instruction.js';
import { dialogueImageName, dialogueTurnName, inlineImageName } from './turn-names.js';
import { SAMPLE_SHAPE, TURN_SHAPE, ownValue, unknownKeyProblem } from './known-keys.js';

export interface NativeParseOptions {
  /** Folder relative image paths are resolved against first. */
  imagesDir?: string;
  /** Folder of the file the sample came from; relative paths fall back to it. */
  baseDir?: string;
  /** The file, for error messages. */
  file?: string;
  /** As LoadOptions.checkLabels: false reads a gold label as written (default true, checked). */
  checkLabels?: boolean;
}

const ROLE_ALIASES: Readonly<Record<string, Role>> = {
  user: 'user',
  customer: 'user',
  buyer: 'user',
  用户: 'user',
  买家: 'user',
  agent: 'agent',
  assistant: 'agent',
  service: 'agent',
  客服: 'agent',
};

const TASK_ALIASES: Readonly<Record<string, Task>> = {
  scene: 'scene',
  image: 'scene',
  场景: 'scene',
  intent: 'intent',
  dialogue: 'intent',
  意图: 'intent',
};

/** Reads one native object into a Sample; every fault is an EcommirError naming the item. */
export function parseNativeSample(value: unknown, index: number, options: NativeParseOptions = {}): Sample {
  const obj = value as Record<string, unknown> | null;
  const rawId = obj && typeof obj === 'object' ? obj.id : undefined;
  const id = typeof rawId === 'string' || typeof rawId === 'number' ? String(rawId) : `#${index}`;
  const item: ItemRef = { id, index, file: options.file };
  const bad = (why: string): EcommirError => new EcommirError('ECM_ERR_BAD_RECORD', why, { item });
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw bad('a sample must be an object {task, dialogue, image?, label?}');
  if (rawId !== undefined && (typeof rawId !== 'string' && typeof rawId !== 'number' || rawId === '')) throw bad('id must be a non-empty string');
  const unknownKey = unknownKeyProblem(obj, SAMPLE_SHAPE);
  if (unknownKey) throw bad(unknownKey);

  const task = typeof obj.task === 'string' ? ownValue(TASK_ALIASES, obj.task.trim().toLowerCase()) : undefined;
  if (!task) {
    throw new EcommirError('ECM_ERR_UNKNOWN_TASK', `task must be "scene" or "intent", got ${JSON.stringify(obj.task)}`, { item });
  }

  const turns: Turn[] = [];
  if (obj.dialogue !== undefined) {
    if (!Array.isArray(obj.dialogue)) throw bad('dialogue must be a list of turns {role, text, images?}');
    obj.dialogue.forEach((t, k) => turns.push(parseTurn(t, k, item, options)));
  }
  if (obj.image !== undefined) {
    const ref = parseImage(obj.image, `${item.id ?? item.index}-0`, item, options, 'image');
    turns.unshift({ role: 'user', text: IMAGE_MARKER, images: [ref] });
  }
  const images = turns.flatMap((t) => t.images);
  if (task === 'scene' && images.length === 0) throw bad('a scene sample needs an image ("image": "path/to/file.jpg")');
  if (task === 'intent' && !turns.some((t) => t.role === 'user')) throw bad('an intent sample needs a dialogue with at least one user turn');

  let candidates: string[] = [];
  if (obj.candidates !== undefined) {
    if (!Array.isArray(obj.candidates) || !obj.candidates.every((c) => typeof c === 'string' && c.trim() !== '')) {
      throw bad('candidates must be a list of label strings');
    }
    candidates = obj.candidates.map((c: string) => c.trim());
  }
  const sample: Sample = { id, index, task, candidates, turns, images };
  if (obj.label !== undefined && obj.label !== null && obj.label !== '') {
    if (typeof obj.label !== 'string') throw bad('label must be a string');
    const label = obj.label.trim();
    if (options.checkLabels !== false && candidates.length > 0 && !candidates.includes(label)) {
      throw new EcommirError('ECM_ERR_UNKNOWN_LABEL', `label "${label}" is not among the sample's candidates`, { item });
    }
    sample.label = label;
  }
  return sample;
}

/** A scene sample of one image already in hand (an upload, a file read by a caller): one user turn holding it. */
export function sceneSampleOf(ref: ImageRef, id: string, index: number): Sample {
  return { id, index, task: 'scene', candidates: [], turns: [{ role: 'user', text: IMAGE_MARKER, images: [ref] }], images: [ref] };
}

function parseTurn(value: unknown, k: number, item: ItemRef, options: NativeParseOptions): Turn {
  const turn = value as Record<string, unknown> | null;
  const bad = (why: string): EcommirError => new EcommirError('ECM_ERR_BAD_RECORD', `${dialogueTurnName(k)}: ${why}`, { item });
  if (!turn || typeof turn !== 'object' || Array.isArray(turn)) throw bad('a turn is an object {role, text, images?}');
  const unknownKey = unknownKeyProblem(turn, TURN_SHAPE);
  if (unknownKey) throw bad(unknownKey);
  const role = typeof turn.role === 'string' ? ownValue(ROLE_ALIASES, turn.role.trim().toLowerCase()) : undefined;
  if (!role) throw bad(`role must be user or agent (用户/客服, customer/assistant), got ${JSON.stringify(turn.role)}`);
  if (turn.text !== undefined && typeof turn.text !== 'string') throw bad('text must be a string');
  const sent = (turn.text as string | undefined) ?? '';
  let text = sent.trim();
  // Where the trimmed text sits in the turn as sent, so that evidence can point into what was sent.
  const source = { offset: sent.length - sent.trimStart().length, length: text.length };
  const images: ImageRef[] = [];
  if (turn.images !== undefined) {
    if (!Array.isArray(turn.images)) throw bad('images must be a list');
    turn.images.forEach((img, j) => images.push(parseImage(img, inlineImageName(k, j, String(item.id ?? item.index)), item, options, dialogueImageName(k, j))));
  }
  // Markers and images pair up in order, as in the challenge format. A hand-written turn may leave
  // the markers out: the missing ones are appended, so that later stages see one shape.
  const markers = countImageMarkers(text);
  if (markers > images.length) throw bad(`the text has ${markers} ${IMAGE_MARKER} marker(s) but the turn has ${images.length} image(s)`);
  if (markers < images.length) text = [text, ...Array(images.length - markers).fill(IMAGE_MARKER)].filter((s) => s !== '').join(' ');
  return source.offset === 0 && source.length === text.length ? { role, text, images } : { role, text, images, source };
}

/** `fallbackName`: the name of bytes sent with none (inline bytes have no path to name them by). */
function parseImage(value: unknown, fallbackName: string, item: ItemRef, options: NativeParseOptions, where: string): ImageRef {
  const bad = (why: string): EcommirError => new EcommirError('ECM_ERR_BAD_RECORD', `${where}: ${why}`, { item });
  const nameOr = (given: unknown): string => (typeof given === 'string' && given !== '' ? given : fallbackName);
  if (typeof value === 'string') {
    if (value.startsWith('data:')) return { name: nameOr(undefined), bytes: decodeDataUrl(value, bad) };
    if (value.trim() === '') throw bad('an image path is empty');
    return { name: value, path: resolveImagePath(value, options, item) };
  }
  const obj = value as Record<string, unknown> | null;
  // Bytes in memory: from a caller of the library (never from JSON, which cannot hold them).
  if (obj && typeof obj === 'object' && obj.bytes instanceof Uint8Array) return { name: nameOr(obj.name), bytes: obj.bytes };
  if (obj && typeof obj === 'object' && typeof obj.base64 === 'string') return { name: nameOr(obj.name), bytes: decodeBase64(obj.base64, bad) };
  if (obj && typeof obj === 'object' && typeof obj.path === 'string') return { name: obj.path, path: resolveImagePath(obj.path, options, item) };
  throw bad('an image is a file path, a data: URL or {base64}');
}

// A URL would otherwise be looked up as a relative path and reported missing there, which says
// nothing of why: ecommir works offline and downloads nothing. A file: URL is a path.
const URL_SCHEME = /^[a-z][a-z0-9+.-]+:\/\//i;

/** An image path as given, a file: URL as its path; any other URL refused by name. */
export function localImagePath(value: string, item: ItemRef): string {
  if (!URL_SCHEME.test(value)) return value;
  if (/^file:/i.test(value)) {
    try {
      return fileURLToPath(value);
    } catch (cause) {
      throw new EcommirError('ECM_ERR_BAD_RECORD', `image ${value} is not a usable file: URL (${(cause as Error).message})`, { item, cause });
    }
  }
  throw new EcommirError(
    'ECM_ERR_IMAGE_MISSING',
    `image ${value} is a URL, and ecommir downloads nothing (it works offline): save the image and give its path, or send its bytes as a data: URL or {base64}`,
    { item },
  );
}

function resolveImagePath(given: string, options: NativeParseOptions, item: ItemRef): string {
  const path = localImagePath(given, item);
  if (isAbsolute(path)) return path;
  return resolve(options.imagesDir ?? options.baseDir ?? '.', path);
}

function decodeDataUrl(url: string, bad: (why: string) => EcommirError): Uint8Array {
  const comma = url.indexOf(',');
  if (comma < 0 || !/;base64$/i.test(url.slice(0, comma))) throw bad('a data: URL must be base64 (data:image/...;base64,...)');
  return decodeBase64(url.slice(comma + 1), bad);
}

function decodeBase64(text: string, bad: (why: string) => EcommirError): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (clean === '' || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(clean)) throw bad('the base64 image data is empty or not base64');
  return new Uint8Array(Buffer.from(clean, 'base64'));
}

/** A native-format object for a sample (what `parseNativeSample` reads back): images as inline base64, a path, or their name. */
export function toNativeRecord(sample: Sample): Record<string, unknown> {
  const image = (ref: ImageRef): unknown => (ref.bytes ? { name: ref.name, base64: Buffer.from(ref.bytes).toString('base64') } : (ref.path ?? ref.name));
  return {
    id: sample.id,
    task: sample.task,
    dialogue: sample.turns.map((t) => ({ role: t.role, text: t.text, ...(t.images.length > 0 ? { images: t.images.map(image) } : {}) })),
    ...(sample.candidates.length > 0 ? { candidates: sample.candidates } : {}),
    ...(sample.label !== undefined ? { label: sample.label } : {}),
  };
}
