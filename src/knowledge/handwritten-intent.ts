// Hand-written intent dialogues (knowledge/intent-dialogues/*.jsonl): whole conversations written
// one by one from the label definitions, by a second author working apart from the template
// knowledge (knowledge/intent/), so that the models see a second voice. They are plain native-format
// records, read here through the project's native reader and checked against the taxonomy.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EcommirError } from '../errors.js';
import { Taxonomy } from '../labels/taxonomy.js';
import { parseRecordsText } from '../data/load.js';
import { readConfigText, requireFolderSync } from '../data/read-file.js';
import { parseNativeSample } from '../data/native.js';
import { IMAGE_MARKER } from '../data/instruction.js';
import type { ImageRef, Sample, Turn } from '../types.js';
import { BLANK_PNG, type SyntheticImages } from './intent-synth.js';

/** The shipped folder of hand-written dialogues. */
export function defaultHandwrittenIntentDir(): string {
  return fileURLToPath(new URL('../../knowledge/intent-dialogues/', import.meta.url));
}

export interface HandwrittenIntentOptions {
  /** Folder of `*.jsonl` files (default: the shipped knowledge/intent-dialogues/). */
  dir?: string;
  /**
   * What a user's `<image>` points at. The files name a stand-in `placeholder.png` that does not
   * exist: `placeholder` (default) keeps a name-only ImageRef, as synthesizeIntentSamples does;
   * `blank` gives a tiny white PNG that decodes; `none` drops the markers and image-only turns.
   */
  images?: SyntheticImages;
  /** Only these labels (default: all). Each must be a label of the taxonomy. */
  labels?: readonly string[];
  /** Labels are checked against it. Default: the shipped intent taxonomy. */
  taxonomy?: Taxonomy;
}

/**
 * Reads every `*.jsonl` file of the folder (sorted by name, records in file order). Each record must
 * be an intent sample with a label of the taxonomy, each file must hold one label, and ids must be
 * unique across the folder; any fault is an EcommirError naming the file and record.
 */
export function loadHandwrittenIntentDialogues(dirOrOptions: string | HandwrittenIntentOptions = {}): Sample[] {
  const options: HandwrittenIntentOptions = typeof dirOrOptions === 'string' ? { dir: dirOrOptions } : dirOrOptions;
  const dir = options.dir ?? defaultHandwrittenIntentDir();
  const taxonomy = options.taxonomy ?? Taxonomy.default('intent');
  const images = options.images ?? 'placeholder';
  if (!['placeholder', 'blank', 'none'].includes(images)) {
    throw new EcommirError('ECM_ERR_BAD_OPTION', `images must be placeholder, blank or none, got ${JSON.stringify(images)}`);
  }
  for (const label of options.labels ?? []) {
    if (!taxonomy.has(label)) throw new EcommirError('ECM_ERR_UNKNOWN_LABEL', `"${label}" is not an intent label of ${taxonomy.source}`);
  }
  const wanted = options.labels ? new Set(options.labels) : undefined;
  requireFolderSync(dir, 'the folder of hand-written intent dialogues');
  const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort();
  if (files.length === 0) throw new EcommirError('ECM_ERR_BAD_OPTION', `${dir} holds no .jsonl files`, { item: { file: dir } });

  const samples: Sample[] = [];
  const seenIds = new Map<string, string>();
  for (const name of files) {
    const file = join(dir, name);
    let fileLabel: string | undefined;
    parseRecordsText(readConfigText(file, 'the knowledge file'), file).forEach((record, index) => {
      const sample = parseNativeSample(record, index, { baseDir: dir, file });
      const item = { file, index, id: sample.id };
      if (sample.task !== 'intent') throw new EcommirError('ECM_ERR_UNKNOWN_TASK', `a hand-written dialogue must be an intent sample, got ${sample.task}`, { item });
      if (sample.label === undefined) throw new EcommirError('ECM_ERR_BAD_RECORD', 'a hand-written dialogue needs a label', { item });
      if (!taxonomy.has(sample.label)) throw new EcommirError('ECM_ERR_UNKNOWN_LABEL', `"${sample.label}" is not an intent label of ${taxonomy.source}`, { item });
      fileLabel ??= sample.label;
      if (sample.label !== fileLabel) throw new EcommirError('ECM_ERR_BAD_RECORD', `label "${sample.label}" in a file of "${fileLabel}": one label per file`, { item });
      if (sample.id.startsWith('#')) throw new EcommirError('ECM_ERR_BAD_RECORD', 'a hand-written dialogue needs an id', { item });
      const earlier = seenIds.get(sample.id);
      if (earlier) throw new EcommirError('ECM_ERR_BAD_RECORD', `id ${sample.id} is used twice (also in ${earlier})`, { item });
      seenIds.set(sample.id, name);
      if (wanted && !wanted.has(sample.label)) return;
      samples.push(withImages(sample, images, item));
    });
  }
  return samples;
}

function withImages(sample: Sample, images: SyntheticImages, item: { file: string; index: number; id: string }): Sample {
  const stand = (ref: ImageRef): ImageRef => (images === 'blank' ? { name: ref.name, bytes: BLANK_PNG } : { name: ref.name });
  let turns: Turn[];
  if (images === 'none') {
    turns = sample.turns
      .map((t) => ({ role: t.role, text: t.text.split(IMAGE_MARKER).join(' ').replace(/\s+/g, ' ').trim(), images: [] }))
      .filter((t) => t.text !== '');
    if (!turns.some((t) => t.role === 'user')) {
      throw new EcommirError('ECM_ERR_BAD_RECORD', 'without its images the dialogue has no user text left', { item });
    }
  } else {
    turns = sample.turns.map((t) => ({ role: t.role, text: t.text, images: t.images.map(stand) }));
  }
  return { ...sample, turns, images: turns.flatMap((t) => t.images) };
}
