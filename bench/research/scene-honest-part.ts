// Fills the scene-honest result cache with some ablation rows, beside a running `npm run bench --
// --sections scene-honest` (which then reads them): writes no section file.
// Usage: SCENE_HONEST_ONLY=ablations:0-4 (or =holdout) node --import tsx bench/research/scene-honest-part.ts
import { runSceneHonestBench } from '../sections/scene-honest.js';

if (!process.env.SCENE_HONEST_ONLY) throw new Error('set SCENE_HONEST_ONLY=ablations:FROM-TO');
console.log(await runSceneHonestBench({ seeds: [0], folds: 5, log: (line) => process.stderr.write(`${line}\n`) }));
