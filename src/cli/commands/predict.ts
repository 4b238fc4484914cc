// `ecommir predict`: classify every sample of a file with the shipped (or given) models and write a
// challenge submission CSV, or JSON/JSONL with the full ranked predictions. Predictions are written
// as they are made to `<out>.partial.jsonl`, so a run stopped by a bad sample or a signal keeps them.
import { appendFile, rm, writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import type { CommandContext } from '../main.js';
import { EcommirError } from '../../errors.js';
import { checkSample, checkSampleText } from '../../data/input-limits.js';
import { loadSamples } from '../../data/load.js';
import { problemFromError } from '../../data/problem.js';
import { formatFromPath, writePredictions, type PredictionFormat } from '../../data/submission.js';
import { cacheDir } from '../../features/cache.js';
import { Progress } from '../../features/progress.js';
import { createRecognizers } from '../../backends/select.js';
import { addBackendOptions, backendSelection, type BackendFlags } from '../backend-options.js';
import type { Prediction } from '../../types.js';

export interface PredictFlags extends BackendFlags {
  data: string;
  images?: string;
  out: string;
  format?: PredictionFormat;
  sceneModel?: string;
  intentModel?: string;
  skipBad?: boolean;
  progress: boolean;
}

export function registerPredictCommand(program: Command, ctx: CommandContext): void {
  const command = program
    .command('predict')
    .description('Classify every sample of a data file and write the predictions (challenge submission CSV, or JSON/JSONL with the full ranked predictions).')
    .requiredOption('--data <file>', 'challenge JSON, or native JSON / JSONL')
    .option('--images <dir>', 'folder the image names are resolved against (default: images/ next to the data file)')
    .requiredOption('--out <file>', 'where to write the predictions')
    .addOption(new Option('--format <format>', 'output format (default: from the --out extension, else csv)').choices(['csv', 'json', 'jsonl']))
    .option('--scene-model <dir>', 'scene model folder (default: the shipped models/scene)')
    .option('--intent-model <dir>', 'intent model folder (default: the shipped models/intent)')
    .option('--skip-bad', 'report bad records and predict the rest (their rows are left out)')
    .option('--no-progress', 'no progress line on stderr');
  addBackendOptions(command).action(async (flags: PredictFlags) => {
    ctx.exitCode = await predict(flags);
  });
}

async function predict(flags: PredictFlags): Promise<number> {
  const format = flags.format ?? formatFromPath(flags.out);
  const loaded = await loadSamples(flags.data, { imagesDir: flags.images, checkImages: true, skipBad: flags.skipBad });
  for (const p of loaded.problems) process.stderr.write(`ecommir: skipped ${p.message}\n`);
  // The input limits of the HTTP API, with the same errors: text first (cheap), image headers per sample.
  const problems = [...loaded.problems];
  const samples = loaded.samples.filter((sample) => {
    try {
      checkSampleText(sample);
      return true;
    } catch (err) {
      if (!flags.skipBad || !(err instanceof EcommirError)) throw err;
      process.stderr.write(`ecommir: skipped ${err.message}\n`);
      problems.push(problemFromError(err));
      return false;
    }
  });
  const recognizers = await createRecognizers(backendSelection(flags, { sceneModel: flags.sceneModel, intentModel: flags.intentModel }));
  for (const task of new Set(samples.map((s) => s.task))) {
    if (!recognizers[task]) throw new EcommirError('ECM_ERR_NO_MODEL', `the data has ${task} samples but no ${task} model was found (pass --${task}-model DIR)`, { statusCode: 503 });
  }
  const images = samples.filter((s) => s.task === 'scene').length + samples.filter((s) => s.task === 'intent' && s.images.length > 0 && recognizers.intent && 'usesImages' in recognizers.intent && recognizers.intent.usesImages).length;
  if (images > 0 && flags.progress) {
    // Said before the long part starts: a first run reads every image with OCR, which dominates the time.
    process.stderr.write(
      `ecommir: ${samples.length} samples, ${images} of them read from images: a first run reads each image with OCR ` +
        `(about 0.5–1 s an image on 2 free cores, so about ${Math.max(1, Math.round(images * 0.75 / 60))} min for these); ` +
        `the features are cached (${cacheDir()}), so a second run is quick\n`,
    );
  }
  const partial = `${flags.out}.partial.jsonl`;
  await writeFile(partial, '');
  const progress = new Progress({ total: samples.length, label: 'predict', enabled: flags.progress });
  const predictions: Prediction[] = [];
  for (const sample of samples) {
    const recognizer = recognizers[sample.task]!;
    await checkSample(sample);
    const prediction = await recognizer.predict(sample);
    predictions.push(prediction);
    await appendFile(partial, JSON.stringify(prediction) + '\n');
    progress.tick();
  }
  progress.finish();
  await writePredictions(flags.out, samples, predictions, format);
  await rm(partial, { force: true });
  const counts = ['scene', 'intent'].map((t) => `${predictions.filter((p) => p.task === t).length} ${t}`).join(', ');
  process.stderr.write(`ecommir: wrote ${predictions.length} predictions (${counts}) to ${flags.out}\n`);
  return problems.length > 0 ? 1 : 0;
}
