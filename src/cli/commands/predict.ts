// `ecommir predict`: classify every sample of a file and write a submission CSV or JSON(L).
// Until a trained model ships, it loads and validates the data and then says so.
import { Option, type Command } from 'commander';
import type { CommandContext } from '../main.js';
import { EcommirError } from '../../errors.js';
import { loadSamples } from '../../data/load.js';
import { formatFromPath, type PredictionFormat } from '../../data/submission.js';

export interface PredictOptions {
  data: string;
  images?: string;
  out: string;
  format?: PredictionFormat;
}

export function registerPredictCommand(program: Command, ctx: CommandContext): void {
  program
    .command('predict')
    .description('Classify every sample of a data file and write the predictions (challenge submission CSV, or JSON/JSONL with the full ranked predictions).')
    .requiredOption('--data <file>', 'challenge JSON, or native JSON / JSONL')
    .option('--images <dir>', 'folder the image names are resolved against (default: images/ next to the data file)')
    .requiredOption('--out <file>', 'where to write the predictions')
    .addOption(new Option('--format <format>', 'output format (default: from the --out extension, else csv)').choices(['csv', 'json', 'jsonl']))
    .action(async (options: PredictOptions) => {
      const format = options.format ?? formatFromPath(options.out);
      const { samples } = await loadSamples(options.data, { imagesDir: options.images, checkImages: true });
      void format; // used once a recogniser writes predictions
      void ctx;
      // No recogniser is trained and shipped yet: say so instead of writing a file of guesses.
      throw new EcommirError('ECM_ERR_NO_MODEL', `${samples.length} samples loaded and checked, but no trained model is available to predict with`, { statusCode: 503 });
    });
}
