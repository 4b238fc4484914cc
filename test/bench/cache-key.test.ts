// The bench's cross-validation cache: a row's key sees the data, the knowledge, the code and the
// configuration, and a row read from the cache says so in its table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { benchDependencies, cacheKey, cacheSettings, cachedCv, cvTable, DEV_IMAGES, DEV_JSON, headlineRecordOptions, ROOT } from '../../bench/sections/common.js';
import { crossValidate } from '../../src/eval/cross-validate.js';
import { clearDependencyHashMemo } from '../../src/eval/dependency-hash.js';
import { fitToy, TAXONOMY, toySamples } from '../eval/toy-model.js';

// A copy of the repository's layout in a temp folder: root/{src,lexicons,rules,taxonomies,package*.json}
// and the dev data where the bench expects it relative to the root (../shared/data/www2025-mir/).
async function fakeCheckout(): Promise<string> {
  const base = await mkdtemp(join(tmpdir(), 'ecommir-bench-key-'));
  const root = join(base, 'repo');
  const files: Record<string, string> = {
    'src/tasks/intent/recognizer.ts': 'export const a = 1;',
    'lexicons/intent.json': '{"labels":{"反馈密封性不好":["漏水"]}}',
    'rules/denoise.json': '{"rules":[]}',
    'taxonomies/intent.json': '{}',
    'package.json': '{"version":"0.1.0"}',
    'package-lock.json': '{}',
    [relative(ROOT, DEV_JSON)]: '[{"id":"a"}]',
    [join(relative(ROOT, DEV_IMAGES), 'a-0.jpg')]: 'jpeg bytes',
  };
  for (const [name, body] of Object.entries(files)) {
    await mkdir(join(root, name, '..'), { recursive: true });
    await writeFile(join(root, name), body);
  }
  return root;
}

test('a cached row’s key changes with a lexicon entry, a rule, a source file, the data, the package version and the configuration', async () => {
  const root = await fakeCheckout();
  const spec = { task: 'intent' as const, config: { views: 'shipped', folds: 5, seeds: [0, 1, 2] } };
  const key = async (s: typeof spec | { task: 'scene'; config: unknown } = spec) => {
    clearDependencyHashMemo();
    return (await cacheKey(s, root)).key;
  };
  const base = await key();
  assert.equal(await key(), base);
  const edits: [string, string, string, string][] = [
    ['a lexicon entry', 'lexicons/intent.json', '{"labels":{"反馈密封性不好":["漏水","渗水"]}}', '{"labels":{"反馈密封性不好":["漏水"]}}'],
    ['a rule', 'rules/denoise.json', '{"rules":[{"id":"x"}]}', '{"rules":[]}'],
    ['a source file', 'src/tasks/intent/recognizer.ts', 'export const a = 2;', 'export const a = 1;'],
    ['the taxonomy', 'taxonomies/intent.json', '{"x":1}', '{}'],
    ['the data', relative(ROOT, DEV_JSON), '[{"id":"b"}]', '[{"id":"a"}]'],
    ['the package version', 'package.json', '{"version":"0.2.0"}', '{"version":"0.1.0"}'],
    ['a new knowledge folder', 'knowledge/intent/questions.json', '[]', ''],
  ];
  for (const [what, file, changed, original] of edits) {
    await mkdir(join(root, file, '..'), { recursive: true });
    await writeFile(join(root, file), changed);
    assert.notEqual(await key(), base, `${what} changes the key`);
    if (original) await writeFile(join(root, file), original);
    else await rm(join(root, 'knowledge'), { recursive: true });
    assert.equal(await key(), base, `restoring ${what} restores the key`);
  }
  assert.notEqual(await key({ ...spec, config: { ...spec.config, seeds: [0] } }), base, 'other seeds, another key');
  // Images: part of a scene row's key, not of a text-only intent row's.
  const sceneSpec = { task: 'scene' as const, config: {} };
  const sceneBase = await key(sceneSpec);
  await writeFile(join(root, relative(ROOT, DEV_IMAGES), 'a-0.jpg'), 'other bytes');
  assert.notEqual(await key(sceneSpec), sceneBase, 'an image changes a scene row’s key');
  assert.equal(await key(), base, 'an image does not change a text-only intent row’s key');
  // Knowledge: each task's own folders only (the scene models never read the intent knowledge).
  const intentBase = await key();
  const sceneNow = await key(sceneSpec);
  await mkdir(join(root, 'knowledge', 'intent-dialogues'), { recursive: true });
  await writeFile(join(root, 'knowledge', 'intent-dialogues', 'voice.jsonl'), '{}');
  assert.notEqual(await key(), intentBase, 'a hand-written intent dialogue changes an intent row’s key');
  assert.equal(await key(sceneSpec), sceneNow, 'intent knowledge does not change a scene row’s key');
  const intentNow = await key();
  await mkdir(join(root, 'knowledge', 'scene'), { recursive: true });
  await writeFile(join(root, 'knowledge', 'scene', 'apps.json'), '{}');
  assert.notEqual(await key(sceneSpec), sceneNow, 'scene knowledge changes a scene row’s key');
  assert.equal(await key(), intentNow, 'scene knowledge does not change an intent row’s key');
  await mkdir(join(root, 'knowledge', 'text'), { recursive: true });
  await writeFile(join(root, 'knowledge', 'text', 'variants.json'), '{}');
  assert.notEqual(await key(), intentNow, 'the shared text folding changes an intent row’s key');
  assert.ok(benchDependencies('intent', { images: true, models: true }).includes('models'));
});

