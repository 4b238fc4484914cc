// `npm run bench`: every figure of BENCHMARKS.md, measured here, on this machine.
//   npm run bench                              all sections
//   npm run bench -- --sections scene,intent   some sections (the others keep their last results)
//   npm run bench -- --seeds 0,1,2 --folds 5
//   npm run bench -- --fresh                   measure every cross-validated row again (default: rows whose
//                                              data, knowledge, code and configuration are unchanged come from
//                                              bench/results/cv-cache and say so in their time column)
// Each section writes bench/results/<section>.md; BENCHMARKS.md is assembled from those files, so a
// long run can be done section by section. Needs ../shared (the dev data) beside the repo.
// Several sections run one after another, each in a process of its own: a section measured after
// another in the same process inherits its loaded models, threads and heap (the service section run
// after speed and hostile served intent requests at 1267 req/s with 1334 MiB resident, against 2093 and
// 427 alone). `--in-process` runs them in this process.
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem, platform, release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSceneBench, runSceneStrategiesBench } from './sections/scene.js';
import { runSceneHonestBench } from './sections/scene-honest.js';
import { runIntentBench } from './sections/intent.js';
import { runIntentHonestBench } from './sections/intent-honest.js';
import { runSpeedBench } from './sections/speed.js';
import { runServiceBench } from './sections/service.js';
import { runEstimateBench } from './sections/estimate.js';
import { cacheSettings, SECTION_FORMAT_MARK } from './sections/common.js';
import { runHostileBench } from './sections/hostile.js';
import { runActiveLearningBench } from './sections/active-learning.js';
import { runScaleBench } from './sections/scale.js';

export interface BenchContext {
  seeds: number[];
  /** Seeds of the scene grid (default: the first of `seeds`). */
  sceneSeeds?: number[];
  /** Leave out the TrivialAugment row of the scene strategies (three times the rows). */
  skipAugment?: boolean;
  /** Tasks of the honest-estimate section (default both). */
  estimateTasks?: ('scene' | 'intent')[];
  folds: number;
  log: (line: string) => void;
}

const SECTIONS: Record<string, { title: string; run: (ctx: BenchContext) => Promise<string> }> = {
  scene: { title: 'Scene recognition: cross-validated quality', run: runSceneBench },
  'scene-strategies': { title: 'Scene recognition: training strategies', run: runSceneStrategiesBench },
  'scene-honest': { title: 'Scene recognition: honest estimates (knowledge transfer, nested CV, reserved holdout) and what each signal adds', run: runSceneHonestBench },
  intent: { title: 'Intent recognition: cross-validated quality', run: runIntentBench },
  'intent-honest': { title: 'Intent recognition: honest estimates, knowledge and ablations', run: runIntentHonestBench },
  estimate: { title: 'Honest estimates (bench/results.json)', run: runEstimateBench },
  speed: { title: 'Speed and memory', run: runSpeedBench },
  service: { title: 'HTTP service under load', run: runServiceBench },
  hostile: { title: 'HTTP service: hostile traffic', run: runHostileBench },
  'active-learning': { title: 'Active learning: the review queue against random labelling', run: runActiveLearningBench },
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
    // `--estimate-tasks none`: rewrite the estimate section from bench/results.json without measuring.
    estimateTasks: arg('--estimate-tasks')?.split(',').filter((t) => t !== 'none') as BenchContext['estimateTasks'],
    log: (line) => process.stderr.write(`${line}\n`),
  };
  cacheSettings.fresh = process.argv.includes('--fresh');
  await mkdir(resultsDir, { recursive: true });
  const isolated = chosen.length > 1 && !process.argv.includes('--in-process');
  for (const name of chosen) {
    if (isolated) {
      await runSectionInChild(name);
      continue;
    }
    const started = Date.now();
    ctx.log(`== ${name}`);
    const body = await SECTIONS[name].run(ctx);
    const minutes = ((Date.now() - started) / 60000).toFixed(1);
    const text = `## ${SECTIONS[name].title}\n\n_Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machineLine()}; section took ${minutes} min; command \`npm run bench -- ${process.argv.slice(2).join(' ')}\`._\n\n${body.trim()}\n`;
    await writeFile(join(resultsDir, `${name}.md`), text);
  }
  const parts: string[] = [];
  for (const name of Object.keys(SECTIONS)) {
    try {
      const text = await readFile(join(resultsDir, `${name}.md`), 'utf8');
      parts.push(text.includes(SECTION_FORMAT_MARK) ? text : withOldFormatWarning(text, name));
    } catch {
      parts.push(`## ${SECTIONS[name].title}\n\n_Not measured yet: \`npm run bench -- --sections ${name}\`._\n`);
    }
  }
  const header = [
    '# ecommir benchmarks',
    '',
    'Written by `npm run bench` (bench/run.ts); every figure below was measured by that script on the machine named in its section.',
    'Quality is weighted F1 exactly as scikit-learn computes it, on the dev portion of the WWW2025 MIR training set',
    '(`../shared/data/www2025-mir`). Each section states its own protocol, folds and seeds, what in the models was chosen by looking at',
    'the scored samples (rows using such choices are optimistic, and say so), and whether its default choices come from nested CV, a',
    'reserved split or the reported CV itself. A section measured with fewer seeds or other folds than its default says it is partial.',
    'The honest estimate of the shipped recipes, machine-readable, is `bench/results.json` (section "Honest estimates").',
    '',
  ].join('\n');
  await writeFile(join(root, 'BENCHMARKS.md'), `${header}\n${parts.join('\n')}`);
  ctx.log('BENCHMARKS.md written');
}

/** Runs this script for one section in a new process, with the same options; rejects naming the section if it fails. */
async function runSectionInChild(name: string): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf('--sections');
  const sectionArgs = at >= 0 ? [...args.slice(0, at), ...args.slice(at + 2)] : args;
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--sections', name, ...sectionArgs], { stdio: 'inherit' });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (exitCode, signal) => resolve(signal ? null : exitCode));
  });
  if (code !== 0) throw new Error(`bench section ${name} failed (${code === null ? 'killed by a signal' : `exit code ${code}`}); the sections before it are written`);
}

/** A section written by an earlier bench, whose header was not checked against its run. */
function withOldFormatWarning(text: string, name: string): string {
  const warning = `> **Written by an earlier version of the bench**: its header was not checked against its run (for cross-validated sections: seeds, cached rows, what was chosen on the scored samples; rows may mix seeds). Rerun \`npm run bench -- --sections ${name}\` for a section checked against its run.\n\n`;
  const at = text.indexOf('\n\n', text.indexOf('_Measured'));
  return at < 0 ? warning + text : `${text.slice(0, at + 2)}${warning}${text.slice(at + 2)}`;
}

await main();
