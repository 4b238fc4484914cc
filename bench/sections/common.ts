// Shared by the bench sections: the dev data, markdown tables of cross-validation results, and the
// cache of cross-validation results keyed by everything they depend on.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSamples } from '../../src/data/load.js';
import { DEFAULT_MODELS_DIR } from '../../src/tasks/default-models.js';
import { SceneRecognizer } from '../../src/tasks/scene/recognizer.js';
import type { CrossValidationResult, Estimate } from '../../src/eval/cross-validate.js';
import { CODE_PATHS, hashDependencies, KNOWLEDGE_PATHS, type Dependencies } from '../../src/eval/dependency-hash.js';
import type { Sample, Task } from '../../src/types.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEV_JSON = fileURLToPath(new URL('../../../shared/data/www2025-mir/train.json', import.meta.url));
export const DEV_IMAGES = fileURLToPath(new URL('../../../shared/data/www2025-mir/images/', import.meta.url));

let cached: Sample[] | undefined;
export async function devSamples(): Promise<Sample[]> {
  cached ??= (await loadSamples(DEV_JSON)).samples;
  return cached;
}

export const f4 = (x: number): string => x.toFixed(4);

export interface CvRow {
  name: string;
  cv: Estimate;
  /** Seconds this run spent on the row (a cache read is not a measurement: see `cached`). */
  seconds: number;
  /** Set when the row was read from the cache: when and in how long it was measured. */
  cached?: CacheInfo;
  /** What in this row was chosen by looking at the scored samples (printed in the row). */
  note?: string;
}

/**
 * Cross-validation rows. The seeds column names the seeds each row was measured over; the time column
 * says when a row was read from the cache (with the time the original measurement took).
 */
export function cvTable(rows: readonly CvRow[]): string {
  const notes = rows.some((r) => r.note);
  const lines = [
    `| configuration | weighted F1 (mean ± sd over seeds) | macro F1 | coarse weighted F1 | coarse macro F1 | seeds: weighted F1 | time |${notes ? ' chosen on the scored samples |' : ''}`,
    `|---|---|---|---|---|---|---:|${notes ? '---|' : ''}`,
  ];
  for (const r of rows) {
    const c = r.cv;
    const perSeed = c.seeds.map((seed, i) => `${seed}: ${c.seedWeightedF1[i].toFixed(3)}`).join(', ');
    const time = timeCell(r.seconds, r.cached);
    lines.push(
      `| ${r.name} | **${f4(c.mean.weightedF1)}** ${c.seeds.length > 1 ? `± ${f4(c.std.weightedF1)}` : '(one seed)'} | ${f4(c.mean.macroF1)} | ${f4(c.mean.coarseWeightedF1)} | ${f4(c.mean.coarseMacroF1)} | ${perSeed} | ${time} |${notes ? ` ${r.note ?? '–'} |` : ''}`,
    );
  }
  return lines.join('\n');
}

/** A table's time cell: the seconds this run spent, or, for a result read from the cache, when and in how long it was measured. */
export function timeCell(seconds: number, cached?: CacheInfo): string {
  return cached ? `cached: measured ${cached.measuredAt.slice(0, 10)} in ${cached.seconds.toFixed(0)} s` : `${seconds.toFixed(0)} s`;
}

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** Peak resident memory of this process so far, MiB. */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

import { expectedCalibrationError } from '../../src/learn/calibration.js';
import type { Prediction } from '../../src/types.js';

/** Expected calibration error (15 equal-width bins) of out-of-fold predictions' confidences. */
export function outOfFoldEce(predictions: readonly Prediction[], gold: readonly string[], labels: readonly string[]): number {
  const k = labels.length;
  const index = new Map(labels.map((l, i) => [l, i]));
  const proba = new Float32Array(predictions.length * k);
  predictions.forEach((p, i) => p.ranked.forEach((r) => (proba[i * k + index.get(r.label)!] = r.confidence)));
  return expectedCalibrationError(proba, Int32Array.from(gold, (g) => index.get(g)!), k).ece;
}

