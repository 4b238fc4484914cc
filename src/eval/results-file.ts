// The machine-readable honest estimate, `bench/results.json`:
//   {"scene":{"weightedF1":…,…},"intent":{"weightedF1":…,…},"all":{"weightedF1":…},"protocol":"…"}
// Tasks may be measured by separate runs. Each run records its task's part (figure, protocol, seeds,
// folds, date, commit, the hash of what the figure depends on) and stores its out-of-fold predictions
// under `<oofDir>/<task>-<hash>.json`. `all` — the challenge's pooled score — is recomputed only when
// both tasks' parts are of the same recipe, both predictions files are there and neither part is
// stale (its dependencies still hash to what they did when it was measured); otherwise `all` says
// why it is missing instead of keeping a stale figure. A part may also carry the score of a reserved
// holdout that no choice ever looked at; `all.holdout` pools the two when both parts have one.
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { EcommirError } from '../errors.js';
import type { Sample, Task } from '../types.js';
import type { Estimate } from './cross-validate.js';
import { hashDependencies, type Dependencies } from './dependency-hash.js';
import { pooledWeightedF1 } from './evaluate.js';

export interface TaskResultPart {
  /** Mean over seeds of the weighted F1 of each seed's out-of-fold predictions. */
  weightedF1: number;
  /** The recipe measured (e.g. 'shipped'); `all` pools the two tasks only when they name the same recipe. */
  recipe: string;
  /** How the figure was measured, in one or two sentences. */
  protocol: string;
  n: number;
  seeds: number[];
  perSeed: number[];
  folds?: number;
  /** Protocol-specific facts: inner protocol, what each outer fold chose, knowledge used... */
  details?: Record<string, unknown>;
  date: string;
  commit: string;
  dependencyHash: string;
  /** The dependencies as given, with each path's own hash (to name what changed when the part goes stale). */
  dependencies: { paths: string[]; extra?: string; hashes?: Record<string, string> };
  /** Set when the part was recorded by an earlier run and its dependencies have changed since. */
  stale?: string;
  /** A reserved holdout scored once by the recipe chosen without it (the strictest figure; small). */
  holdout?: HoldoutScore;
}

export interface HoldoutScore {
  weightedF1: number;
  n: number;
}

export interface PooledPart {
  /** null when it cannot be computed honestly; `missing` says why. */
  weightedF1: number | null;
  missing?: string;
  recipe?: string;
  seeds?: number[];
  perSeed?: number[];
  n?: number;
  from?: { scene: string; intent: string };
  /**
   * The two reserved holdouts pooled: Σ n·F1 / Σ n. Exact for the challenge's pooled weighted F1 because
   * the tasks' label sets are disjoint (a scene sample is never predicted an intent label, so every
   * class keeps its own F1 and weighted F1 is their support-weighted mean).
   */
  holdout?: HoldoutScore;
}

export interface ResultsFile {
  scene?: TaskResultPart;
  intent?: TaskResultPart;
  all: PooledPart;
  protocol: string;
}

/** What one run measured for one task. */
export interface TaskResult {
  task: Task;
  recipe: string;
  protocol: string;
  /** Out-of-fold predictions of every scored sample, every seed (from crossValidate, nestedCrossValidate or knowledgeTransfer). */
  estimate: Pick<Estimate, 'seeds' | 'seedWeightedF1' | 'seedLabels'>;
  /** The scored samples, in the estimate's order (their ids and gold labels are stored for pooling). */
  samples: readonly Sample[];
  folds?: number;
  details?: Record<string, unknown>;
  /** What the figure depends on (see dependency-hash.ts); paths relative to `root`. */
  dependencies: Dependencies;
  holdout?: HoldoutScore;
}

export interface RecordOptions {
  /** Paths of `dependencies` are resolved against it; the git commit is read there. */
  root: string;
  /** Where out-of-fold predictions are kept. Default: `oof/` beside the results file's own `results/` folder, i.e. `<dir>/results/oof`. */
  oofDir?: string;
  /** Default: `git rev-parse HEAD` in root (with `+dirty` when the tree has changes). */
  commit?: string;
  /** Default: now. */
  date?: Date;
}

