import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearDependencyHashMemo, hashDependencies } from '../../src/eval/dependency-hash.js';
import { pooledWeightedF1 } from '../../src/eval/evaluate.js';
import { recordTaskResult, type TaskResult } from '../../src/eval/results-file.js';
import type { Sample } from '../../src/types.js';
import { LABELS, sample } from './toy-model.js';

async function tempRoot(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'ecommir-results-'));
  for (const [name, body] of Object.entries(files)) {
    await mkdir(join(root, name, '..'), { recursive: true });
    await writeFile(join(root, name), body);
  }
  return root;
}

test('the dependency hash changes with a file, a new file, a created folder and the configuration, and only with them (a manifest\'s scripts are not an input)', async () => {
  const root = await tempRoot({ 'lexicons/intent.json': '{"a":["漏水"]}', 'rules/denoise.json': '{}', 'src/x.ts': 'export {}', 'data.json': '[]' });
  const deps = { paths: ['lexicons', 'rules', 'knowledge', 'src', 'data.json'], extra: '{"k":5}' };
  const hash = async (d = deps) => {
    clearDependencyHashMemo();
    return (await hashDependencies(root, d)).hash;
  };
  const base = await hash();
  assert.equal(await hash(), base, 'same content, same hash');
  assert.equal(await hash({ ...deps, paths: [...deps.paths].reverse() }), base, 'path order does not matter');
  const changes: [string, () => Promise<unknown>, () => Promise<unknown>][] = [
    ['a lexicon entry', () => writeFile(join(root, 'lexicons/intent.json'), '{"a":["漏水","渗水"]}'), () => writeFile(join(root, 'lexicons/intent.json'), '{"a":["漏水"]}')],
    ['a rule', () => writeFile(join(root, 'rules/denoise.json'), '{"x":1}'), () => writeFile(join(root, 'rules/denoise.json'), '{}')],
    ['a source file', () => writeFile(join(root, 'src/x.ts'), 'export const a = 1;'), () => writeFile(join(root, 'src/x.ts'), 'export {}')],
    ['a new source file', () => writeFile(join(root, 'src/y.ts'), ''), () => rm(join(root, 'src/y.ts'))],
    ['the data', () => writeFile(join(root, 'data.json'), '[1]'), () => writeFile(join(root, 'data.json'), '[]')],
    ['a knowledge folder appearing', () => mkdir(join(root, 'knowledge/intent'), { recursive: true }).then(() => writeFile(join(root, 'knowledge/intent/q.json'), '[]')), () => rm(join(root, 'knowledge'), { recursive: true })],
  ];
  for (const [what, change, undo] of changes) {
    await change();
    assert.notEqual(await hash(), base, `${what} changes the hash`);
    await undo();
    assert.equal(await hash(), base, `undoing ${what} restores it`);
  }
  assert.notEqual(await hash({ ...deps, extra: '{"k":3}' }), base, 'the configuration changes the hash');
  await writeFile(join(root, 'lexicons/README.md'), '# what the lexicon is');
  assert.equal(await hash(), base, 'a README inside a folder is documentation, not an input');
  await writeFile(join(root, 'lexicons/README.md'), '# edited');
  assert.equal(await hash(), base, 'editing it does not stale the figure');
  const manifest = (pkg: object) => writeFile(join(root, 'package.json'), JSON.stringify(pkg, null, 2));
  await manifest({ type: 'module', scripts: { test: 'node --test' }, dependencies: { sharp: '0.34.1' } });
  const withManifest = await hash({ ...deps, paths: [...deps.paths, 'package.json'] });
  await manifest({ type: 'module', scripts: { test: 'node --test --test-concurrency=2', bench: 'x' }, dependencies: { sharp: '0.34.1' } });
  assert.equal(await hash({ ...deps, paths: [...deps.paths, 'package.json'] }), withManifest, 'the manifest\'s scripts are not an input');
  await manifest({ type: 'module', scripts: { test: 'node --test' }, dependencies: { sharp: '0.34.2' } });
  assert.notEqual(await hash({ ...deps, paths: [...deps.paths, 'package.json'] }), withManifest, 'its dependencies are');
  await manifest({ type: 'commonjs', scripts: { test: 'node --test' }, dependencies: { sharp: '0.34.1' } });
  assert.notEqual(await hash({ ...deps, paths: [...deps.paths, 'package.json'] }), withManifest, 'and so are its module settings');
  assert.notEqual(await hash({ ...deps, paths: [...deps.paths, 'lexicons/README.md'] }), await hash({ ...deps, paths: [...deps.paths, 'absent.md'] }), 'a Markdown file named on its own still counts');
});

