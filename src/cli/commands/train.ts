// `ecommir train scene|intent`: fit a recogniser on labelled data, print its validation scores
// (best single checkpoint, uniform soup, greedy soup) and, with --cv, its cross-validated score.
import { Argument, Option, type Command } from 'commander';
import { loadSamples } from '../../data/load.js';
import { skippedRecord, type Problem } from '../../data/problem.js';
import { EcommirError } from '../../errors.js';
import { Taxonomy } from '../../labels/taxonomy.js';
import type { SoupMode } from '../../tasks/train-head.js';
import { formatCrossValidation, formatTrainingReport, trainRecognizer } from '../../tasks/train.js';
import type { Task } from '../../types.js';
import type { CommandContext } from '../main.js';
import { addDataFile, dataFileOf, type WithOptionalData } from '../data-file.js';
import { Progress } from '../../features/progress.js';
import { DEFAULT_SCENE_KNOWLEDGE, sceneKnowledgeRows } from '../../tasks/scene/knowledge.js';
import type { SceneKnowledgeRows } from '../../tasks/scene/recognizer.js';
import type { IntentTrainingOptions } from '../../tasks/intent/recognizer.js';
import { defaultIntentOptions, HANDWRITTEN_WEIGHTS, KNOWLEDGE_WEIGHT } from '../../tasks/intent/default-recipe.js';
import { describeMerge, mergeFeedback } from '../../feedback/merge.js';
import { parseRecordsText } from '../../data/load.js';
import { readInputText } from '../../data/read-file.js';
import { MODEL_CARD_FILE, MODEL_FILE } from '../../tasks/model-file.js';
import { checkOutFolder } from '../out-path.js';
import type { Sample } from '../../types.js';

/** Reads an export of `ecommir feedback export` and merges it with the data file's samples. */
async function mergeFeedbackFile(task: Task, data: Sample[], file: string, skipBad: boolean | undefined, taxonomy: Taxonomy | undefined) {
  // Checked against --taxonomy here, so that a label outside it is named by its record in this file.
  const loaded = await loadSamples(file, { checkImages: task === 'scene', skipBad, taxonomies: taxonomy ? { [task]: taxonomy } : undefined });
  for (const p of loaded.problems) process.stderr.write(`ecommir: skipped ${p.message}\n`);
  const records = parseRecordsText(await readInputText(file, 'the feedback file'), file) as { labelledAt?: unknown }[];
  const at = loaded.samples.map((s) => Date.parse(String(records[s.index]?.labelledAt ?? '')));
  return { ...(await mergeFeedback(task, data, loaded.samples, at, file)), problems: loaded.problems };
}
import { sceneFeaturePass } from '../../runtime/feature-pass.js';
import { availableParallelism } from 'node:os';
import { intOption, MAX_AUGMENT_COPIES, numberOption } from '../number-option.js';

/** The command as a shell would take it back: arguments with spaces or quotes are single-quoted. */
export function commandLine(argv: readonly string[]): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['ecommir', ...argv].map(quote).join(' ');
}

/**
 * The built-in knowledge speaks of the shipped labels. With a label set of one's own (--taxonomy), the
 * knowledge of its labels is used and the rest left out, rather than refused as unknown labels.
 */
function withinTaxonomy<T extends { label?: string }>(rows: readonly T[], taxonomy: Taxonomy, log: (line: string) => void): T[] {
  const kept = rows.filter((r) => r.label !== undefined && taxonomy.has(r.label));
  if (kept.length < rows.length) log(`knowledge: ${kept.length} of ${rows.length} rows are of labels in ${taxonomy.source}; the rest is left out`);
  return kept;
}

function intentKnowledgeWithin(options: IntentTrainingOptions, taxonomy: Taxonomy | undefined, log: (line: string) => void): IntentTrainingOptions {
  if (!taxonomy) return options;
  return {
    ...options,
    ...(options.knowledge ? { knowledge: withinTaxonomy(options.knowledge, taxonomy, log) } : {}),
    ...(options.knowledgeSets ? { knowledgeSets: options.knowledgeSets.map((set) => ({ ...set, samples: withinTaxonomy(set.samples, taxonomy, log) })) } : {}),
  };
}

const MIN_TRAINING_SAMPLES = 3;

