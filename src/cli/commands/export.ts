// `ecommir export sft` and `ecommir export clip`: training data for the engines that fine-tune the
// big models on GPUs (ms-swift or LLaMA-Factory for MiniCPM-V 2.6, Chinese-CLIP's own scripts). The
// written files are checked against each format's schema before the command reports success.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { CLIP_FILES, exportClipPairs } from '../../backends/export/clip-pairs.js';
import { exportSft, SFT_FILES, SFT_FORMATS, type SftFormat } from '../../backends/export/sft.js';
import { validateClipSplit, validateLlamaFactoryDataset, validateSwiftJsonl } from '../../backends/export/validate.js';
import { loadSamples } from '../../data/load.js';
import { Progress } from '../../features/progress.js';
import { TASKS, type Task } from '../../types.js';
import type { CommandContext } from '../main.js';
import { addDataFile, dataFileOf, type WithOptionalData } from '../data-file.js';
import { checkOutFolder } from '../out-path.js';
import { intOption, MAX_AUGMENT_COPIES, numberOption } from '../number-option.js';

interface SftFlags {
  format: SftFormat;
  task: Task | 'both';
  data: string;
  images?: string;
  out: string;
  augmentCopies: string;
  hierarchical?: boolean;
  valFraction: string;
  seed: string;
  copyImages?: boolean;
  skipBad?: boolean;
  progress: boolean;
}

interface ClipFlags {
  data: string;
  images?: string;
  out: string;
  template: string;
  valFraction: string;
  seed: string;
  maxSide?: string;
  skipBad?: boolean;
  progress: boolean;
}

export function registerExportCommand(program: Command, ctx: CommandContext): void {
  const exportCommand = program.command('export').description('Write training data for GPU fine-tuning engines (ms-swift, LLaMA-Factory, Chinese-CLIP).');
  addDataFile(
    exportCommand
      .command('sft')
      .description('Cleaned, labelled samples as supervised fine-tuning data for a multimodal LLM (messages with <image> tags, label list in the prompt), with augmented image copies.')
      .addOption(new Option('--format <engine>', 'swift: train.jsonl/val.jsonl; llamafactory: sharegpt JSON + dataset_info.json').choices([...SFT_FORMATS]).makeOptionMandatory())
      .addOption(new Option('--task <task>', 'which samples').choices([...TASKS, 'both']).default('intent')),
    'challenge JSON, or native JSON / JSONL, with labels',
  )
    .option('--images <dir>', 'folder the image names are resolved against (default: images/ next to the data file, else the data file’s folder)')
    .requiredOption('--out <dir>', 'output folder')
    .option('--augment-copies <n>', 'augmented duplicates of each training sample (the paper: 1)', '1')
    .option('--hierarchical', 'target 粗类-细类 instead of the fine label (then serve with --hierarchical)')
    .option('--val-fraction <f>', 'stratified validation share (0: none)', '0.1')
    .option('--seed <n>', 'split and augmentation seed', '0')
    .option('--copy-images', 'copy the images into OUT/images and write relative paths (default: absolute paths)')
    .option('--skip-bad', 'leave bad records out instead of stopping')
    .option('--no-progress', 'no progress line on stderr')
    .action(async (file: string | undefined, parsed: WithOptionalData<SftFlags>) => {
      ctx.exitCode = await sft({ ...parsed, data: dataFileOf(file, parsed.data) });
    });
  addDataFile(
    exportCommand
      .command('clip')
      .description("Labelled scene images as image–text pairs for Chinese-CLIP's fine-tuning (train/valid _imgs.tsv and _texts.jsonl)."),
    'challenge JSON, or native JSON / JSONL, with labels',
  )
    .option('--images <dir>', 'folder the image names are resolved against')
    .requiredOption('--out <dir>', 'output folder')
    .option('--template <text>', 'the text of a label; {label} and {coarse} are replaced', '{label}')
    .option('--val-fraction <f>', 'stratified valid share (0: none)', '0.1')
    .option('--seed <n>', 'split seed', '0')
    .option('--max-side <px>', 'downscale images over this side to JPEG')
    .option('--skip-bad', 'leave bad records out instead of stopping')
    .option('--no-progress', 'no progress line on stderr')
    .action(async (file: string | undefined, parsed: WithOptionalData<ClipFlags>) => {
      ctx.exitCode = await clip({ ...parsed, data: dataFileOf(file, parsed.data) });
    });
}

