// `ecommir features extract`: fill the feature cache for every image of a data file.
// Interruption-safe and resumable: entries are written atomically, and a rerun skips them.
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { EcommirError } from '../../errors.js';
import { FeatureCache } from '../../features/cache.js';
import { extractAll, listDatasetImages, type ExtractOptions, type ExtractRunSummary } from '../../features/extract.js';
import { threadsPerWorker } from '../../runtime/batch-predict.js';
import { extractAllInPool } from '../../runtime/feature-pass.js';
import { OcrEngine } from '../../vision/ocr.js';
import type { CommandContext } from '../main.js';

interface ExtractCliOptions {
  data: string;
  images?: string;
  augment: string;
  embedding: boolean;
  layout: boolean;
  concurrency?: string;
  threads?: string;
  detSide: string;
  limit?: string;
  progress: boolean;
}

export function registerFeaturesCommand(program: Command, ctx: CommandContext): void {
  const features = program.command('features').description('Image features (OCR, layout, embeddings) and their cache.');
  features
    .command('extract')
    .description('Compute and cache OCR lines, layout vectors and image embeddings for every image of a data file.')
    .requiredOption('--data <file>', 'challenge JSON (or JSONL) data file')
    .option('--images <dir>', 'folder holding the images the records name (default: images/ next to the data file)')
    .option('--augment <n>', 'also embed N TrivialAugment copies per image (seeds 1..N)', '0')
    .option('--no-embedding', 'skip image embeddings')
    .option('--no-layout', 'skip layout vectors')
    .option('--concurrency <n>', `worker processes, one image each at a time (1: in this process); default the cores (${availableParallelism()})`)
    .option('--threads <n>', 'ONNX threads per OCR session (default: the cores / --concurrency)')
    .option('--det-side <px>', 'OCR detection resolution (longest side)', '960')
    .option('--limit <n>', 'only the first N images (smoke runs)')
    .option('--no-progress', 'no progress lines on stderr')
    .action(async (opts: ExtractCliOptions) => {
      const augmentCopies = positiveInt(opts.augment, '--augment', true);
      const concurrency = opts.concurrency === undefined ? availableParallelism() : positiveInt(opts.concurrency, '--concurrency');
      const threads = opts.threads === undefined ? threadsPerWorker(concurrency) : positiveInt(opts.threads, '--threads');
      const maxSide = positiveInt(opts.detSide, '--det-side');
      let jobs = await listDatasetImages(opts.data, opts.images ?? join(dirname(opts.data), 'images'));
      if (opts.limit !== undefined) jobs = jobs.slice(0, positiveInt(opts.limit, '--limit'));
      const cache = new FeatureCache();
      if (concurrency > 1) {
        process.stderr.write(`features extract: ${jobs.length} images, cache ${cache.dir}, ${JSON.stringify({ augmentCopies, embedding: opts.embedding, layout: opts.layout, concurrency, threads, maxSide })}\n`);
        const args = jobs.map((job) => ({ ref: job.ref, item: job.item, layout: opts.layout, embedding: opts.embedding, augmentCopies: opts.embedding ? augmentCopies : 0, maxSide, threads }));
        const run = await extractAllInPool(args, { concurrency, threads, progress: opts.progress });
        ctx.exitCode = report({ images: jobs.length, failed: run.failed, elapsedMs: run.elapsedMs, cache: run.cache }, cache.dir);
        return;
      }
      const extractOptions: ExtractOptions = { cache, ocr: await OcrEngine.create({ threads, maxSide }) };
      if (opts.layout) extractOptions.layout = (await import('../../vision/layout.js')).layoutExtractor;
      if (opts.embedding) {
        extractOptions.embedding = await (await import('../../vision/embedding.js')).embeddingExtractor();
        if (augmentCopies > 0) {
          extractOptions.augmentCopies = augmentCopies;
          extractOptions.augment = (await import('../../vision/augment.js')).trivialAugmentCopy;
        }
      }
      process.stderr.write(`features extract: ${jobs.length} images, cache ${cache.dir}, ${JSON.stringify({ augmentCopies, embedding: opts.embedding, layout: opts.layout, concurrency, threads, maxSide })}\n`);
      const summary = await extractAll(jobs, { ...extractOptions, concurrency, progress: opts.progress });
      ctx.exitCode = report(summary, cache.dir);
    });
}

/** Prints the failures and the one-line JSON summary; the exit code. */
function report(summary: Pick<ExtractRunSummary, 'images' | 'elapsedMs' | 'cache'> & { failed: { message: string }[] }, dir: string): number {
  for (const f of summary.failed) process.stderr.write(`failed: ${f.message}\n`);
  const perImage = summary.images ? summary.elapsedMs / summary.images : 0;
  process.stdout.write(
    `${JSON.stringify({ images: summary.images, failed: summary.failed.length, elapsedMs: Math.round(summary.elapsedMs), msPerImage: Math.round(perImage), cache: { dir, ...summary.cache } })}\n`,
  );
  return summary.failed.length ? 1 : 0;
}

function positiveInt(value: string, flag: string, allowZero = false): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) {
    throw new EcommirError('ECM_ERR_BAD_OPTION', `${flag} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${JSON.stringify(value)}`);
  }
  return n;
}
