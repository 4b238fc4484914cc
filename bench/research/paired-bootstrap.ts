// Paired bootstrap of two out-of-fold prediction files (bench/results/oof/*.json, same task and
// samples): how much of a weighted-F1 difference between two recipes is resampling noise. The two
// files must cover the same ids; samples are resampled with replacement, both recipes scored on the
// same resample, so what is shared (hard samples, label mix) cancels out.
// Usage: node --import tsx bench/research/paired-bootstrap.ts A.json B.json [resamples] [seed]
import { readFileSync } from 'node:fs';
import { f1Score } from '../../src/eval/metrics.js';
import type { OofFile as SectionOofFile } from '../../src/eval/results-file.js';
import { argmaxRows } from '../../src/learn/head.js';
import { createRng } from '../../src/learn/random.js';
// Interpolated quantiles, as every bench section reports them (before 2026-12-02 evening: nearest rank, 4th-decimal differences).
import { quantile } from '../sections/common.js';

// What is compared: the sections' out-of-fold file (src/eval/results-file.ts), whose task a screen file may not name.
type OofFile = Pick<SectionOofFile, 'ids' | 'gold' | 'seedLabels'> & { task: string };

// Two formats: the bench sections' files (predicted labels per seed) and the screens' files (bench/research/
// intent-screen.ts: class probabilities averaged over the seeds, whose arg-max is scored as one prediction).
const read = (file: string): OofFile => {
  let raw: Partial<OofFile> & { labels?: string[]; proba?: number[][]; spec?: unknown };
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: cannot read it as JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(raw.ids) || !Array.isArray(raw.gold)) throw new Error(`${file}: not an out-of-fold file (no ids and gold)`);
  if (Array.isArray(raw.seedLabels)) return raw as OofFile;
  if (Array.isArray(raw.proba) && Array.isArray(raw.labels)) {
    const labels = raw.labels;
    const best = argmaxRows(raw.proba.flat(), raw.proba.length, labels.length);
    return { task: raw.task ?? (raw.spec ? 'intent' : 'unknown'), ids: raw.ids, gold: raw.gold, seedLabels: [Array.from(best, (c) => labels[c])] };
  }
  throw new Error(`${file}: has neither seedLabels nor labels + proba`);
};

const [fileA, fileB, resamplesArg, seedArg] = process.argv.slice(2);
if (!fileA || !fileB) throw new Error('usage: paired-bootstrap.ts A.json B.json [resamples] [seed]');
const a = read(fileA);
const b = read(fileB);
if (a.task !== b.task) throw new Error(`${fileA} is ${a.task}, ${fileB} is ${b.task}`);
const rowOfB = new Map(b.ids.map((id, i) => [id, i]));
const rows = a.ids.map((id, i) => {
  const j = rowOfB.get(id);
  if (j === undefined) throw new Error(`${id} is in ${fileA}, not in ${fileB}`);
  if (a.gold[i] !== b.gold[j]) throw new Error(`${id}: the two files disagree on the gold label`);
  return j;
});
if (rows.length !== b.ids.length) throw new Error(`${fileB} has ${b.ids.length - rows.length} ids that ${fileA} lacks`);

// Seeds present in both files are paired seed by seed; the figure is the mean over them.
const seeds = Math.min(a.seedLabels.length, b.seedLabels.length);
const n = a.ids.length;
const score = (pick: number[], predA: string[], predB: string[]) => {
  const gold = pick.map((i) => a.gold[i]);
  const fa = f1Score(gold, pick.map((i) => predA[i]), { average: 'weighted' });
  const fb = f1Score(gold, pick.map((i) => predB[rows[i]]), { average: 'weighted' });
  return fb - fa;
};
const all = Array.from({ length: n }, (_, i) => i);
const observed = Array.from({ length: seeds }, (_, s) => score(all, a.seedLabels[s], b.seedLabels[s])).reduce((x, y) => x + y, 0) / seeds;
const rng = createRng(Number(seedArg ?? 0));
const resamples = Number(resamplesArg ?? 2000);
const deltas: number[] = [];
for (let r = 0; r < resamples; r++) {
  const pick = Array.from({ length: n }, () => rng.int(n));
  let sum = 0;
  for (let s = 0; s < seeds; s++) sum += score(pick, a.seedLabels[s], b.seedLabels[s]);
  deltas.push(sum / seeds);
}
const disagree = all.filter((i) => a.seedLabels[0][i] !== b.seedLabels[0][rows[i]]).length;
console.log(
  `B − A weighted F1: ${observed.toFixed(4)} (95% interval ${quantile(deltas, 0.025).toFixed(4)} … ${quantile(deltas, 0.975).toFixed(4)}; ` +
    `B better in ${((100 * deltas.filter((d) => d > 0).length) / resamples).toFixed(1)}% of ${resamples} resamples; ` +
    `${n} samples, ${seeds} paired seed(s); the two disagree on ${disagree})`,
);