interface TrainFlags {
  data: string;
  images?: string;
  out: string;
  cv?: string;
  seeds: string;
  soup: SoupMode;
  augment: string;
  denoise: boolean;
  knowledge: boolean;
  knowledgeWeight?: string;
  handwrittenWeight?: string;
  legacyHead?: boolean;
  unlabeled?: string;
  pseudoThreshold: string;
  taxonomy?: string;
  skipBad?: boolean;
  json?: boolean;
  knowledgeImages: string;
  knowledgeTexts: string;
  feedback?: string;
  concurrency?: string;
}

export function registerTrainCommand(program: Command, ctx: CommandContext): void {
  addDataFile(
    program
      .command('train')
      .description('Train a recogniser on labelled samples and write the model folder (model.json + MODEL_CARD.md).')
      .addArgument(new Argument('<task>', 'which recogniser').choices(['scene', 'intent'])),
    'labelled samples: challenge JSON, or native JSON / JSONL with labels',
  )
    .option('--images <dir>', 'folder the image names are resolved against (default: images/ next to the data file, else the data file’s folder)')
    .requiredOption('--out <dir>', 'model folder to write')
    .option('--cv <k>', 'also report k-fold cross-validated F1 (features fitted inside each fold)')
    .option('--seeds <list>', 'seeds for --cv, comma-separated', '0')
    .addOption(new Option('--soup <mode>', 'with --legacy-head: which checkpoint combination the model uses').choices(['single', 'uniform', 'greedy']).default('greedy'))
    .option('--augment <n>', 'scene: TrivialAugment copies per training image for the embedding branch', '0')
    .option('--no-denoise', 'intent: skip the multi-level dialogue denoising (ablation)')
    .option('--no-knowledge', 'train on the data file only, without the synthetic knowledge (ablation)')
    .option('--knowledge-weight <w>', `sample weight of each knowledge row (scene default ${DEFAULT_SCENE_KNOWLEDGE.weight}; intent: each template-generated dialogue, default ${KNOWLEDGE_WEIGHT})`)
    .option('--handwritten-weight <w>', `intent: sample weight of each hand-written dialogue of knowledge/intent-dialogues (0 leaves them out)`, String(HANDWRITTEN_WEIGHTS[0]))
    .option('--legacy-head', 'intent: the earlier recipe (user turns + cue lexicon, souped softmax head), no knowledge; scene: the souped softmax head instead of the default learner (a stack of a linear SVM and nearest neighbours)')
    .option('--unlabeled <file>', 'unlabelled samples to pseudo-label (two predictors must agree and be confident)')
    .option('--pseudo-threshold <p>', 'confidence a pseudo-label needs', '0.99')
    .option('--taxonomy <file>', 'a taxonomy file replacing the default label set')
    .option('--knowledge-images <n>', 'scene: synthetic screenshots per label rendered from knowledge/scene/ and read by the OCR', String(DEFAULT_SCENE_KNOWLEDGE.images))
    .option('--knowledge-texts <n>', 'scene: synthetic page texts per label (text-only rows)', String(DEFAULT_SCENE_KNOWLEDGE.texts))
    .option('--feedback <file>', 'corrections from `ecommir feedback export`, merged with --data (same content: the newest human label wins)')
    .option('--concurrency <n>', `scene: worker processes reading the images first (1: in this process); default the cores (${availableParallelism()})`)
    .option('--skip-bad', 'report bad records and train on the rest (the model is written; exit code 1 when any was left out, as predict)')
    .option('--json', 'print the result as JSON')
    .action(async (task: Task, file: string | undefined, parsed: WithOptionalData<TrainFlags>) => {
      const flags: TrainFlags = { ...parsed, data: dataFileOf(file, parsed.data) };
      // No --cv: no cross-validation (0). Given, it must be a real fold count: --cv 0 is refused as 1 is.
      const cv = intOption(flags.cv, '--cv', { min: 2, fallback: 0 });
      const augment = intOption(flags.augment, '--augment', { min: 0, max: MAX_AUGMENT_COPIES });
      const threshold = numberOption(flags.pseudoThreshold, '--pseudo-threshold', { above: 0, max: 1 });
      const concurrency = intOption(flags.concurrency, '--concurrency', { fallback: availableParallelism() });
      const knowledgeWeight = numberOption(flags.knowledgeWeight, '--knowledge-weight', { above: 0, fallback: undefined });
      const handwrittenWeight = numberOption(flags.handwrittenWeight, '--handwritten-weight', { min: 0, fallback: HANDWRITTEN_WEIGHTS[0] });
      const knowledgeOptions = {
        images: intOption(flags.knowledgeImages, '--knowledge-images', { min: 0 }),
        texts: intOption(flags.knowledgeTexts, '--knowledge-texts', { min: 0 }),
        weight: knowledgeWeight ?? DEFAULT_SCENE_KNOWLEDGE.weight,
      };
      const seeds = flags.seeds.split(',').map((s) => Number(s));
      if (seeds.some((s) => !Number.isInteger(s))) throw new EcommirError('ECM_ERR_BAD_OPTION', `--seeds must be integers, got ${flags.seeds}`);

      const reads = [
        { path: flags.data, what: 'the data file' },
        ...(flags.feedback ? [{ path: flags.feedback, what: 'the --feedback file' }] : []),
        ...(flags.unlabeled ? [{ path: flags.unlabeled, what: 'the --unlabeled file' }] : []),
        ...(flags.taxonomy ? [{ path: flags.taxonomy, what: 'the --taxonomy file' }] : []),
      ];
      await checkOutFolder(flags.out, [MODEL_FILE, MODEL_CARD_FILE], reads);

      const taxonomy = flags.taxonomy ? await Taxonomy.load(flags.taxonomy, task) : undefined;
      const loaded = await loadSamples(flags.data, { imagesDir: flags.images, checkImages: task === 'scene', skipBad: flags.skipBad, taxonomies: taxonomy ? { [task]: taxonomy } : undefined });
      for (const p of loaded.problems) process.stderr.write(`ecommir: skipped ${p.message}\n`);
      // Every record --skip-bad left out, of every file read: listed by --json, and the exit code is 1 (as predict's).
      const skipped: Problem[] = [...loaded.problems];
      let samples = loaded.samples.filter((s) => s.task === task);
      const merged = flags.feedback ? await mergeFeedbackFile(task, samples, flags.feedback, flags.skipBad, taxonomy) : undefined;
      if (merged) {
        samples = merged.samples;
        skipped.push(...merged.problems);
        process.stderr.write(`ecommir: ${describeMerge(merged.report, task)}\n`);
      }
      if (samples.length === 0) throw new EcommirError('ECM_ERR_TOO_FEW_SAMPLES', `${flags.data} has no ${task} samples`);
      // The calibration and the stack each hold samples out: below three, a fold trains on one (the error
      // then spoke of "scored groups", which means nothing to someone training).
      if (samples.length < MIN_TRAINING_SAMPLES) throw new EcommirError('ECM_ERR_TOO_FEW_SAMPLES', `${flags.data} has ${samples.length} ${task} sample${samples.length === 1 ? '' : 's'}; training needs at least ${MIN_TRAINING_SAMPLES}`);
      // The same floor for each cross-validation fold's training part, named by the flag that sets it.
      const smallestFoldTraining = samples.length - Math.ceil(samples.length / Math.max(cv, 1));
      if (cv > samples.length) throw new EcommirError('ECM_ERR_BAD_OPTION', `--cv ${cv} makes more folds than the ${samples.length} ${task} samples: give fewer folds or leave --cv out`);
      if (cv > 1 && smallestFoldTraining < MIN_TRAINING_SAMPLES) {
        throw new EcommirError('ECM_ERR_BAD_OPTION', `--cv ${cv} on ${samples.length} ${task} samples trains a fold on ${smallestFoldTraining}; a fold needs at least ${MIN_TRAINING_SAMPLES}: give fewer folds or leave --cv out`);
      }
      // Without the knowledge, the data alone says which labels the model can answer: one label made a
      // model that answered it at 100 % whatever it was asked, and said nothing.
      if (!flags.knowledge) {
        const labelled = new Set(samples.map((s) => s.label));
        const all = (taxonomy ?? Taxonomy.default(task)).labels;
        if (labelled.size === 1) {
          throw new EcommirError('ECM_ERR_TOO_FEW_SAMPLES', `every ${task} sample of ${flags.data} is labelled ${[...labelled][0]}: a model needs samples of two labels at least (or the knowledge: leave out --no-knowledge)`);
        }
        const absent = all.filter((label) => !labelled.has(label));
        if (absent.length > 0) process.stderr.write(`ecommir: warning: ${absent.length} of ${all.length} ${task} labels have no sample in ${flags.data} (--no-knowledge), so the model will never answer them: ${absent.join(', ')}\n`);
      }
      let unlabelled: Sample[] | undefined;
      if (flags.unlabeled) {
        const loadedUnlabelled = await loadSamples(flags.unlabeled, { imagesDir: flags.images, skipBad: flags.skipBad });
        for (const p of loadedUnlabelled.problems) process.stderr.write(`ecommir: skipped ${p.message}\n`);
        skipped.push(...loadedUnlabelled.problems);
        unlabelled = loadedUnlabelled.samples.map((s) => ({ ...s, label: undefined }));
      }
      const log = (line: string) => process.stderr.write(`${line}\n`);
      // Scene knowledge (rendered on first use, then read from the cache) joins every training set.
      let knowledge: SceneKnowledgeRows | undefined;
      if (task === 'scene' && flags.knowledge && knowledgeOptions.images + knowledgeOptions.texts > 0) {
        log(`scene knowledge: ${knowledgeOptions.images} synthetic screenshots and ${knowledgeOptions.texts} page texts per label, weight ${knowledgeOptions.weight}`);
        knowledge = await sceneKnowledgeRows({ ...knowledgeOptions, progress: true });
        if (taxonomy) knowledge = { ...knowledge, images: withinTaxonomy(knowledge.images ?? [], taxonomy, log), texts: withinTaxonomy(knowledge.texts ?? [], taxonomy, log) };
      }
      let progress: Progress | undefined;
      const total = (samples.length + (knowledge?.images?.length ?? 0)) * (cv > 1 ? cv * seeds.length + 1 : 1);
      const onImage =
        task === 'scene'
          ? () => {
              progress ??= new Progress({ total, label: 'images' });
              progress.tick();
              if (progress.snapshot().done === total) progress.finish();
            }
          : undefined;

      const result = await trainRecognizer(samples, {
        task,
        scene: { soup: flags.soup, augmentCopies: augment, taxonomy, onImage, knowledge, ...(flags.legacyHead ? { learner: null } : {}) },
        intent: flags.legacyHead
          ? { soup: flags.soup, denoise: flags.denoise, taxonomy }
          : { ...intentKnowledgeWithin(defaultIntentOptions({ knowledge: flags.knowledge, knowledgeWeight, handwrittenWeight }), taxonomy, log), soup: flags.soup, denoise: flags.denoise, taxonomy },
        cv,
        cvSeeds: seeds,
        unlabelled,
        pseudoThreshold: threshold,
        out: flags.out,
        dataFile: flags.data,
        feedback: merged?.report,
        command: commandLine(ctx.argv ?? ['train', task]),
        log,
        sceneFeaturePass:
          concurrency > 1
            ? async (all, features) => {
                const pass = await sceneFeaturePass(all, features, { concurrency });
                // A bad image is reported by the training itself, naming its record.
                if (pass.failed.length) log(`feature pass: ${pass.failed.length} images failed; training will name them`);
              }
            : undefined,
      });
      if (flags.json) {
        process.stdout.write(
          JSON.stringify(
            { task, out: flags.out, feedback: merged?.report, validation: result.report, cv: result.cv && { ...result.cv, predictions: undefined, first: undefined }, pseudo: result.pseudo, seconds: result.seconds, skipped: skipped.map(skippedRecord) },
            null,
            2,
          ) + '\n',
        );
      } else {
        const lines = [...(result.report ? formatTrainingReport(result.report) : []), ...(result.cv ? formatCrossValidation(result.cv) : []), `model written to ${flags.out} (${result.seconds.toFixed(1)} s)`];
        process.stdout.write(lines.join('\n') + '\n');
      }
      if (skipped.length > 0) process.stderr.write(`ecommir: ${skipped.length} records skipped (listed above); the model was trained on the rest\n`);
      ctx.exitCode = skipped.length > 0 ? 1 : 0;
    });
}