/** ECE (15 bins) of out-of-fold predictions, and coverage/accuracy when answers below a threshold go to a person. */
export function calibrationTable(predictions: readonly Prediction[], gold: readonly string[], labels: readonly string[]): string {
  const ece = outOfFoldEce(predictions, gold, labels);
  const lines = [
    `Expected calibration error of the out-of-fold confidences: **${f4(ece)}** (15 equal-width bins).`,
    '',
    '| threshold | coverage (answered) | accuracy when answered | routed to a person |',
    '|---:|---:|---:|---:|',
  ];
  for (const t of [0, 0.3, 0.5, 0.7, 0.9]) {
    const answered = predictions.map((p, i) => ({ ok: p.label === gold[i], conf: p.confidence })).filter((x) => x.conf >= t);
    const acc = answered.length ? answered.filter((x) => x.ok).length / answered.length : NaN;
    lines.push(`| ${t.toFixed(1)} | ${((100 * answered.length) / predictions.length).toFixed(1)}% | ${(100 * acc).toFixed(1)}% | ${predictions.length - answered.length} |`);
  }
  return lines.join('\n');
}

const CV_CACHE = fileURLToPath(new URL('../results/cv-cache/', import.meta.url));

// The knowledge folders each task's models read (src/knowledge/*.ts name them): the scene models never
// read the intent knowledge and the reverse, so editing one task's knowledge leaves the other task's
// figures fresh. lexicons/, taxonomies/ and rules/ count whole for both.
const TASK_KNOWLEDGE: Record<Task, readonly string[]> = {
  scene: ['knowledge/scene', 'knowledge/text'],
  intent: ['knowledge/intent', 'knowledge/intent-dialogues', 'knowledge/text'],
};

/**
 * What every cross-validated figure of the bench depends on: the dev data file, the task's knowledge
 * (lexicons/, taxonomies/, rules/ and its knowledge/ folders), the code (src/) and the installed
 * libraries; scene rows and rows that read the user's images also the images; rows that use a shipped
 * model `models/`.
 */
/** The shipped scene model (rows that read the user's images through it), without loading the intent model too. */
export function shippedSceneModel(): Promise<SceneRecognizer> {
  return SceneRecognizer.load(join(DEFAULT_MODELS_DIR, 'scene'));
}

/** What the scene model computes for a new image, from its fusion options ('OCR + layout + UI cues'). */
export function sceneSteps(fusion: SceneRecognizer['fusion'], separator = ' + '): string {
  return ['OCR', fusion.layoutWeight > 0 ? 'layout' : '', (fusion.uiWeight ?? 0) > 0 ? 'UI cues' : '', fusion.embeddingWeight > 0 ? 'embedding' : ''].filter(Boolean).join(separator);
}

export function benchDependencies(task: Task, options: { images?: boolean; models?: boolean } = {}): string[] {
  const rel = (p: string) => relative(ROOT, p) || '.';
  const knowledge = [...KNOWLEDGE_PATHS.filter((p) => p !== 'knowledge'), ...TASK_KNOWLEDGE[task]];
  return [rel(DEV_JSON), ...(task === 'scene' || options.images ? [rel(DEV_IMAGES)] : []), ...knowledge, ...CODE_PATHS, ...(options.models ? ['models'] : [])];
}

export interface CacheInfo {
  measuredAt: string;
  seconds: number;
}

export interface CachedCvSpec {
  task: Task;
  /** The configuration, folds, seeds and anything else the figure depends on, as JSON-able data. */
  config: unknown;
  /** Files and folders the figure depends on (default: `benchDependencies(task)`). */
  paths?: readonly string[];
}

interface CacheEntry<R> {
  key: string;
  dependencies: Dependencies;
  measuredAt: string;
  seconds: number;
  cv: R;
}

/** `fresh` (set by `--fresh`): measure every row again (the new results still replace the cached ones). `dir`, `root`: for tests. */
export const cacheSettings = { fresh: false, dir: CV_CACHE, root: ROOT };

/**
 * A cross-validation result cached under a hash of everything it depends on (`cacheKey`), so that a
 * rerun or a section sharing a row reads it instead of measuring again — and a change to the data,
 * a lexicon, a rule, a taxonomy, the code or the libraries measures it afresh. Returns the result and,
 * when it came from the cache, when it was measured.
 */