function estimateOf(samples: Sample[], seeds: number[], wrongEvery: number): TaskResult['estimate'] {
  const seedLabels = seeds.map((seed) => samples.map((s, i) => ((i + seed) % wrongEvery === 0 ? (s.label === LABELS[0] ? LABELS[1] : LABELS[0]) : s.label!)));
  const gold = samples.map((s) => s.label!);
  return { seeds, seedLabels, seedWeightedF1: seedLabels.map((p) => pooledWeightedF1([{ gold, predicted: p }])) };
}

const sceneSamples: Sample[] = Array.from({ length: 8 }, (_, i) => ({ id: `sc${i}`, index: i, task: 'scene', candidates: [], turns: [], images: [], label: i % 2 ? '订单页面' : '商品页面' }));
const intentSamples: Sample[] = Array.from({ length: 10 }, (_, i) => sample(`in${i}`, LABELS[i % 3], 'k'));

test('results.json: one task leaves `all` missing; both of one recipe pool exactly; a changed dependency withdraws `all`', async () => {
  const root = await tempRoot({ 'scene-data.json': 's', 'intent-data.json': 'i', 'src/a.ts': '1' });
  const file = join(root, 'bench', 'results.json');
  const sceneResult: TaskResult = {
    task: 'scene',
    recipe: 'shipped',
    protocol: 'nested 5-fold CV',
    estimate: estimateOf(sceneSamples, [0, 1], 4),
    samples: sceneSamples,
    folds: 5,
    details: { choices: 'x ×5' },
    dependencies: { paths: ['scene-data.json', 'src'], extra: 'scene-config' },
  };
  const intentResult: TaskResult = { ...sceneResult, task: 'intent', estimate: estimateOf(intentSamples, [0, 2], 3), samples: intentSamples, dependencies: { paths: ['intent-data.json', 'src'] } };

  clearDependencyHashMemo();
  const one = await recordTaskResult(file, sceneResult, { root, commit: 'abc' });
  assert.equal(one.all.weightedF1, null);
  assert.match(one.all.missing!, /no intent estimate/);
  assert.equal(one.scene!.weightedF1, (sceneResult.estimate.seedWeightedF1[0] + sceneResult.estimate.seedWeightedF1[1]) / 2);
  assert.deepEqual(one.scene!.seeds, [0, 1]);
  assert.equal(one.scene!.commit, 'abc');
  assert.match(one.scene!.dependencyHash, /^[0-9a-f]{64}$/);

  const both = await recordTaskResult(file, intentResult, { root, commit: 'abc' });
  // Only seed 0 is shared: pooled over the 18 samples of seed 0, each with its own gold label.
  const expected = pooledWeightedF1([
    { gold: sceneSamples.map((s) => s.label!), predicted: sceneResult.estimate.seedLabels[0] },
    { gold: intentSamples.map((s) => s.label!), predicted: intentResult.estimate.seedLabels[0] },
  ]);
  assert.deepEqual(both.all.seeds, [0]);
  assert.equal(both.all.weightedF1, expected);
  assert.equal(both.all.n, 18);
  assert.ok(both.scene && both.intent, 'the scene part was kept');
  const onDisk = JSON.parse(await readFile(file, 'utf8'));
  assert.deepEqual(Object.keys(onDisk).sort(), ['all', 'intent', 'protocol', 'scene']);
  assert.equal(onDisk.all.weightedF1, expected);
  assert.match(onDisk.protocol, /scene: nested 5-fold CV/);
  assert.equal((await readdir(join(root, 'bench', 'results', 'oof'))).length, 2);

  // The scene data changes; a new intent run cannot pool with the scene part any more.
  await writeFile(join(root, 'scene-data.json'), 's2');
  clearDependencyHashMemo();
  const stale = await recordTaskResult(file, intentResult, { root, commit: 'abc' });
  assert.equal(stale.all.weightedF1, null);
  assert.match(stale.all.missing!, /scene estimate is stale: scene-data.json changed/);
  assert.match(stale.scene!.stale!, /scene-data.json/);

  // Rerunning scene makes it fresh again; a different recipe does not pool.
  clearDependencyHashMemo();
  const fresh = await recordTaskResult(file, sceneResult, { root, commit: 'abc' });
  assert.equal(typeof fresh.all.weightedF1, 'number');
  assert.equal(fresh.scene!.stale, undefined);
  const other = await recordTaskResult(file, { ...sceneResult, recipe: 'no-knowledge' }, { root });
  assert.match(other.all.missing!, /different recipes/);

  // Without the stored predictions of the other task, `all` is missing rather than carried over.
  await recordTaskResult(file, sceneResult, { root });
  await rm(join(root, 'bench', 'results', 'oof'), { recursive: true });
  const lost = await recordTaskResult(file, sceneResult, { root });
  assert.match(lost.all.missing!, /intent out-of-fold predictions .* are not stored/);
});

