// `ecommir export clip`: the labelled scene images as image–text pairs for Chinese-CLIP's own
// fine-tuning scripts (its README, "数据集格式预处理"): per split, `${split}_imgs.tsv` with
// `image_id<TAB>base64` lines (urlsafe base64, as its preprocessing decodes them) and
// `${split}_texts.jsonl` with `{"text_id", "text", "image_ids"}` lines. One text per scene label
// (the label, or a template around it) listing the images of that label; then Chinese-CLIP's
// `cn_clip/preprocess/build_lmdb_dataset.py --splits train,valid` makes its LMDB.
// Also `label_cn.txt`, one label a line, as its zero-shot evaluation reads labels.
import { mkdir, rm } from 'node:fs/promises';
import { writeWhole } from '../../data/whole-file.js';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { stratifiedSplit } from '../../data/split.js';
import { EcommirError } from '../../errors.js';
import { Taxonomy } from '../../labels/taxonomy.js';
import type { Sample } from '../../types.js';
import { corrupt, probeImage, readImageBytes } from '../../vision/decode.js';

/** The files an export writes into its folder (the valid pair only with a validation share). */
export const CLIP_FILES: readonly string[] = ['train_imgs.tsv', 'train_texts.jsonl', 'valid_imgs.tsv', 'valid_texts.jsonl', 'label_cn.txt'];

export interface ClipExportOptions {
  outDir: string;
  /** The text of a label: `{label}` and `{coarse}` are replaced. Default `{label}`. */
  template?: string;
  /** Share of images in the valid split. Default 0.1; 0 writes the train split only. */
  valFraction?: number;
  seed?: number;
  /** Downscale images over this side (px) to JPEG; Chinese-CLIP reads 224–336 px anyway. Default: bytes as they are. */
  maxSide?: number;
  taxonomy?: Taxonomy;
  onSample?: () => void;
}

export interface ClipExportSummary {
  files: string[];
  images: Record<string, number>;
  texts: Record<string, number>;
  unlabelled: number;
}

export interface ClipTextLine {
  text_id: number;
  text: string;
  image_ids: number[];
}

export function clipLabelText(template: string, label: string, coarse: string): string {
  return template.replaceAll('{label}', label).replaceAll('{coarse}', coarse);
}

export async function exportClipPairs(samples: readonly Sample[], options: ClipExportOptions): Promise<ClipExportSummary> {
  const outDir = resolve(options.outDir);
  const taxonomy = options.taxonomy ?? Taxonomy.default('scene');
  const template = options.template ?? '{label}';
  if (!template.includes('{label}')) throw new EcommirError('ECM_ERR_BAD_OPTION', `--template must contain {label}, got ${JSON.stringify(template)}`);
  const valFraction = options.valFraction ?? 0.1;
  if (!(valFraction >= 0 && valFraction < 1)) throw new EcommirError('ECM_ERR_BAD_OPTION', `--val-fraction must be in [0, 1), got ${valFraction}`);
  const scenes = samples.filter((s) => s.task === 'scene');
  const labelled = scenes.filter((s) => s.label);
  // Checked before anything is written: an export of nothing wrote empty splits over a good earlier export.
  if (labelled.length === 0) throw new EcommirError('ECM_ERR_BAD_RECORD', `the data has no labelled scene samples: nothing to export, and ${outDir} is left as it was`);
  for (const s of labelled) {
    if (!taxonomy.has(s.label!)) throw new EcommirError('ECM_ERR_UNKNOWN_LABEL', `label "${s.label}" is not in the scene taxonomy`, { item: { id: s.id, index: s.index } });
    if (s.images.length === 0) throw new EcommirError('ECM_ERR_IMAGE_MISSING', 'a scene sample without an image', { item: { id: s.id, index: s.index } });
  }
  const split = valFraction > 0 && labelled.length >= 2 ? stratifiedSplit(labelled.map((s) => s.label!), { testFraction: valFraction, seed: options.seed ?? 0 }) : { train: labelled.map((_, i) => i), test: [] };
  const parts: [string, number[]][] = [['train', split.train]];
  if (split.test.length > 0) parts.push(['valid', split.test]);

  const summary: ClipExportSummary = { files: [], images: {}, texts: {}, unlabelled: scenes.length - labelled.length };
  // Ids are unique across splits: Chinese-CLIP keys its LMDB by them.
  let nextImageId = 1;
  let nextTextId = 1;
  const bodies = new Map<string, string>();
  for (const [name, indices] of parts) {
    const tsv: string[] = [];
    const byLabel = new Map<string, number[]>();
    for (const i of indices) {
      const sample = labelled[i];
      for (const ref of sample.images) {
        const id = nextImageId++;
        tsv.push(`${id}\t${urlsafeBase64(await imageBytes(ref, { id: sample.id, index: sample.index }, options.maxSide))}`);
        byLabel.set(sample.label!, [...(byLabel.get(sample.label!) ?? []), id]);
      }
      options.onSample?.();
    }
    const texts: ClipTextLine[] = taxonomy.labels
      .filter((label) => byLabel.has(label))
      .map((label) => ({ text_id: nextTextId++, text: clipLabelText(template, label, taxonomy.coarseOf(label)), image_ids: byLabel.get(label)! }));
    bodies.set(`${name}_imgs.tsv`, tsv.join('\n') + '\n');
    bodies.set(`${name}_texts.jsonl`, texts.map((t) => JSON.stringify(t)).join('\n') + '\n');
    summary.images[name] = tsv.length;
    summary.texts[name] = texts.length;
  }
  bodies.set('label_cn.txt', taxonomy.labels.join('\n') + '\n');
  // Written only once every image is read, each file whole; a valid split an earlier export left is
  // removed when this one has none, so that no trainer pairs this train split with an old one.
  await mkdir(outDir, { recursive: true });
  await Promise.all(CLIP_FILES.filter((f) => !bodies.has(f)).map((f) => rm(join(outDir, f), { force: true })));
  for (const [name, body] of bodies) {
    await writeWhole(join(outDir, name), body);
    summary.files.push(join(outDir, name));
  }
  return summary;
}

async function imageBytes(ref: Sample['images'][number], item: { id: string; index: number }, maxSide: number | undefined): Promise<Uint8Array> {
  const bytes = await readImageBytes(ref, item);
  // A PDF or an SVG passed through would only fail later, inside the CLIP trainer.
  await probeImage({ ...ref, bytes }, item);
  if (maxSide === undefined) return bytes;
  try {
    return await sharp(bytes).rotate().resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 90 }).toBuffer();
  } catch (cause) {
    throw corrupt(ref, item, cause, bytes);
  }
}

/** Python's base64.urlsafe_b64encode: `-` and `_`, WITH `=` padding (urlsafe_b64decode needs it; Node's base64url drops it). */
export function urlsafeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}