async function sft(flags: SftFlags): Promise<number> {
  const tasks: Task[] = flags.task === 'both' ? [...TASKS] : [flags.task];
  await checkOutFolder(flags.out, SFT_FILES[flags.format], [{ path: flags.data, what: 'the data file' }]);
  const loaded = await loadSamples(flags.data, { imagesDir: flags.images, checkImages: true, decodeImages: true, skipBad: flags.skipBad });
  for (const p of loaded.problems) process.stderr.write(`ecommir: skipped ${p.message}\n`);
  const samples = loaded.samples.filter((s) => tasks.includes(s.task));
  const progress = new Progress({ total: samples.length, label: 'export sft', enabled: flags.progress });
  const summary = await exportSft(samples, {
    format: flags.format,
    tasks,
    outDir: flags.out,
    hierarchical: flags.hierarchical === true,
    augmentCopies: intOption(flags.augmentCopies, '--augment-copies', { min: 0, max: MAX_AUGMENT_COPIES }),
    valFraction: numberOption(flags.valFraction, '--val-fraction', { min: 0, below: 1 }),
    seed: intOption(flags.seed, '--seed', { min: 0 }),
    copyImages: flags.copyImages === true,
    onSample: () => progress.tick(),
  });
  progress.finish();
  const out = resolve(flags.out);
  const problems =
    flags.format === 'swift'
      ? summary.files.flatMap((f) => validateSwiftJsonl(readFileSync(f, 'utf8'), { imagesBaseDir: out }).map((p) => `${f}: ${p}`))
      : validateLlamaFactoryDataset(JSON.parse(readFileSync(join(out, 'dataset_info.json'), 'utf8')), (name) => (existsSync(join(out, name)) ? readFileSync(join(out, name), 'utf8') : undefined), { imagesBaseDir: out });
  for (const p of problems.slice(0, 20)) process.stderr.write(`ecommir: invalid export: ${p}\n`);
  process.stderr.write(
    `ecommir: wrote ${summary.train} training records (${summary.augmented} augmented, ${summary.augmentedImages} augmented images) and ${summary.val} validation records to ${out}` +
      (summary.unlabelled ? `; ${summary.unlabelled} unlabelled samples left out` : '') +
      '\n',
  );
  return problems.length > 0 || loaded.problems.length > 0 ? 1 : 0;
}

async function clip(flags: ClipFlags): Promise<number> {
  await checkOutFolder(flags.out, CLIP_FILES, [{ path: flags.data, what: 'the data file' }]);
  const loaded = await loadSamples(flags.data, { imagesDir: flags.images, checkImages: true, decodeImages: true, skipBad: flags.skipBad });
  for (const p of loaded.problems) process.stderr.write(`ecommir: skipped ${p.message}\n`);
  const samples = loaded.samples.filter((s) => s.task === 'scene');
  const progress = new Progress({ total: samples.length, label: 'export clip', enabled: flags.progress });
  const summary = await exportClipPairs(samples, {
    outDir: flags.out,
    template: flags.template,
    valFraction: numberOption(flags.valFraction, '--val-fraction', { min: 0, below: 1 }),
    seed: intOption(flags.seed, '--seed', { min: 0 }),
    maxSide: intOption(flags.maxSide, '--max-side', { fallback: undefined }),
    onSample: () => progress.tick(),
  });
  progress.finish();
  const out = resolve(flags.out);
  const problems = Object.keys(summary.images).flatMap((split) =>
    validateClipSplit(readFileSync(join(out, `${split}_imgs.tsv`), 'utf8'), readFileSync(join(out, `${split}_texts.jsonl`), 'utf8'), split),
  );
  for (const p of problems.slice(0, 20)) process.stderr.write(`ecommir: invalid export: ${p}\n`);
  const parts = Object.entries(summary.images).map(([split, n]) => `${split}: ${n} images, ${summary.texts[split]} texts`);
  process.stderr.write(`ecommir: wrote ${parts.join('; ')} to ${out}${summary.unlabelled ? `; ${summary.unlabelled} unlabelled scene samples left out` : ''}\n`);
  return problems.length > 0 || loaded.problems.length > 0 ? 1 : 0;
}

