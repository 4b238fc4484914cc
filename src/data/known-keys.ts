// A field the native format does not have is refused, not passed over. JSON.parse keeps every key,
// so a misspelt one ("image" on a turn, "content" for "text", "messages" for "dialogue") would
// otherwise drop what it holds without a word, and the answer would come from the rest. The HTTP
// API refuses such bodies by its schemas (additionalProperties: false); files are held to the same
// shape. A writer's own data goes under `meta`, which nothing reads.
import { editDistance } from './edit-distance.js';

/** `table[key]` when the table itself has the key: a key someone typed ("constructor", "__proto__") must not find what every object inherits. */
export function ownValue<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

export interface ObjectShape {
  /** What the object is, for the message: "a sample", "a turn". */
  what: string;
  /** The fields of the format, as the message lists them. */
  keys: readonly string[];
  /** Fields our own tools write, allowed but not read here, and not listed in the message. */
  ignoredKeys?: readonly string[];
  /** A misplaced or foreign name → what to write instead. */
  hints: Readonly<Record<string, string>>;
  /** What to say of a name with no hint and no near field (default: the data format's "meta"). */
  otherwise?: string;
}

const TEXT_HINT = 'the words go in "text"';
const IMAGES_HINT = 'a turn\'s images go in "images", a list';
const ROLE_HINT = 'who speaks goes in "role" ("user" or "agent")';
const DIALOGUE_HINT = 'the turns go in "dialogue", a list of {role, text, images?}';
const LABEL_HINT = 'the gold label goes in "label", the labels to choose from in "candidates"';
const SCENE_IMAGE_HINT = 'a scene sample\'s image goes in "image"';

export const SAMPLE_SHAPE: ObjectShape = {
  what: 'a sample',
  keys: ['id', 'task', 'dialogue', 'image', 'label', 'candidates', 'meta'],
  // Written by our own tools, so that their files (and the ones already on disk) load as they are:
  // `feedback export` (labelledAt is read by `train --feedback`, the rest is for people) and
  // `knowledge scenes` (how a synthetic screenshot was made).
  ignoredKeys: ['labelledAt', 'note', 'predicted', 'modelVersion', 'synthetic'],
  hints: {
    ...Object.fromEntries(['messages', 'turns', 'dialog', 'dialogues', 'conversation', 'history', 'chat', 'utterances', 'context'].map((k) => [k, DIALOGUE_HINT])),
    ...Object.fromEntries(['images', 'img', 'imgs', 'picture', 'pictures', 'photo', 'screenshot', 'file', 'path'].map((k) => [k, `${SCENE_IMAGE_HINT}; a dialogue's images go in its turns' "images"`])),
    ...Object.fromEntries(['labels', 'intent', 'scene', 'category', 'class', 'gold', 'target', 'output', 'answer'].map((k) => [k, LABEL_HINT])),
    ...Object.fromEntries(['type', 'kind'].map((k) => [k, 'the task goes in "task" ("scene" or "intent")'])),
    ...Object.fromEntries(['role', 'text', 'content'].map((k) => [k, `this looks like a turn; ${DIALOGUE_HINT}`])),
  },
};

export const TURN_SHAPE: ObjectShape = {
  what: 'a turn',
  keys: ['role', 'text', 'images', 'meta'],
  hints: {
    ...Object.fromEntries(['content', 'message', 'msg', 'utterance', 'value', 'body', 'sentence'].map((k) => [k, TEXT_HINT])),
    ...Object.fromEntries(['image', 'img', 'imgs', 'picture', 'pictures', 'photo', 'photos', 'attachments', 'files'].map((k) => [k, IMAGES_HINT])),
    ...Object.fromEntries(['speaker', 'from', 'sender', 'author', 'who', 'name'].map((k) => [k, ROLE_HINT])),
  },
};

/** Why `obj` does not fit `shape` (its first field outside it, with what to write instead), or undefined. */
export function unknownKeyProblem(obj: Readonly<Record<string, unknown>>, shape: ObjectShape): string | undefined {
  // A handful of names each: a scan, with nothing allocated for the objects that fit (every one, nearly).
  const unknown = Object.keys(obj).filter((k) => !shape.keys.includes(k) && !shape.ignoredKeys?.includes(k));
  if (unknown.length === 0) return undefined;
  const key = unknown[0];
  // A few names say enough; an object of thousands of keys must not make a message of them all.
  const named = unknown.slice(1, 4).map((k) => JSON.stringify(k));
  if (unknown.length > 4) named.push(`${unknown.length - 4} more`);
  const others = named.length > 0 ? ` (and ${named.join(', ')})` : '';
  const what = shape.what[0].toUpperCase() + shape.what.slice(1);
  const hint = hintFor(key, shape);
  return `unknown field ${JSON.stringify(key)}${others}: ${hint}${hint.endsWith('?') ? '' : '.'} ${what} has ${shape.keys.slice(0, -1).join(', ')} and ${shape.keys.at(-1)}`;
}

function hintFor(key: string, shape: ObjectShape): string {
  const folded = key.trim().toLowerCase();
  const hint = ownValue(shape.hints, folded);
  if (hint) return hint;
  // A slip of a letter or two: the nearest field, when one is clearly nearest.
  // The distance is at least the difference in length, so a far longer name (a pasted text) is not compared.
  const near = shape.keys
    .filter((k) => Math.abs(k.length - folded.length) <= 2)
    .map((k) => ({ k, d: editDistance(folded, k.toLowerCase()) }))
    .filter(({ k, d }) => d <= Math.min(2, Math.floor(k.length / 2)))
    .sort((a, b) => a.d - b.d);
  if (near.length > 0 && (near.length === 1 || near[0].d < near[1].d)) return `did you mean ${JSON.stringify(near[0].k)}?`;
  return shape.otherwise ?? 'the format does not read it; a field of your own goes under "meta"';
}
