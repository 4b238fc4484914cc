// `ecommir knowledge scenes`: render synthetic scene screenshots from knowledge/scene/ into a folder
// (images + scenes.jsonl in the native format + pages.jsonl), optionally filling the feature cache
// (real OCR, layout, embedding) so training reads them like any labelled sample. Resumable.
import type { Command } from 'commander';
import { loadSamples } from '../../data/load.js';
import { EcommirError } from '../../errors.js';
import { Progress } from '../../features/progress.js';
import { Taxonomy } from '../../labels/taxonomy.js';
import { DEFAULT_SCENE_FUSION, featureOptionsFor } from '../../tasks/scene/recognizer.js';
import { SceneImageFeaturizer } from '../../tasks/scene/image-features.js';
import type { CommandContext } from '../main.js';
import { checkOutFolder } from '../out-path.js';
import { intOption } from '../number-option.js';
import { labelListOption } from '../label-list-option.js';

/** 25,000 pages over the 25 labels, hours of drawing: every page is planned before one is drawn, and 10^9 filled 2.7 GB first. */
const MAX_SCENE_PER_LABEL = 1_000;

interface ScenesFlags {
  out: string;
  perLabel: string;
  seed: string;
  start: string;
  labels?: string;
  format?: string;
  features: boolean;
  progress: boolean;
  json?: boolean;
}

/** The `knowledge` command group, shared with other knowledge generators (created once). */
export function knowledgeCommand(program: Command): Command {
  return program.commands.find((c) => c.name() === 'knowledge') ?? program.command('knowledge').description('Synthetic labelled samples written from the knowledge files (label definitions and domain knowledge).');
}

export function registerKnowledgeScenesCommand(program: Command, ctx: CommandContext): void {
  knowledgeCommand(program)
    .command('scenes')
    .description('Render synthetic scene screenshots and photos (knowledge/scene/) with labels: images/, scenes.jsonl (native format), pages.jsonl.')
    .requiredOption('--out <dir>', 'folder to write (created; rerunning resumes)')
    .option('--per-label <n>', 'pages per scene label', '20')
    .option('--seed <n>', 'generator seed (same seed, same pages)', '1')
    .option('--start <n>', 'first page index per label (extend a set)', '0')
    .option('--labels <list>', 'only these labels, comma-separated')
    .option('--format <png|jpeg>', 'force one image format (default: mixed, as uploads are)')
    .option('--features', 'also fill the feature cache (OCR, layout, embedding) for every image')
    .option('--no-progress', 'no progress lines on stderr')
    .option('--json', 'print the summary as JSON')
    .action(async (flags: ScenesFlags) => {
      const perLabel = intOption(flags.perLabel, '--per-label', { min: 1, max: MAX_SCENE_PER_LABEL });
      const seed = intOption(flags.seed, '--seed', { min: 0 });
      const start = intOption(flags.start, '--start', { min: 0 });
      await checkOutFolder(flags.out, [], []);
      if (flags.format !== undefined && flags.format !== 'png' && flags.format !== 'jpeg') throw new EcommirError('ECM_ERR_BAD_OPTION', `--format must be png or jpeg, got ${flags.format}`);
      const taxonomy = Taxonomy.default('scene');
      const labels = labelListOption(flags.labels);
      for (const l of labels ?? []) if (!taxonomy.labels.includes(l)) throw new EcommirError('ECM_ERR_UNKNOWN_LABEL', `label "${l}" is not in the scene taxonomy`);
      // Imported here: the renderer loads the canvas and the fonts only when this command runs.
      const { writeSyntheticScenes } = await import('../../knowledge/scene-dataset.js');
      const summary = await writeSyntheticScenes({ outDir: flags.out, perLabel, seed, start, labels, format: flags.format as 'png' | undefined, progress: flags.progress, keepEarlierRows: true });
      let features: { images: number; msPerImage: number } | undefined;
      if (flags.features) {
        const { samples } = await loadSamples(summary.dataFile);
        const featurizer = new SceneImageFeaturizer(featureOptionsFor(DEFAULT_SCENE_FUSION));
        const progress = new Progress({ total: samples.length, label: 'features', enabled: flags.progress });
        const t = performance.now();
        for (const s of samples) {
          await featurizer.features(s.images[0], { id: s.id, index: s.index });
          progress.tick();
        }
        progress.finish();
        features = { images: samples.length, msPerImage: Math.round((performance.now() - t) / Math.max(1, samples.length)) };
      }
      const out = { ...summary, elapsedMs: Math.round(summary.elapsedMs), msPerRendered: Math.round(summary.msPerRendered), features };
      if (flags.json) process.stdout.write(`${JSON.stringify(out)}\n`);
      else {
        process.stdout.write(`${summary.pages} pages (${summary.rendered} rendered, ${summary.reused} already there), ${out.msPerRendered} ms per rendered page` + (summary.kept ? `; ${summary.kept} pages of earlier runs kept in the lists` : '') + '\n');
        process.stdout.write(`data: ${summary.dataFile}\npages: ${summary.pagesFile}\n`);
        if (features) process.stdout.write(`features cached for ${features.images} images, ${features.msPerImage} ms per image\n`);
      }
      ctx.exitCode = 0;
    });
}

