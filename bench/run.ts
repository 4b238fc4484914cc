// `npm run bench`: every figure of BENCHMARKS.md, measured here, on this machine.
//   npm run bench                              all sections
//   npm run bench -- --sections scene,intent   some sections (the others keep their last results)
//   npm run bench -- --seeds 0,1,2 --folds 5
// Each section writes bench/results/<section>.md; BENCHMARKS.md is assembled from those files, so a
// long run can be done section by section. Needs ../shared (the dev data) beside the repo.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem, platform, release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSceneBench, runSceneStrategiesBench } from './sections/scene.js';
import { runIntentBench } from './sections/intent.js';
import { runIntentImagesBench } from './sections/intent-images.js';
import { runSpeedBench } from './sections/speed.js';
import { runServiceBench } from './sections/service.js';
import { runHostileBench } from './sections/hostile.js';
import { runScaleBench } from './sections/scale.js';

export interface BenchContext {
  seeds: number[];
  /** Seeds of the scene grid (default: the first of `seeds`). */
  sceneSeeds?: number[];
  /** Leave out the TrivialAugment row of the scene strategies (three times the rows). */
  skipAugment?: boolean;
  folds: number;
  log: (line: string) => void;
}

const SECTIONS: Record<string, { title: string; run: (ctx: BenchContext) => Promise<string> }> = {
  scene: { title: 'Scene recognition: cross-validated quality', run: runSceneBench },
  'scene-strategies': { title: 'Scene recognition: training strategies', run: runSceneStrategiesBench },
  intent: { title: 'Intent recognition: cross-validated quality', run: runIntentBench },
  'intent-images': { title: 'Intent recognition: the image branch and its augmentation', run: runIntentImagesBench },
  speed: { title: 'Speed and memory', run: runSpeedBench },
  service: { title: 'HTTP service under load', run: runServiceBench },
  hostile: { title: 'HTTP service: hostile traffic', run: runHostileBench },
  scale: { title: 'Scale: every core, and a Redis job queue', run: runScaleBench },
};

const root = fileURLToPath(new URL('..', import.meta.url));
const resultsDir = join(root, 'bench', 'results');

function arg(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

export function machineLine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${platform()} ${release()}, Node ${process.version}`;
}

async function main(): Promise<void> {
  const chosen = (arg('--sections') ?? Object.keys(SECTIONS).join(',')).split(',');
  for (const name of chosen) if (!SECTIONS[name]) throw new Error(`unknown section ${name}; known: ${Object.keys(SECTIONS).join(', ')}`);
  const ctx: BenchContext = {
    seeds: (arg('--seeds') ?? '0,1,2').split(',').map(Number),
    folds: Number(arg('--folds') ?? 5),
    sceneSeeds: arg('--scene-seeds')?.split(',').map(Number),
    skipAugment: process.argv.includes('--skip-augment'),
    log: (line) => process.stderr.write(`${line}\n`),
  };
  await mkdir(resultsDir, { recursive: true });
  for (const name of chosen) {
    const started = Date.now();
    ctx.log(`== ${name}`);
    const body = await SECTIONS[name].run(ctx);
    const minutes = ((Date.now() - started) / 60000).toFixed(1);
    const text = `## ${SECTIONS[name].title}\n\n_Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machineLine()}; section took ${minutes} min._\n\n${body.trim()}\n`;
    await writeFile(join(resultsDir, `${name}.md`), text);
  }
  const parts: string[] = [];
  for (const name of Object.keys(SECTIONS)) {
    try {
      parts.push(await readFile(join(resultsDir, `${name}.md`), 'utf8'));
    } catch {
      parts.push(`## ${SECTIONS[name].title}\n\n_Not measured yet: \`npm run bench -- --sections ${name}\`._\n`);
    }
  }
  const header = [
    '# ecommir benchmarks',
    '',
    'Written by `npm run bench` (bench/run.ts); every figure below was measured by that script on the machine named in its section.',
    'Quality is weighted F1 exactly as scikit-learn computes it, on out-of-fold predictions of stratified k-fold cross-validation over the',
    'dev portion of the WWW2025 MIR training set (`../shared/data/www2025-mir`), features fitted inside each fold, means over seeds.',
    '',
  ].join('\n');
  await writeFile(join(root, 'BENCHMARKS.md'), `${header}\n${parts.join('\n')}`);
  ctx.log('BENCHMARKS.md written');
}

await main();
