// The honest estimate of the shipped recipe of each task, written to bench/results.json (merged per
// task, so a scene rerun leaves the intent part in place; `all` is pooled only from fresh parts, see
// src/eval/results-file.ts). The intent part is written by the intent-honest section. Each task's entry
// in ESTIMATES says how it is measured; a helper who changes a task's recipe changes its entry here.
import { join } from 'node:path';
import type { Estimate } from '../../src/eval/cross-validate.js';
import { readResultsFile, recordTaskResult, type ResultsFile } from '../../src/eval/results-file.js';
import type { Sample, Task } from '../../src/types.js';
import type { BenchContext } from '../run.js';
import { benchDependencies, cvTable, f4, lexiconProvenance, ROOT, type CvRow } from './common.js';
import { sceneShippedRow } from './scene.js';

export const RESULTS_JSON = join(ROOT, 'bench', 'results.json');

/** One task's measured estimate, ready for bench/results.json. */
export interface TaskEstimateRun {
  row: CvRow;
  samples: readonly Sample[];
  estimate: Estimate;
  recipe: string;
  protocol: string;
  folds?: number;
  details?: Record<string, unknown>;
  /** What the figure depends on; hashed into the part (its cache key uses the same paths). */
  paths: string[];
  extra: string;
}

/**
 * Tasks whose part of bench/results.json this section measures. The intent part is written by the
 * `intent-honest` section (bench/sections/intent-honest.ts: nested CV of the shipped intent recipe,
 * knowledge transfer, reserved holdout); this section reports it. A task's entry says how it is measured.
 */
export const ESTIMATES: Partial<Record<Task, (ctx: BenchContext) => Promise<TaskEstimateRun>>> = {
  async scene(ctx) {
    const { row, samples, seeds } = await sceneShippedRow(ctx);
    const lexicon = await lexiconProvenance('scene');
    const optimistic = [
      lexicon.readDevData ? `the cue lexicon (${lexicon.path}) was written after reading dev OCR text` : '',
      'the fusion, head settings and checkpoints were chosen by this same CV (not nested)',
    ].filter(Boolean);
    return {
      row: { ...row, name: 'scene: shipped configuration, plain CV' },
      samples,
      estimate: row.cv,
      recipe: 'shipped',
      protocol: `${ctx.folds}-fold stratified CV of the shipped configuration over the ${samples.length} dev scene samples, seeds ${seeds.join(',')}. Optimistic: ${optimistic.join('; ')}.`,
      folds: ctx.folds,
      details: { optimistic },
      paths: benchDependencies('scene'),
      extra: JSON.stringify({ recipe: 'scene shipped plain CV', folds: ctx.folds, seeds }),
    };
  },
};

export async function runEstimateBench(ctx: BenchContext): Promise<string> {
  const tasks = ctx.estimateTasks ?? (Object.keys(ESTIMATES) as Task[]);
  const rows: CvRow[] = [];
  let written: ResultsFile | undefined = await readResultsFile(RESULTS_JSON);
  for (const task of tasks) {
    const measure = ESTIMATES[task];
    if (!measure) throw new Error(`the ${task} part of bench/results.json is written by another section (intent: --sections intent-honest)`);
    const run = await measure(ctx);
    rows.push(run.row);
    written = await recordTaskResult(
      RESULTS_JSON,
      { task, recipe: run.recipe, protocol: run.protocol, estimate: run.estimate, samples: run.samples, folds: run.folds, details: run.details, dependencies: { paths: run.paths, extra: run.extra } },
      { root: ROOT },
    );
    ctx.log(`  ${task}: ${f4(run.estimate.mean.weightedF1)} → bench/results.json`);
  }
  if (!written) throw new Error('bench/results.json is missing and this run measured nothing');
  const r = written;
  const line = (task: Task) => {
    const p = r[task];
    if (!p) return `- **${task}**: not recorded yet (\`npm run bench -- --sections ${task === 'intent' ? 'intent-honest' : 'estimate'}\`).`;
    return `- **${task}**: weighted F1 **${f4(p.weightedF1)}** (seeds ${p.seeds.join(', ')}; measured ${p.date.slice(0, 10)}, commit ${p.commit.slice(0, 12)})${p.stale ? ` — **stale**: ${p.stale}` : ''}. ${p.protocol}`;
  };
  return [
    '<!-- bench-section-format: 2 -->',
    'What `bench/results.json` holds now (this run measured: ' + (tasks.join(', ') || 'nothing') + '; the intent part comes from the `intent-honest` section). Each part records its protocol, seeds, folds, date,',
    'commit and a content hash of what it depends on (data, knowledge, code, libraries, configuration); `all` is the challenge’s pooled',
    'score (weighted F1 over the union of scene and intent samples), computed only from two fresh parts of the same recipe and otherwise',
    'marked missing.',
    '',
    line('scene'),
    line('intent'),
    `- **all**: ${r.all.weightedF1 === null ? `missing — ${r.all.missing}` : `weighted F1 **${f4(r.all.weightedF1)}** over ${r.all.n} samples (seeds ${r.all.seeds!.join(', ')})`}`,
    ...(r.all.holdout
      ? [
          `- **all, reserved holdouts**: weighted F1 **${f4(r.all.holdout.weightedF1)}** over ${r.all.holdout.n} samples (scene ${r.scene!.holdout!.n}, intent ${r.intent!.holdout!.n}). The strictest figure: no choice — features, learner, knowledge weights — ever looked at these samples. It is small (wide error bars) and, like every figure here, comes from the dev distribution: earlier probes scored 0.08–0.09 lower on unseen challenge samples than in dev CV (../shared/docs/FINDINGS.md), so expect the unseen score below both figures.`,
        ]
      : []),
    '',
    'Each part says in its protocol what, if anything, makes it optimistic.',
    '',
    ...(rows.length ? [cvTable(rows)] : []),
  ].join('\n');
}
