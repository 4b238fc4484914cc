// Shared by the bench sections: the dev data, and markdown tables of cross-validation results.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSamples } from '../../src/data/load.js';
import type { CrossValidationResult } from '../../src/eval/cross-validate.js';
import type { Sample } from '../../src/types.js';

export const DEV_JSON = fileURLToPath(new URL('../../../shared/data/www2025-mir/train.json', import.meta.url));

let cached: Sample[] | undefined;
export async function devSamples(): Promise<Sample[]> {
  cached ??= (await loadSamples(DEV_JSON)).samples;
  return cached;
}

export const f4 = (x: number): string => x.toFixed(4);

export interface CvRow {
  name: string;
  cv: CrossValidationResult;
  seconds: number;
  note?: string;
}

export function cvTable(rows: readonly CvRow[]): string {
  const lines = [
    '| configuration | weighted F1 (mean ± sd over seeds) | macro F1 | coarse weighted F1 | coarse macro F1 | per seed | time |',
    '|---|---|---|---|---|---|---:|',
  ];
  for (const r of rows) {
    const c = r.cv;
    lines.push(
      `| ${r.name} | **${f4(c.mean.weightedF1)}** ± ${f4(c.std.weightedF1)} | ${f4(c.mean.macroF1)} | ${f4(c.mean.coarseWeightedF1)} | ${f4(c.mean.coarseMacroF1)} | ${c.seedWeightedF1.map((x) => x.toFixed(3)).join(' ')} | ${r.seconds.toFixed(0)} s |`,
    );
  }
  return lines.join('\n');
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

/** ECE (15 bins) of out-of-fold predictions, and coverage/accuracy when answers below a threshold go to a person. */
export function calibrationTable(predictions: readonly Prediction[], gold: readonly string[], labels: readonly string[]): string {
  const k = labels.length;
  const index = new Map(labels.map((l, i) => [l, i]));
  const proba = new Float32Array(predictions.length * k);
  predictions.forEach((p, i) => p.ranked.forEach((r) => (proba[i * k + index.get(r.label)!] = r.confidence)));
  const { ece } = expectedCalibrationError(proba, Int32Array.from(gold, (g) => index.get(g)!), k);
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

/**
 * A cross-validation result stored under a key (the configuration and the seeds), so that two sections
 * running side by side, or a rerun, share a long measurement instead of repeating it. Delete
 * bench/results/cv-cache/ to measure afresh.
 */
export async function cachedCv(key: string, compute: () => Promise<CrossValidationResult>): Promise<CrossValidationResult> {
  const file = cacheFile(key);
  const hit = await readCachedCv(key);
  if (hit) return hit;
  {
    const cv = await compute();
    await mkdir(CV_CACHE, { recursive: true });
    await writeFile(file, JSON.stringify(cv));
    return cv;
  }
}

/** A stored result, if there is one. */
export async function readCachedCv(key: string): Promise<CrossValidationResult | undefined> {
  try {
    return JSON.parse(await readFile(cacheFile(key), 'utf8')) as CrossValidationResult;
  } catch {
    return undefined;
  }
}

function cacheFile(key: string): string {
  return join(CV_CACHE, `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`);
}
