// `ecommir features extract`: fill the feature cache for every image of a data file.
// Interruption-safe and resumable: entries are written atomically, and a rerun skips them.
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { defaultImagesDir } from '../../data/challenge.js';
import type { Command } from 'commander';
import { FeatureCache } from '../../features/cache.js';
import { extractAll, listDatasetImages, type ExtractOptions, type ExtractRunSummary } from '../../features/extract.js';
import { MAX_VISION_THREADS, threadsPerWorker } from '../../vision/threads.js';
import { EcommirError } from '../../errors.js';
import { extractAllInPool } from '../../runtime/feature-pass.js';
import { DEFAULT_OCR_OPTIONS, OcrEngine } from '../../vision/ocr.js';
import type { CommandContext } from '../main.js';
import { addDataFile, dataFileOf, type WithOptionalData } from '../data-file.js';
import { intOption, MAX_AUGMENT_COPIES, workerCountOption } from '../number-option.js';

interface ExtractCliOptions {
  data: string;
  images?: string;
  augment: string;
  embedding: boolean;
  layout: boolean;
  ui: boolean;
  concurrency?: string;
  threads?: string;
  detSide: string;
  limit?: string;
  progress: boolean;
  json?: boolean;
}

export function registerFeaturesCommand(program: Command, ctx: CommandContext): void {
  const features = program.command('features').description('Image features (OCR, layout, embeddings) and their cache.');
  addDataFile(
    features
      .command('extract')
      .description('Compute and cache OCR lines, layout vectors and image embeddings for every image of a data file.'),
    'challenge JSON, or native JSON / JSONL',
  )
    .option('--images <dir>', 'folder holding the images the records name (default: images/ next to the data file, else the data file’s folder)')
    .option('--augment <n>', 'also embed N TrivialAugment copies per image (seeds 1..N)', '0')
    .option('--no-embedding', 'skip image embeddings')
    .option('--no-layout', 'skip layout vectors')
    .option('--no-ui', 'skip the scene recogniser\'s pixel UI-structure cues')
    .option('--concurrency <n>', `worker processes, one image each at a time (1: in this process); default the cores (${availableParallelism()})`)
    .option('--threads <n>', 'ONNX threads per OCR session (default: the cores / --concurrency)')
    .option('--det-side <px>', 'OCR detection resolution (longest side); the default is the recognisers\' own', String(DEFAULT_OCR_OPTIONS.maxSide))
    .option('--limit <n>', 'only the first N images (smoke runs)')
    .option('--no-progress', 'no progress lines on stderr')
    .option('--json', 'end with the summary as one JSON line on stdout instead of a sentence')
    .action(async (file: string | undefined, parsed: WithOptionalData<ExtractCliOptions>) => {
      const opts: ExtractCliOptions = { ...parsed, data: dataFileOf(file, parsed.data) };
      const augmentCopies = intOption(opts.augment, '--augment', { min: 0, max: MAX_AUGMENT_COPIES });
      // The copies are embeddings of augmented images: without embeddings they were silently not made.
      if (augmentCopies > 0 && !opts.embedding) throw new EcommirError('ECM_ERR_BAD_OPTION', '--augment embeds augmented copies of each image, which --no-embedding turns off: leave one of them out');
      const concurrency = workerCountOption(opts.concurrency, '--concurrency', availableParallelism());
      const threads = intOption(opts.threads, '--threads', { max: MAX_VISION_THREADS, fallback: threadsPerWorker(concurrency) });
      const maxSide = intOption(opts.detSide, '--det-side', { min: 32 }); // the OCR's own floor (src/vision/ocr.ts)
      let jobs = await listDatasetImages(opts.data, opts.images ?? defaultImagesDir(resolve(opts.data)), opts.images ? resolve(opts.images) : undefined);
      jobs = jobs.slice(0, intOption(opts.limit, '--limit', { fallback: jobs.length }));
      const cache = new FeatureCache();
      if (concurrency > 1) {
        process.stderr.write(`features extract: ${count(jobs.length)} images (${describe(opts, maxSide, augmentCopies)}; ${concurrency} worker processes, ${threads} ONNX threads each) → cache ${cache.dir}\n`);
        const args = jobs.map((job) => ({ ref: job.ref, item: job.item, layout: opts.layout, ui: opts.ui, embedding: opts.embedding, augmentCopies: opts.embedding ? augmentCopies : 0, maxSide, threads }));
        const run = await extractAllInPool(args, { concurrency, threads, progress: opts.progress });
        ctx.exitCode = report({ images: jobs.length, failed: run.failed, elapsedMs: run.elapsedMs, cache: run.cache }, cache.dir, opts.json);
        return;
      }
      const extractOptions: ExtractOptions = { cache, ocr: await OcrEngine.create({ threads, maxSide }) };
      if (opts.layout) extractOptions.layout = (await import('../../vision/layout.js')).layoutExtractor;
      if (opts.ui) extractOptions.vectors = [(await import('../../tasks/scene/ui-structure.js')).uiStructureExtractor];
      if (opts.embedding) {
        extractOptions.embedding = await (await import('../../vision/embedding.js')).embeddingExtractor();
        if (augmentCopies > 0) {
          extractOptions.augmentCopies = augmentCopies;
          extractOptions.augment = (await import('../../vision/augment.js')).trivialAugmentCopy;
        }
      }
      process.stderr.write(`features extract: ${count(jobs.length)} images (${describe(opts, maxSide, augmentCopies)}; ${concurrency} at a time, ${threads} ONNX threads) → cache ${cache.dir}\n`);
      const summary = await extractAll(jobs, { ...extractOptions, concurrency, progress: opts.progress });
      ctx.exitCode = report(summary, cache.dir, opts.json);
    });
}

/** Prints the failures and the summary (a sentence, or one JSON line with --json); the exit code. */
function report(summary: Pick<ExtractRunSummary, 'images' | 'elapsedMs' | 'cache'> & { failed: { message: string }[] }, dir: string, json: boolean | undefined): number {
  for (const f of summary.failed) process.stderr.write(`failed: ${f.message}\n`);
  const perImage = summary.images ? summary.elapsedMs / summary.images : 0;
  if (json) {
    process.stdout.write(`${JSON.stringify({ images: summary.images, failed: summary.failed.length, elapsedMs: Math.round(summary.elapsedMs), msPerImage: Math.round(perImage), cache: { dir, ...summary.cache } })}\n`);
  } else {
    const { hits, misses, corrupt } = summary.cache;
    process.stdout.write(
      `features extract: ${count(summary.images)} images in ${duration(summary.elapsedMs)} (${Math.round(perImage).toLocaleString('en-US')} ms an image); ` +
        `${count(hits)} features read from the cache, ${count(misses)} computed${corrupt ? `, ${count(corrupt)} corrupt cache entries replaced` : ''}; ` +
        `${summary.failed.length ? `${count(summary.failed.length)} images failed (listed above)` : 'none failed'}. Cache: ${dir}\n`,
    );
  }
  return summary.failed.length ? 1 : 0;
}

/** What an extraction computes, in words. */
function describe(opts: ExtractCliOptions, maxSide: number, augmentCopies: number): string {
  const embedding = opts.embedding ? `embedding${augmentCopies ? ` (+${augmentCopies} augmented ${augmentCopies === 1 ? 'copy' : 'copies'})` : ''}` : '';
  return [`OCR at ${maxSide} px`, opts.layout ? 'layout' : '', opts.ui ? 'UI structure' : '', embedding].filter(Boolean).join(', ');
}

const count = (n: number): string => n.toLocaleString('en-US');

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${(ms / 1000).toFixed(1)} s` : s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

