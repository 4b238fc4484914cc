// `ecommir data clean`: show what multi-level denoising makes of each dialogue, and why.
import type { Command } from 'commander';
import type { CommandContext } from '../main.js';
import { loadSamples } from '../../data/load.js';
import { cleanSample, formatMerges, formatRemovals } from '../../clean/denoise.js';
import { loadDenoiseRules } from '../../clean/rules.js';
import { EcommirError } from '../../errors.js';

export function registerDataCleanCommand(dataCommand: Command, ctx: CommandContext): void {
  dataCommand
    .command('clean')
    .description(
      'Print the denoised dialogues (dialogue, sentence and word levels; rules from rules/denoise.json). ' +
        'With --explain, every removal is listed with its turn, level and rule, and every join of consecutive user turns (kept text) apart from them.',
    )
    .argument('<file>', 'challenge JSON, or native JSON / JSONL')
    .option('--explain', 'list each removal (turn, level, rule, the removed text), then the user turns joined to the one before')
    .option('--json', 'print JSON lines: {id, index, task, turns, removed?, merged?}')
    .option('--rules <file>', 'a denoise rules file to use instead of the built-in one')
    .option('--drop-links', 'also remove <http> link markers')
    .option('--task <task>', 'only samples of this task (scene | intent)')
    .action(async (file: string, options: { explain?: boolean; json?: boolean; rules?: string; dropLinks?: boolean; task?: string }) => {
      if (options.task !== undefined && options.task !== 'scene' && options.task !== 'intent') {
        throw new EcommirError('ECM_ERR_BAD_OPTION', `--task must be scene or intent, got "${options.task}"`);
      }
      const rules = loadDenoiseRules(options.rules);
      // Cleaning reads no label: one outside the label set is shown as written, not a refused file.
      const { samples } = await loadSamples(file, { checkLabels: false });
      let out = '';
      for (const sample of samples) {
        if (options.task && sample.task !== options.task) continue;
        const cleaned = cleanSample(sample, rules, { dropLinkMarkers: options.dropLinks ?? false });
        if (options.json) {
          const record: Record<string, unknown> = { id: sample.id, index: sample.index, task: sample.task, turns: cleaned.turns.map((t) => ({ role: t.role, text: t.text, images: t.images.map((i) => i.name) })) };
          if (options.explain) {
            record.removed = cleaned.removed;
            record.merged = cleaned.merged;
          }
          out += JSON.stringify(record) + '\n';
          continue;
        }
        out += `# ${sample.id} (record ${sample.index}, ${sample.task}${sample.label ? `, ${sample.label}` : ''})\n`;
        for (const turn of cleaned.turns) out += `${turn.role === 'user' ? '用户' : '客服'}: ${turn.text}\n`;
        if (options.explain) {
          for (const line of formatRemovals(cleaned.removed)) out += `  - ${line}\n`;
          for (const line of formatMerges(cleaned.merged)) out += `  + ${line}\n`;
        }
        out += '\n';
      }
      process.stdout.write(out);
      ctx.exitCode = 0;
    });
}