test('cachedCv measures once, then reads the cache and the table says so; --fresh measures again', async () => {
  const root = await fakeCheckout();
  const saved = { ...cacheSettings };
  Object.assign(cacheSettings, { dir: join(root, 'cv-cache'), root, fresh: false });
  try {
    const samples = toySamples(6);
    let computed = 0;
    const compute = () => {
      computed++;
      return crossValidate(samples, (t) => fitToy(t), TAXONOMY, { k: 3, seeds: [0, 1] });
    };
    const spec = { task: 'intent' as const, config: { toy: true } };
    clearDependencyHashMemo();
    const first = await cachedCv(spec, compute);
    assert.equal(first.cached, undefined);
    const second = await cachedCv(spec, compute);
    assert.equal(computed, 1);
    assert.ok(second.cached && second.cached.seconds >= 0 && /^\d{4}-\d\d-\d\d/.test(second.cached.measuredAt));
    assert.deepEqual(second.cv.seedLabels, first.cv.seedLabels);
    // A headline read from the cache is recorded with the date it was measured; a fresh one with now.
    assert.equal(headlineRecordOptions(root, second.cached).date?.toISOString(), second.cached.measuredAt);
    assert.deepEqual(headlineRecordOptions(root, first.cached), { root });
    const table = cvTable([
      { name: 'fresh row', cv: first.cv, seconds: first.seconds },
      { name: 'cached row', cv: second.cv, seconds: 0, cached: second.cached, note: 'lexicon read these dialogues' },
    ]);
    assert.match(table, /\| cached row \|.*\| cached: measured \d{4}-\d\d-\d\d in \d+ s \| lexicon read these dialogues \|/);
    assert.doesNotMatch(table.split('\n').find((l) => l.includes('fresh row'))!, /cached/);
    assert.match(table, /\| 0: [01]\.\d{3}, 1: [01]\.\d{3} \|/, 'the seeds column names the seeds');
    // A change to the code: the old entry no longer answers.
    await writeFile(join(root, 'src/tasks/intent/recognizer.ts'), 'export const a = 3;');
    clearDependencyHashMemo();
    assert.equal((await cachedCv(spec, compute)).cached, undefined);
    assert.equal(computed, 2);
    cacheSettings.fresh = true;
    assert.equal((await cachedCv(spec, compute)).cached, undefined);
    assert.equal(computed, 3);
  } finally {
    Object.assign(cacheSettings, saved);
  }
});

test('a section header states protocol, folds and seeds, says when the run is partial, and lists what was chosen on the scored samples', async () => {
  const { protocolHeader, SECTION_FORMAT_MARK } = await import('../../bench/sections/common.js');
  const base = { protocol: '5-fold CV over 239 dialogues', folds: 5, defaultFolds: 5, defaultSeeds: [0, 1, 2], chosenOnScored: ['the lexicon read them'], defaults: 'nested CV' };
  const full = protocolHeader({ ...base, seeds: [0, 1, 2] });
  assert.ok(full.startsWith(SECTION_FORMAT_MARK));
  assert.match(full, /5 folds, seeds 0, 1, 2 \(the section’s default\)/);
  assert.doesNotMatch(full, /Partial run/);
  assert.match(full, /- the lexicon read them/);
  assert.match(full, /\*\*Default choices\.\*\* Nested CV/, 'capitalised');
  assert.match(protocolHeader({ ...base, seeds: [0] }), /\*\*Partial run\.\*\* .*this run used 5 folds × seeds 0,/);
  assert.match(protocolHeader({ ...base, seeds: [0, 1, 2], folds: 3 }), /\*\*Partial run\.\*\*/);
});

test("intent-honest's row keys: sample lists by size, the document cache left out, the learner and weights kept", async () => {
  const { describeIntentOptions } = await import('../../bench/sections/intent-honest.js');
  const samples = toySamples(3);
  const base = { views: [{ name: 'user', analyzer: { kind: 'char' as const, min: 1, max: 2 } }], knowledge: samples, knowledgeWeight: 0.1, documentCache: new WeakMap() };
  const d = describeIntentOptions(base as never) as Record<string, unknown>;
  assert.equal(d.knowledge, `${samples.length} samples`);
  assert.equal('documentCache' in d, false);
  assert.equal(d.knowledgeWeight, 0.1);
  const other = (o: object) => JSON.stringify(describeIntentOptions({ ...base, ...o } as never));
  assert.notEqual(other({ learner: { kind: 'SoftmaxRegression', options: { l2: 1e-3 } } }), other({ learner: { kind: 'SoftmaxRegression', options: { l2: 1e-4 } } }));
  assert.notEqual(other({ knowledgeWeight: 0.2 }), JSON.stringify(d));
  assert.equal(other({ documentCache: undefined }), JSON.stringify(d), 'the document cache changes speed only');
});
