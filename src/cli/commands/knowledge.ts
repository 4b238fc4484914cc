// `ecommir knowledge ...`: the project's written-down knowledge (knowledge/) turned into data that
// the models can train on.
import type { Command } from 'commander';
import type { CommandContext } from '../main.js';
import { toNativeRecord } from '../../data/native.js';
import { writeWhole } from '../../data/whole-file.js';
import { checkOutFile } from '../out-path.js';
import { EcommirError } from '../../errors.js';
import { loadIntentKnowledge } from '../../knowledge/intent-knowledge.js';
import { synthesizeIntentSamples, type SyntheticImages } from '../../knowledge/intent-synth.js';
import { intOption, numberOption } from '../number-option.js';
import { labelListOption } from '../label-list-option.js';

/** 230,000 dialogues over the 23 labels, a few hundred MB: 100,000,000 filled 1.2 GB before a line was written. */
const MAX_INTENT_PER_LABEL = 10_000;

interface IntentCommandOptions {
  out?: string;
  perLabel: string;
  seed: string;
  labels?: string;
  images: string;
  variation: string;
  bareShare?: string;
  knowledge?: string;
}

export function registerKnowledgeCommands(program: Command, ctx: CommandContext): void {
  const knowledge = program.command('knowledge').description('Generate training data from the written-down knowledge (knowledge/).');
  knowledge
    .command('intent')
    .description(
      'Write synthetic labelled intent dialogues as native JSONL, generated from knowledge/intent/ ' +
        '(question forms per label × products × colloquial variation × dialogue context). ' +
        'The same options always give the same file.',
    )
    .option('--out <file>', 'write the JSONL here (default: standard output)')
    .option('--per-label <n>', 'samples per intent label', '100')
    .option('--seed <n>', 'random seed', '1')
    .option('--labels <list>', 'only these labels, comma-separated')
    .option('--images <mode>', 'what <image> markers point at: blank (a small white PNG inline), placeholder (a file name only) or none (no images)', 'blank')
    .option('--variation <x>', 'scale of colloquial variation: 0 clean text, 1 as written in variation.json, up to 4', '1')
    .option('--bare-share <p>', 'share of single-question dialogues (0..1), instead of the frame weights of context.json')
    .option('--knowledge <dir>', 'a knowledge folder to use instead of the built-in knowledge/intent/')
    .addHelpText('after', '\nExample:\n  ecommir knowledge intent --out synth-intent.jsonl --per-label 200 --seed 7\n')
    .action(async (options: IntentCommandOptions) => {
      if (options.out) await checkOutFile(options.out, [], 'synth-intent.jsonl');
      if (!['blank', 'placeholder', 'none'].includes(options.images)) {
        throw new EcommirError('ECM_ERR_BAD_OPTION', `--images must be blank, placeholder or none, got "${options.images}"`);
      }
      const labels = labelListOption(options.labels);
      const samples = synthesizeIntentSamples({
        seed: intOption(options.seed, '--seed', { min: 0 }),
        perLabel: intOption(options.perLabel, '--per-label', { max: MAX_INTENT_PER_LABEL }),
        labels,
        images: options.images as SyntheticImages,
        variation: numberOption(options.variation, '--variation', { min: 0, max: 4 }),
        bareShare: numberOption(options.bareShare, '--bare-share', { min: 0, max: 1, fallback: undefined }),
        ...(options.knowledge !== undefined ? { knowledge: loadIntentKnowledge(options.knowledge) } : {}),
      });
      const text = samples.map((s) => JSON.stringify(toNativeRecord(s))).join('\n') + '\n';
      if (options.out) {
        await writeWhole(options.out, text);
        const nLabels = new Set(samples.map((s) => s.label)).size;
        process.stderr.write(`wrote ${samples.length} intent samples (${nLabels} labels) to ${options.out}\n`);
      } else {
        process.stdout.write(text);
      }
      ctx.exitCode = 0;
    });
}
