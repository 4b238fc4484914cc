// Synthetic labelled intent dialogues from the knowledge files: for each label, a question form
// (labels/*.json) about a product of one of its categories (catalogue.json), made colloquial
// (variation.json), placed in a conversation frame with greetings, links, images, order numbers,
// small talk and agent replies (context.json). Deterministic: the same options give the same
// samples, and each label draws from its own seeded stream, so a sample does not change when
// other labels or a larger `perLabel` are asked for.
import { EcommirError } from '../errors.js';
import { Taxonomy } from '../labels/taxonomy.js';
import { createRng, type Rng } from '../learn/random.js';
import type { ImageRef, Sample, Turn } from '../types.js';
import { colloquialise } from './colloquial.js';
import { loadIntentKnowledge, type Frame, type IntentKnowledge, type LabelKnowledge, type ProductCategory, type SlotTable } from './intent-knowledge.js';
import { expandTemplate } from './template.js';

export type SyntheticImages = 'placeholder' | 'blank' | 'none';

export interface IntentSynthOptions {
  /** Default 1. */
  seed?: number;
  /** Samples per label. Default 100. */
  perLabel?: number;
  /** Only these labels (default: every label of the taxonomy). */
  labels?: readonly string[];
  /**
   * What an `<image>` marker points at: `placeholder` (default) an ImageRef with a name only,
   * `blank` a tiny white PNG (so the samples run through image features without errors), `none`
   * drops the markers and image-only turns.
   */
  images?: SyntheticImages;
  /** Scales every colloquial-variation rate (0 = clean text). Default 1. */
  variation?: number;
  /** Share of dialogues that are a single bare question, overriding the frame weights (0..1). */
  bareShare?: number;
  knowledge?: IntentKnowledge;
  /** Folder of the knowledge files, when `knowledge` is not given. */
  knowledgeDir?: string;
  /** Labels are checked against it. Default: the shipped intent taxonomy. */
  taxonomy?: Taxonomy;
}

/** A 32×32 white PNG: an image that decodes, for `images: 'blank'`. */
export const BLANK_PNG = Uint8Array.from(
  Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAACAAAAAgCAIAAAD8GO2jAAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAMUlEQVRIie3QMQ0AAAjAMPybBgm7+FoDSzb7bASKRcmiZFGyKFmULEoWJYuSRel90QGLVfSmL9cHVAAAAABJRU5ErkJggg==',
    'base64',
  ),
);

const STICKY_FIELDS: Readonly<Record<string, keyof ProductCategory>> = {
  part: 'parts',
  material: 'materials',
  variant: 'variants',
  pack: 'packs',
  spec: 'specs',
  unit: 'units',
};
const GLOBAL_SLOTS: Readonly<Record<string, string>> = { color: 'colors', person: 'persons', num: 'nums', year: 'years', size: 'sizes' };
const MAX_ATTEMPTS = 30;

