// `ecommir export sft`: the cleaned, labelled samples as supervised fine-tuning data for the engines
// that LoRA-tune a multimodal LLM (the paper: MiniCPM-V 2.6 with ms-swift), so that the tuned model
// can be served and asked through `--backend mllm` with the very same prompt (mllm/prompt.ts).
//
// One record per sample: {"messages": [system, user with <image> tags, assistant = label], "images": [...]}.
// - ms-swift:      train.jsonl / val.jsonl, one record a line (swift's "messages" format);
// - LLaMA-Factory: ecommir_train.json / ecommir_val.json (sharegpt arrays) and dataset_info.json.
// The paper's 9:1 train/validation split (stratified, seeded), and its augmentation: each training
// sample with images is duplicated `augmentCopies` times, every image replaced by an augmented JPEG copy.
import { mkdir, rm } from 'node:fs/promises';
import { writeWhole } from '../../data/whole-file.js';
import { join, resolve } from 'node:path';
import { stratifiedSplit } from '../../data/split.js';
import { EcommirError } from '../../errors.js';
import { Taxonomy } from '../../labels/taxonomy.js';
import type { Sample, Task } from '../../types.js';
import { answerFor, buildLabelPrompt, userTextWithTags } from '../mllm/prompt.js';
import { ExportImages } from './image-files.js';

export const SFT_FORMATS = ['swift', 'llamafactory'] as const;
export type SftFormat = (typeof SFT_FORMATS)[number];
/** The files an export writes into its folder, per format. */
export const SFT_FILES: Readonly<Record<SftFormat, readonly string[]>> = { swift: ['train.jsonl', 'val.jsonl'], llamafactory: ['ecommir_train.json', 'ecommir_val.json', 'dataset_info.json'] };

export interface SftMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The record both engines read (swift's messages format = LLaMA-Factory's sharegpt with role/content tags). */
export interface SftRecord {
  messages: SftMessage[];
  images: string[];
}

export interface SftExportOptions {
  format: SftFormat;
  tasks: readonly Task[];
  outDir: string;
  /** Target `粗类-细类` (the paper's hierarchical labels). Default false: the fine label. */
  hierarchical?: boolean;
  /** Augmented duplicates of each training sample. Default 1 (the paper). */
  augmentCopies?: number;
  /** Share held out for validation (checkpoint choice). Default 0.1; 0 writes no validation file. */
  valFraction?: number;
  seed?: number;
  /** Copy the original images into OUT/images and write relative paths. Default false: absolute paths. */
  copyImages?: boolean;
  taxonomies?: Partial<Record<Task, Taxonomy>>;
  /** Called after each sample is written. */
  onSample?: () => void;
}

export interface SftExportSummary {
  files: string[];
  train: number;
  val: number;
  /** Augmented records added to train. */
  augmented: number;
  augmentedImages: number;
  /** Samples of the selected tasks without a gold label (left out). */
  unlabelled: number;
}

/** LLaMA-Factory's dataset_info.json entry for one of our files. */
export function llamaFactoryDatasetInfo(fileName: string): Record<string, unknown> {
  return {
    file_name: fileName,
    formatting: 'sharegpt',
    columns: { messages: 'messages', images: 'images' },
    tags: { role_tag: 'role', content_tag: 'content', user_tag: 'user', assistant_tag: 'assistant', system_tag: 'system' },
  };
}

