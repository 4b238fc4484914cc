// Fills the scene-honest result cache with some ablation rows, beside a running `npm run bench --
// --sections scene-honest` (which then reads them): writes no section file.
// Usage: SCENE_HONEST_ONLY=ablations:0-4 (or =holdout, or =nested) node --import tsx bench/research/scene-honest-part.ts [seeds, default 0]
import { runSceneHonestBench } from '../sections/scene-honest.js';

if (!process.env.SCENE_HONEST_ONLY) throw new Error('set SCENE_HONEST_ONLY=ablations:FROM-TO, holdout or nested');
const seeds = (process.argv[2] ?? '0').split(',').map(Number);
if (seeds.some((seed) => !Number.isInteger(seed) || seed < 0)) throw new Error(`seeds: ${JSON.stringify(process.argv[2])} is not a comma-separated list of non-negative integers`);
console.log(await runSceneHonestBench({ seeds, folds: 5, log: (line) => process.stderr.write(`${line}\n`) }));