export async function cachedCv<R = CrossValidationResult>(spec: CachedCvSpec, compute: () => Promise<R>): Promise<{ cv: R; cached?: CacheInfo; seconds: number }> {
  const { key, dependencies } = await cacheKey(spec, cacheSettings.root);
  const file = join(cacheSettings.dir, `${key.slice(0, 40)}.json`);
  if (!cacheSettings.fresh) {
    try {
      const entry = JSON.parse(await readFile(file, 'utf8')) as CacheEntry<R>;
      if (entry.key === key) return { cv: entry.cv, cached: { measuredAt: entry.measuredAt, seconds: entry.seconds }, seconds: 0 };
    } catch {
      // no entry, or a broken one: measure
    }
  }
  const started = performance.now();
  const cv = await compute();
  const seconds = (performance.now() - started) / 1000;
  const entry: CacheEntry<R> = { key, dependencies, measuredAt: new Date().toISOString(), seconds, cv };
  await mkdir(cacheSettings.dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(entry));
  await rename(tmp, file);
  return { cv, seconds };
}

/**
 * `recordTaskResult`'s options for a headline figure: one read from the cache keeps the date it was
 * measured (results.json must not say a figure is newer than it is).
 */
export function headlineRecordOptions(root: string, cached?: CacheInfo): { root: string; date?: Date } {
  return { root, ...(cached ? { date: new Date(cached.measuredAt) } : {}) };
}

/** The cache key of a row: a content hash of its files and folders plus its configuration. */
export async function cacheKey(spec: CachedCvSpec, root = ROOT): Promise<{ key: string; dependencies: Dependencies }> {
  const dependencies: Dependencies = { paths: [...(spec.paths ?? benchDependencies(spec.task))], extra: JSON.stringify({ task: spec.task, config: spec.config }) };
  return { key: (await hashDependencies(root, dependencies)).hash, dependencies };
}

/** What a section's header must say about the run that wrote it. */
export interface SectionProtocol {
  /** What is scored and how, e.g. '5-fold stratified cross-validation over the 239 dev intent samples'. */
  protocol: string;
  folds: number;
  /** Seeds this run used, and the section's default. Fewer than the default makes the run partial. */
  seeds: readonly number[];
  defaultSeeds: readonly number[];
  defaultFolds: number;
  /** What in the models was chosen by looking at the scored samples (so rows using it are optimistic). */
  chosenOnScored: readonly string[];
  /** How the default choices of the section were made: nested CV, a reserved split, or this same CV. */
  defaults: string;
}

/** Marks a section written by this version of the bench (run.ts flags sections without it). */
export const SECTION_FORMAT_MARK = '<!-- bench-section-format: 2 -->';

export function protocolHeader(p: SectionProtocol): string {
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  const partial = p.seeds.length < p.defaultSeeds.length || p.folds !== p.defaultFolds;
  const lines = [
    SECTION_FORMAT_MARK,
    `**Protocol.** ${p.protocol}; ${p.folds} folds, seed${p.seeds.length > 1 ? 's' : ''} ${p.seeds.join(', ')}${same(p.seeds, p.defaultSeeds) ? ' (the section’s default)' : ''}. Each row’s seeds column names the seeds it was measured over.`,
  ];
  if (partial) {
    lines.push(
      '',
      `**Partial run.** The section’s default is ${p.defaultFolds} folds × seeds ${p.defaultSeeds.join(', ')}; this run used ${p.folds} folds × seeds ${p.seeds.join(', ')}, so its figures are not those of a full run.`,
    );
  }
  lines.push('', '**Chosen by looking at the scored samples** (rows that use these are optimistic):', ...p.chosenOnScored.map((c) => `- ${c}`));
  lines.push('', `**Default choices.** ${p.defaults.charAt(0).toUpperCase()}${p.defaults.slice(1)}`);
  return lines.join('\n');
}

/**
 * Whether a cue lexicon was written by reading the dev data, from its own file: an explicit
 * `"readDevData": true|false` decides; without it, a description that calls the lexicon clean-room or
 * says it was written without reading the dev data counts as not read, and anything else as read —
 * the conservative reading. `about` is the lexicon's own description, quoted in section headers.
 */
export async function lexiconProvenance(task: Task): Promise<{ path: string; readDevData: boolean; about: string }> {
  const path = `lexicons/${task}.json`;
  try {
    const json = JSON.parse(await readFile(join(ROOT, path), 'utf8')) as { about?: unknown; readDevData?: unknown };
    const about = typeof json.about === 'string' ? json.about : '';
    const saysClean = /clean-room|without reading the dev/i.test(about);
    return { path, readDevData: typeof json.readDevData === 'boolean' ? json.readDevData : !saysClean, about };
  } catch {
    return { path, readDevData: false, about: '(no lexicon file)' };
  }
}