/** A task part's out-of-fold predictions as stored beside the results file (read by bench/research/paired-bootstrap.ts). */
export interface OofFile {
  task: Task;
  recipe: string;
  dependencyHash: string;
  seeds: number[];
  ids: string[];
  gold: string[];
  /** [seed][sample] predicted fine labels. */
  seedLabels: string[][];
}

/**
 * Merges `result` into the results file at `file` (created when absent), stores its out-of-fold
 * predictions, and recomputes or withdraws `all`. Returns what was written.
 */
export async function recordTaskResult(file: string, result: TaskResult, options: RecordOptions): Promise<ResultsFile> {
  const { task, estimate, samples } = result;
  if (estimate.seedLabels.length !== estimate.seeds.length || estimate.seedLabels.some((l) => l.length !== samples.length)) {
    throw new EcommirError('ECM_ERR_BAD_OPTION', `the ${task} estimate needs one label per scored sample for each seed`);
  }
  const wrong = samples.find((s) => s.task !== task || !s.label);
  if (wrong) throw new EcommirError('ECM_ERR_BAD_OPTION', `sample ${wrong.id} is not a labelled ${task} sample`, { item: { id: wrong.id } });
  const oofDir = options.oofDir ?? join(dirname(file), 'results', 'oof');
  const { hash, parts: hashes } = await hashDependencies(options.root, result.dependencies);
  const oof: OofFile = {
    task,
    recipe: result.recipe,
    dependencyHash: hash,
    seeds: estimate.seeds,
    ids: samples.map((s) => s.id),
    gold: samples.map((s) => s.label!),
    seedLabels: estimate.seedLabels,
  };
  await writeJson(oofPath(oofDir, task, hash), oof);

  const previous = await readResultsFile(file);
  const mean = estimate.seedWeightedF1.reduce((a, b) => a + b, 0) / estimate.seedWeightedF1.length;
  const part: TaskResultPart = {
    weightedF1: mean,
    recipe: result.recipe,
    protocol: result.protocol,
    n: samples.length,
    seeds: estimate.seeds,
    perSeed: estimate.seedWeightedF1,
    ...(result.folds !== undefined ? { folds: result.folds } : {}),
    ...(result.details ? { details: result.details } : {}),
    date: (options.date ?? new Date()).toISOString(),
    commit: options.commit ?? gitCommit(options.root, result.dependencies.paths),
    dependencyHash: hash,
    dependencies: { paths: [...result.dependencies.paths], ...(result.dependencies.extra !== undefined ? { extra: result.dependencies.extra } : {}), hashes },
    ...(result.holdout ? { holdout: checkedHoldout(result.holdout, task) } : {}),
  };
  const other: Task = task === 'scene' ? 'intent' : 'scene';
  const otherPart = previous?.[other] ? { ...previous[other]! } : undefined;
  if (otherPart) {
    const now = await hashDependencies(options.root, otherPart.dependencies);
    if (now.hash !== otherPart.dependencyHash) otherPart.stale = `${changedPaths(now.parts, otherPart.dependencies.hashes)} changed since it was measured; rerun the ${other} estimate`;
    else delete otherPart.stale;
  }
  const parts = { [task]: part, [other]: otherPart } as Record<Task, TaskResultPart | undefined>;
  const out: ResultsFile = {
    ...(parts.scene ? { scene: parts.scene } : {}),
    ...(parts.intent ? { intent: parts.intent } : {}),
    all: await pool(parts.scene, parts.intent, oofDir),
    protocol: describeProtocol(parts.scene, parts.intent),
  };
  await writeJson(file, out);
  return out;
}

/** The results file, or undefined when there is none yet. */
export async function readResultsFile(file: string): Promise<ResultsFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as ResultsFile;
  } catch (err) {
    throw new EcommirError('ECM_ERR_BAD_RECORD', `${file} is not valid JSON: ${(err as Error).message}`, { item: { file } });
  }
}

