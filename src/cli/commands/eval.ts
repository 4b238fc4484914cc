// `ecommir eval`: score a prediction file against gold labels, per task and pooled (the
// challenge's official score is the pooled weighted F1).
import type { Command } from 'commander';
import type { CommandContext } from '../main.js';
import { loadSamples } from '../../data/load.js';
import { readPredictionList } from '../../data/submission.js';
import { evaluatePredictions, type Evaluation, type TaskEvaluation } from '../../eval/evaluate.js';
import { formatEvaluation } from '../../eval/report-text.js';
import { Taxonomy } from '../../labels/taxonomy.js';
import type { Task } from '../../types.js';

function taskJson(e: TaskEvaluation | undefined) {
  if (!e) return null;
  return {
    n: e.n,
    weightedF1: e.weightedF1,
    macroF1: e.macroF1,
    microF1: e.microF1,
    accuracy: e.accuracy,
    perClass: e.report,
    confusion: e.confusion,
  };
}

export function registerEvalCommand(program: Command, ctx: CommandContext): void {
  program
    .command('eval')
    .description(
      'Score predictions against gold labels: weighted/macro/micro F1 and accuracy per task and pooled ' +
        '(identical to scikit-learn; the official challenge score is the pooled weighted F1), with per-class reports.',
    )
    .requiredOption('--gold <file>', 'gold samples with labels: challenge JSON, or native JSON / JSONL')
    .requiredOption('--pred <file>', 'predictions: submission CSV (id,…,predict), or JSON / JSONL of {id, label}')
    .option('--json', 'print {"scene": …, "intent": …, "all": …} as JSON (a task with no samples is null)')
    .option('--ignore-extra', 'ignore predictions whose id is not in the gold file (default: an error)')
    .option('--taxonomy <files...>', 'label sets of your own (one file per task): gold labels outside them are refused (default: the shipped ones)')
    .action(async (options: { gold: string; pred: string; json?: boolean; ignoreExtra?: boolean; taxonomy?: string[] }) => {
      const taxonomies: Partial<Record<Task, Taxonomy>> = {};
      for (const path of options.taxonomy ?? []) {
        const taxonomy = await Taxonomy.load(path);
        taxonomies[taxonomy.task] = taxonomy;
      }
      const { samples, file } = await loadSamples(options.gold, { taxonomies });
      const predicted = await readPredictionList(options.pred);
      const labelSets = { scene: (taxonomies.scene ?? Taxonomy.default('scene')).labels, intent: (taxonomies.intent ?? Taxonomy.default('intent')).labels };
      const evaluation = evaluatePredictions(samples, predicted, {
        extraPredictions: options.ignoreExtra ? 'ignore' : 'error',
        labelSets,
        goldFile: file,
        predFile: options.pred,
      });
      if (options.json) {
        const out = {
          scene: taskJson(evaluation.scene),
          intent: taskJson(evaluation.intent),
          all: taskJson(evaluation.all),
          ignoredPredictionIds: evaluation.ignoredPredictionIds,
          outsideLabelSet: evaluation.outsideLabelSet,
        };
        process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      } else {
        process.stdout.write(formatEvaluation(evaluation));
      }
      warnOutsideLabelSet(evaluation.outsideLabelSet, options.taxonomy !== undefined);
      ctx.exitCode = 0;
    });
}

/** Predicted labels that no gold sample can have are misses like any other, but usually a sign of a wrong file or label set. */
function warnOutsideLabelSet(outside: Evaluation['outsideLabelSet'], ownTaxonomy: boolean): void {
  if (outside.length === 0) return;
  const labels = [...new Set(outside.map((o) => `${o.task} "${o.label}"`))];
  const shown = labels.slice(0, 5).join(', ') + (labels.length > 5 ? `, … (${labels.length} labels in all)` : '');
  process.stderr.write(
    `ecommir: warning: ${outside.length} prediction(s) have a label outside their task's label set, scored as wrong (first: id ${outside[0].id}): ${shown}` +
      (ownTaxonomy ? '\n' : '; for a label set of your own, pass --taxonomy FILE\n'),
  );
}
