// `ecommir data ...`: look at a data file before training or predicting on it.
import type { Command } from 'commander';
import type { CommandContext } from '../main.js';
import { loadSamples } from '../../data/load.js';
import { formatInspectReport, inspectSamples } from '../../data/inspect.js';
import { registerDataCleanCommand } from './data-clean.js';

export function registerDataCommands(program: Command, ctx: CommandContext): void {
  const data = program.command('data').description('Inspect and prepare data files (challenge JSON, native JSON/JSONL).');
  data
    .command('inspect')
    .description(
      'Count samples per task and label, turns and images per sample, and report problems. ' +
        'Exits 1 when the file has problems. With --images every image is checked as predict checks it (exists, supported, within the limits, decodes in full: a truncated file is a problem).',
    )
    .argument('<file>', 'challenge JSON, or native JSON / JSONL')
    .option('--images <dir>', 'folder the image names are resolved against; checks every image')
    .option('--json', 'print the report as JSON')
    .option('--skip-bad', 'collect every problem and report on the good samples, instead of stopping at the first problem')
    .action(async (file: string, options: { images?: string; json?: boolean; skipBad?: boolean }) => {
      const loaded = await loadSamples(file, { imagesDir: options.images, checkImages: options.images !== undefined, decodeImages: true, skipBad: options.skipBad ?? false });
      const report = inspectSamples(loaded.samples, loaded.problems, { file: loaded.file, format: loaded.format });
      process.stdout.write(options.json ? JSON.stringify(report, null, 2) + '\n' : formatInspectReport(report));
      ctx.exitCode = report.problems.length > 0 ? 1 : 0;
    });
  registerDataCleanCommand(data, ctx);
}