/** FNV-1a over the string: a stable per-label seed. */
function hashSeed(seed: number, label: string): number {
  let h = 0x811c9dc5;
  for (const ch of `${seed}\u0000${label}`) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function pick<T>(rng: Rng, list: readonly T[]): T {
  return list[rng.int(list.length)];
}

function pickWeighted<T extends { weight: number }>(rng: Rng, items: readonly T[]): T {
  const total = items.reduce((s, it) => s + it.weight, 0);
  let r = rng.next() * total;
  for (const it of items) {
    r -= it.weight;
    if (r < 0) return it;
  }
  return items[items.length - 1];
}

function digits(rng: Rng, n: number): string {
  let s = String(1 + rng.int(9));
  while (s.length < n) s += String(rng.int(10));
  return s;
}

/** Everything one label needs while it generates, including its cycle through the question forms. */
class LabelStream {
  private formOrder: number[];
  private formCursor = 0;
  private readonly frames: Frame[];

  constructor(
    readonly label: LabelKnowledge,
    private readonly knowledge: IntentKnowledge,
    readonly rng: Rng,
    private readonly variation: number,
    bareShare: number | undefined,
  ) {
    this.formOrder = rng.shuffle(label.forms.map((_, i) => i));
    const allowed = knowledge.frames.filter((f) => f.phase !== 'post' || label.phase !== 'pre');
    // After-sales labels lean on after-sales frames (order numbers, photos of the fault).
    let frames = allowed.map((f) => ({ ...f, weight: f.phase === 'post' && label.phase === 'post' ? f.weight * 3 : f.weight }));
    if (bareShare !== undefined) {
      const bare = frames.filter((f) => f.turns.length === 1 && f.turns[0].text === '{q}');
      const rest = frames.filter((f) => !bare.includes(f));
      const restTotal = rest.reduce((s, f) => s + f.weight, 0);
      frames = [
        ...bare.map((f) => ({ ...f, weight: bareShare / bare.length })),
        ...rest.map((f) => ({ ...f, weight: ((1 - bareShare) * f.weight) / restTotal })),
      ].filter((f) => f.weight > 0);
    }
    this.frames = frames;
  }

  nextForm(): number {
    if (this.formCursor === this.formOrder.length) {
      this.formOrder = this.rng.shuffle(this.formOrder);
      this.formCursor = 0;
    }
    return this.formOrder[this.formCursor++];
  }

  /** One dialogue: turns with `<image>` markers still in the text. `force` pins choices (for checks). */
  dialogue(force: { category?: number; form?: number; frame?: Frame; answer?: number } = {}): { role: 'user' | 'agent'; text: string }[] {
    const rng = this.rng;
    const label = this.label;
    const catRef = force.category !== undefined ? label.categories[force.category] : pickWeighted(rng, label.categories);
    const category = this.knowledge.catalogue.categories.get(catRef.id)!;
    const product = pick(rng, catRef.products ?? category.products);
    const sticky = new Map<string, string>([['product', product]]);
    const formIndex = force.form ?? this.nextForm();

    const list = (table: SlotTable): string[] => (Array.isArray(table) ? table : (table[category.id] ?? table['*'] ?? []));
    const listFor = (name: string): string[] | undefined => {
      if (label.slots[name]) return list(label.slots[name]);
      const field = STICKY_FIELDS[name];
      if (field) return category[field] as string[];
      if (name === 'size') return category.sizes ?? this.knowledge.catalogue.global.sizes;
      if (GLOBAL_SLOTS[name]) return this.knowledge.catalogue.global[GLOBAL_SLOTS[name]];
      return undefined;
    };
    const question = (index: number): string =>
      colloquialise(expandTemplate(label.forms[index], rng, resolve), rng, this.knowledge, this.variation);

    const resolve = (name: string): string | { literal: string } => {
      switch (name) {
        case 'q':
          return { literal: question(formIndex) };
        case 'q2': {
          let other = rng.int(label.forms.length);
          if (other === formIndex && label.forms.length > 1) other = (other + 1) % label.forms.length;
          return { literal: question(other) };
        }
        case 'answer':
          return force.answer !== undefined ? label.answers[force.answer] : pick(rng, label.answers);
        case 'it':
          return pick(rng, this.knowledge.variation.referent);
        case 'product':
          return { literal: product };
        case 'digits18':
          return { literal: digits(rng, 18) };
        case 'digits19':
          return { literal: digits(rng, 19) };
        case 'titleword':
          return pick(rng, this.knowledge.catalogue.global.titleWords);
      }
      const context = this.knowledge.contextSlots[name];
      if (context) return pick(rng, context);
      const own = listFor(name);
      if (own && own.length > 0) {
        if (!sticky.has(name)) sticky.set(name, pick(rng, own));
        return sticky.get(name)!;
      }
      // `{x2}`: a second value of x, different from the first when the table allows it.
      const base = /^(.+)2$/.exec(name)?.[1];
      const baseList = base ? listFor(base) : undefined;
      if (base && baseList && baseList.length > 0) {
        if (!sticky.has(base)) sticky.set(base, pick(rng, baseList));
        const others = baseList.filter((x) => x !== sticky.get(base));
        return pick(rng, others.length > 0 ? others : baseList);
      }
      throw new EcommirError('ECM_ERR_BAD_JSON', `knowledge file ${label.file}: slot {${name}} has no values for category ${category.id}`, { item: { file: label.file } });
    };

    const frame = force.frame ?? pickWeighted(rng, this.frames);
    return frame.turns
      .map((t) => ({ role: t.role, text: expandTemplate(t.text, rng, resolve).replace(/\s+/g, ' ').trim() }))
      .filter((t) => t.text !== '');
  }
}

function attachImages(turns: { role: 'user' | 'agent'; text: string }[], id: string, images: SyntheticImages): Turn[] {
  let k = 0;
  const out: Turn[] = [];
  for (const t of turns) {
    if (images === 'none') {
      const text = t.text.split('<image>').join(' ').replace(/\s+/g, ' ').trim();
      if (text !== '') out.push({ role: t.role, text, images: [] });
      continue;
    }
    const refs: ImageRef[] = [];
    for (let m = t.text.indexOf('<image>'); m >= 0; m = t.text.indexOf('<image>', m + 1)) {
      const name = `${id}-${k++}.png`;
      refs.push(images === 'blank' ? { name, bytes: BLANK_PNG } : { name });
    }
    out.push({ role: t.role, text: t.text, images: refs });
  }
  return out;
}

/** Checks the options and the knowledge against the taxonomy; returns the labels to generate. */
function plan(knowledge: IntentKnowledge, taxonomy: Taxonomy, labels: readonly string[] | undefined): LabelKnowledge[] {
  const byLabel = new Map(knowledge.labels.map((l) => [l.label, l]));
  for (const l of knowledge.labels) {
    if (!taxonomy.labels.includes(l.label)) {
      throw new EcommirError('ECM_ERR_UNKNOWN_LABEL', `knowledge file ${l.file} describes "${l.label}", which is not in the intent taxonomy (${taxonomy.source})`, { item: { file: l.file } });
    }
    if (taxonomy.coarseOf(l.label) !== l.coarse) {
      throw new EcommirError('ECM_ERR_BAD_JSON', `knowledge file ${l.file}: coarse "${l.coarse}" differs from the taxonomy's "${taxonomy.coarseOf(l.label)}"`, { item: { file: l.file } });
    }
  }
  const wanted = labels ?? taxonomy.labels;
  return wanted.map((label) => {
    if (!taxonomy.labels.includes(label)) throw new EcommirError('ECM_ERR_UNKNOWN_LABEL', `"${label}" is not an intent label (${taxonomy.source})`);
    const k = byLabel.get(label);
    if (!k) throw new EcommirError('ECM_ERR_BAD_OPTION', `no knowledge file in ${knowledge.dir}labels describes "${label}"`);
    return k;
  });
}

/**
 * Problems of the knowledge files that only show when templates are expanded (a slot with no
 * values for one of a label's categories, an unknown label): every form, answer and frame is
 * expanded once with every category of its label. Empty when the knowledge is sound.
 */
export function checkIntentKnowledge(knowledge: IntentKnowledge, taxonomy = Taxonomy.default('intent')): string[] {
  const problems: string[] = [];
  let labels: LabelKnowledge[] = [];
  try {
    labels = plan(knowledge, taxonomy, undefined);
  } catch (err) {
    problems.push((err as Error).message);
  }
  for (const label of labels) {
    const stream = new LabelStream(label, knowledge, createRng(hashSeed(0, label.label)), 1, undefined);
    const bare = knowledge.frames.find((f) => f.turns.length === 1) ?? knowledge.frames[0];
    label.categories.forEach((_, category) => {
      const attempts: Parameters<LabelStream['dialogue']>[0][] = [
        ...label.forms.map((_, form) => ({ category, form, frame: bare })),
        ...label.answers.map((_, answer) => ({ category, answer, frame: knowledge.frames.find((f) => f.turns.some((t) => t.text.includes('{answer}')))! })),
        ...knowledge.frames.map((frame) => ({ category, frame })),
      ];
      for (const force of attempts) {
        try {
          stream.dialogue(force);
        } catch (err) {
          problems.push(`${label.label} / ${label.categories[category].id}: ${(err as Error).message}`);
        }
      }
    });
  }
  return [...new Set(problems)];
}

/** Synthetic intent samples, `perLabel` for each label, ids `synth-intent-<label>-<n>` (n from 1). */
export function synthesizeIntentSamples(options: IntentSynthOptions = {}): Sample[] {
  const seed = options.seed ?? 1;
  const perLabel = options.perLabel ?? 100;
  const variation = options.variation ?? 1;
  const images = options.images ?? 'placeholder';
  if (!Number.isInteger(seed)) throw new EcommirError('ECM_ERR_BAD_OPTION', `seed must be an integer, got ${seed}`);
  if (!Number.isInteger(perLabel) || perLabel < 1) throw new EcommirError('ECM_ERR_BAD_OPTION', `perLabel must be a positive integer, got ${perLabel}`);
  if (!(variation >= 0 && variation <= 4)) throw new EcommirError('ECM_ERR_BAD_OPTION', `variation must be between 0 and 4, got ${variation}`);
  if (options.bareShare !== undefined && !(options.bareShare >= 0 && options.bareShare <= 1)) {
    throw new EcommirError('ECM_ERR_BAD_OPTION', `bareShare must be between 0 and 1, got ${options.bareShare}`);
  }
  if (!['placeholder', 'blank', 'none'].includes(images)) throw new EcommirError('ECM_ERR_BAD_OPTION', `images must be placeholder, blank or none, got ${images}`);
  const knowledge = options.knowledge ?? loadIntentKnowledge(options.knowledgeDir);
  const taxonomy = options.taxonomy ?? Taxonomy.default('intent');

  const samples: Sample[] = [];
  for (const label of plan(knowledge, taxonomy, options.labels)) {
    const stream = new LabelStream(label, knowledge, createRng(hashSeed(seed, label.label)), variation, options.bareShare);
    const seen = new Set<string>();
    for (let n = 1; n <= perLabel; n++) {
      let turns = stream.dialogue();
      for (let attempt = 1; attempt < MAX_ATTEMPTS && seen.has(JSON.stringify(turns)); attempt++) turns = stream.dialogue();
      seen.add(JSON.stringify(turns));
      const id = `synth-intent-${label.label}-${n}`;
      const withImages = attachImages(turns, id, images);
      samples.push({
        id,
        index: samples.length,
        task: 'intent',
        candidates: [],
        turns: withImages,
        images: withImages.flatMap((t) => t.images),
        label: label.label,
      });
    }
  }
  return samples;
}