export async function exportSft(samples: readonly Sample[], options: SftExportOptions): Promise<SftExportSummary> {
  const outDir = resolve(options.outDir);
  const hierarchical = options.hierarchical ?? false;
  const copies = options.augmentCopies ?? 1;
  const valFraction = options.valFraction ?? 0.1;
  const seed = options.seed ?? 0;
  if (!SFT_FORMATS.includes(options.format)) throw new EcommirError('ECM_ERR_BAD_OPTION', `--format must be one of ${SFT_FORMATS.join(', ')}, got ${options.format}`);
  if (!Number.isInteger(copies) || copies < 0) throw new EcommirError('ECM_ERR_BAD_OPTION', `--augment-copies must be a non-negative integer, got ${copies}`);
  if (!(valFraction >= 0 && valFraction < 1)) throw new EcommirError('ECM_ERR_BAD_OPTION', `--val-fraction must be in [0, 1), got ${valFraction}`);
  const taxonomyOf = (task: Task) => options.taxonomies?.[task] ?? Taxonomy.default(task);

  const selected = samples.filter((s) => options.tasks.includes(s.task));
  const labelled = selected.filter((s) => s.label !== undefined && s.label !== '');
  // Checked before anything is written: an export of nothing emptied the train file of a good earlier export.
  if (labelled.length === 0) throw new EcommirError('ECM_ERR_BAD_RECORD', `the data has no labelled ${options.tasks.join(' or ')} samples: nothing to export, and ${outDir} is left as it was`);
  for (const s of labelled) {
    if (!taxonomyOf(s.task).has(s.label!)) throw new EcommirError('ECM_ERR_UNKNOWN_LABEL', `label "${s.label}" is not in the ${s.task} taxonomy`, { item: { id: s.id, index: s.index } });
  }
  // Stratified on task and label together, so both tasks keep their share in each part.
  const split = valFraction > 0 && labelled.length >= 2 ? stratifiedSplit(labelled.map((s) => `${s.task}\u0000${s.label}`), { testFraction: valFraction, seed }) : { train: labelled.map((_, i) => i), test: [] };

  await mkdir(outDir, { recursive: true });
  const images = new ExportImages(outDir, { copyImages: options.copyImages });
  const summary: SftExportSummary = { files: [], train: 0, val: 0, augmented: 0, augmentedImages: 0, unlabelled: selected.length - labelled.length };

  const record = async (sample: Sample, imagePaths?: string[]): Promise<SftRecord> => {
    const taxonomy = taxonomyOf(sample.task);
    const prompt = buildLabelPrompt(sample, taxonomy, { hierarchical });
    const { text, images: refs } = userTextWithTags(prompt.user);
    return {
      messages: [
        { role: 'system', content: prompt.system },
        { role: 'user', content: text },
        { role: 'assistant', content: answerFor(taxonomy, sample.label!, hierarchical) },
      ],
      images: imagePaths ?? (await Promise.all(refs.map((r) => images.original(r)))),
    };
  };

  const train: SftRecord[] = [];
  for (const i of split.train) {
    const sample = labelled[i];
    const item = { id: sample.id, index: sample.index };
    const original = await record(sample);
    train.push(original);
    const refs = copies > 0 ? userTextWithTags(buildLabelPrompt(sample, taxonomyOf(sample.task), { hierarchical }).user).images : [];
    // A sample without images has nothing to augment: a copy would only repeat it.
    if (refs.length > 0) {
      const decoded = await Promise.all(refs.map((r) => images.decode(r, item)));
      for (let c = 1; c <= copies; c++) {
        const paths: string[] = [];
        for (const [k, ref] of refs.entries()) {
          paths.push(await images.augmented(ref, item, augmentSeed(seed, sample.index, c, k), c, decoded[k]));
          summary.augmentedImages++;
        }
        train.push({ messages: original.messages, images: paths });
        summary.augmented++;
      }
    }
    options.onSample?.();
  }
  const val: SftRecord[] = [];
  for (const i of split.test) {
    val.push(await record(labelled[i]));
    options.onSample?.();
  }
  summary.train = train.length;
  summary.val = val.length;

  // Each file is written whole, and one an earlier export wrote that this one does not (a val split
  // that is now empty) is removed: a trainer must never pair this run's train file with an old one.
  const write = async (name: string, body: string) => {
    await writeWhole(join(outDir, name), body);
    summary.files.push(join(outDir, name));
  };
  const stale = SFT_FILES[options.format].filter((name) => val.length === 0 && /val/.test(name));
  await Promise.all(stale.map((name) => rm(join(outDir, name), { force: true })));
  if (options.format === 'swift') {
    await write('train.jsonl', jsonl(train));
    if (val.length > 0) await write('val.jsonl', jsonl(val));
  } else {
    const info: Record<string, unknown> = { ecommir_train: llamaFactoryDatasetInfo('ecommir_train.json') };
    await write('ecommir_train.json', JSON.stringify(train, null, 1) + '\n');
    if (val.length > 0) {
      await write('ecommir_val.json', JSON.stringify(val, null, 1) + '\n');
      info.ecommir_val = llamaFactoryDatasetInfo('ecommir_val.json');
    }
    await write('dataset_info.json', JSON.stringify(info, null, 2) + '\n');
  }
  return summary;
}

function jsonl(records: readonly SftRecord[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + (records.length > 0 ? '\n' : '');
}

/** A distinct, reproducible seed per (run seed, sample, copy, image). */
function augmentSeed(seed: number, sampleIndex: number, copy: number, image: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 31) + Math.imul(sampleIndex + 1, 2654435761) + Math.imul(copy, 40503) + image * 7919) >>> 0;
}