test('results.json: the two reserved holdouts pool to the challenge score over their union, only when both parts have one', async () => {
  const root = await tempRoot({ 'scene-data.json': 's', 'intent-data.json': 'i', 'src/a.ts': '1' });
  const file = join(root, 'bench', 'results.json');
  // Holdout predictions of each task, scored alone and then pooled the way the challenge pools them.
  const sceneGold = ['订单页面', '订单页面', '商品页面', '商品页面', '物流页面', '订单页面', '商品页面'];
  const scenePred = ['订单页面', '商品页面', '商品页面', '商品页面', '订单页面', '订单页面', '物流页面'];
  const intentGold = [LABELS[0], LABELS[1], LABELS[2], LABELS[0], LABELS[1]];
  const intentPred = [LABELS[0], LABELS[1], LABELS[1], LABELS[2], LABELS[1]];
  const sceneHoldout = { weightedF1: pooledWeightedF1([{ gold: sceneGold, predicted: scenePred }]), n: sceneGold.length };
  const intentHoldout = { weightedF1: pooledWeightedF1([{ gold: intentGold, predicted: intentPred }]), n: intentGold.length };
  const union = pooledWeightedF1([
    { gold: sceneGold, predicted: scenePred },
    { gold: intentGold, predicted: intentPred },
  ]);
  const sceneResult: TaskResult = {
    task: 'scene',
    recipe: 'shipped',
    protocol: 'nested',
    estimate: estimateOf(sceneSamples, [0], 4),
    samples: sceneSamples,
    dependencies: { paths: ['scene-data.json', 'src'] },
  };
  const intentResult: TaskResult = { ...sceneResult, task: 'intent', estimate: estimateOf(intentSamples, [0], 3), samples: intentSamples, dependencies: { paths: ['intent-data.json', 'src'] } };
  clearDependencyHashMemo();
  await recordTaskResult(file, { ...sceneResult, holdout: sceneHoldout }, { root, commit: 'abc' });
  const without = await recordTaskResult(file, intentResult, { root, commit: 'abc' });
  assert.equal(typeof without.all.weightedF1, 'number');
  assert.equal(without.all.holdout, undefined, 'no pooled holdout while the intent part has none');
  const both = await recordTaskResult(file, { ...intentResult, holdout: intentHoldout }, { root, commit: 'abc' });
  assert.deepEqual(both.intent!.holdout, intentHoldout);
  assert.equal(both.all.holdout!.n, 12);
  assert.ok(Math.abs(both.all.holdout!.weightedF1 - union) < 1e-12, `${both.all.holdout!.weightedF1} vs ${union}`);
  await assert.rejects(recordTaskResult(file, { ...intentResult, holdout: { weightedF1: 1.2, n: 5 } }, { root }), /intent holdout needs a weighted F1 in \[0, 1\]/);
  await assert.rejects(recordTaskResult(file, { ...intentResult, holdout: { weightedF1: 0.5, n: 0 } }, { root }), /positive sample count/);
});

test('results.json refuses an estimate that does not match its samples', async () => {
  const root = await tempRoot({ 'd.json': '1' });
  const file = join(root, 'results.json');
  const base: TaskResult = { task: 'intent', recipe: 'r', protocol: 'p', estimate: estimateOf(intentSamples, [0], 3), samples: intentSamples, dependencies: { paths: ['d.json'] } };
  await assert.rejects(recordTaskResult(file, { ...base, samples: intentSamples.slice(1) }, { root }), { code: 'ECM_ERR_BAD_OPTION' });
  await assert.rejects(recordTaskResult(file, { ...base, task: 'scene' }, { root }), { code: 'ECM_ERR_BAD_OPTION' });
});