async function pool(scene: TaskResultPart | undefined, intent: TaskResultPart | undefined, oofDir: string): Promise<PooledPart> {
  const missing = (why: string): PooledPart => ({ weightedF1: null, missing: why });
  if (!scene || !intent) return missing(`no ${!scene ? 'scene' : 'intent'} estimate recorded yet`);
  if (scene.stale || intent.stale) return missing(`the ${scene.stale ? 'scene' : 'intent'} estimate is stale: ${scene.stale ?? intent.stale}`);
  if (scene.recipe !== intent.recipe) return missing(`the tasks were measured with different recipes (scene ${scene.recipe}, intent ${intent.recipe})`);
  const files: Partial<Record<Task, OofFile>> = {};
  for (const [task, part] of [['scene', scene], ['intent', intent]] as const) {
    try {
      files[task] = JSON.parse(await readFile(oofPath(oofDir, task, part.dependencyHash), 'utf8')) as OofFile;
    } catch {
      return missing(`the ${task} out-of-fold predictions (${part.dependencyHash.slice(0, 16)}) are not stored here; rerun the ${task} estimate`);
    }
  }
  const s = files.scene!;
  const i = files.intent!;
  const seeds = s.seeds.filter((x) => i.seeds.includes(x));
  if (seeds.length === 0) return missing(`the tasks share no seed (scene ${s.seeds.join(',')}, intent ${i.seeds.join(',')})`);
  const perSeed = seeds.map((seed) =>
    pooledWeightedF1([
      { gold: s.gold, predicted: s.seedLabels[s.seeds.indexOf(seed)] },
      { gold: i.gold, predicted: i.seedLabels[i.seeds.indexOf(seed)] },
    ]),
  );
  const sceneLabels = new Set(s.gold);
  const disjoint = !i.gold.some((l) => sceneLabels.has(l));
  return {
    weightedF1: perSeed.reduce((a, b) => a + b, 0) / perSeed.length,
    recipe: scene.recipe,
    seeds,
    perSeed,
    n: s.ids.length + i.ids.length,
    from: { scene: scene.dependencyHash, intent: intent.dependencyHash },
    ...(scene.holdout && intent.holdout && disjoint
      ? {
          holdout: {
            weightedF1: (scene.holdout.n * scene.holdout.weightedF1 + intent.holdout.n * intent.holdout.weightedF1) / (scene.holdout.n + intent.holdout.n),
            n: scene.holdout.n + intent.holdout.n,
          },
        }
      : {}),
  };
}

function checkedHoldout(holdout: HoldoutScore, task: Task): HoldoutScore {
  const { weightedF1, n } = holdout;
  if (!(weightedF1 >= 0 && weightedF1 <= 1) || !Number.isInteger(n) || n < 1) {
    throw new EcommirError('ECM_ERR_BAD_OPTION', `the ${task} holdout needs a weighted F1 in [0, 1] and a positive sample count, got ${weightedF1} over ${n}`);
  }
  return { weightedF1, n };
}

function describeProtocol(scene: TaskResultPart | undefined, intent: TaskResultPart | undefined): string {
  const parts = [scene && `scene: ${scene.protocol}`, intent && `intent: ${intent.protocol}`].filter(Boolean);
  return `${parts.join(' | ')}${parts.length ? ' | ' : ''}all: weighted F1 over the union of the scene and intent samples, each with its own gold label (the challenge's score), per shared seed, mean over seeds; all.holdout: the same score over the union of the two reserved holdouts, which no choice looked at.`;
}

function changedPaths(now: Record<string, string>, then: Record<string, string> | undefined): string {
  const changed = Object.keys(now).filter((p) => then?.[p] !== now[p]);
  return changed.length ? changed.join(', ') : 'its configuration';
}

function oofPath(dir: string, task: Task, hash: string): string {
  return join(dir, `${task}-${hash.slice(0, 32)}.json`);
}

/** HEAD, with `+dirty` when a dependency inside the repository has uncommitted changes (the bench's own outputs do not count). */
function gitCommit(root: string, paths: readonly string[]): string {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const inside = paths.filter((p) => !isAbsolute(p) && !p.startsWith('..'));
    const dirty = inside.length === 0 ? '' : execFileSync('git', ['status', '--porcelain', '--', ...inside], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${head}+dirty` : head;
  } catch {
    return 'unknown';
  }
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(tmp, path);
}
