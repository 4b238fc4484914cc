// Damaged model folders are refused when they load, naming the file and what is wrong, never read
// without bound and never answered from: a pipe, a device, an infinite weight, labels out of order
// with the taxonomy, settings out of range. A value that only shows at prediction (NaN out of a huge
// prior power) is refused there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EcommirError } from '../../src/errors.js';
import { Taxonomy } from '../../src/labels/taxonomy.js';
import { decodeFloat32, encodeTypedArray } from '../../src/learn/typed-json.js';
import { DEFAULT_MODELS_DIR } from '../../src/tasks/default-models.js';
import { IntentRecognizer } from '../../src/tasks/intent/recognizer.js';
import { fromModelFile, MODEL_FILE } from '../../src/tasks/model-file.js';
import { rankPrediction } from '../../src/tasks/rank.js';
import { tempDir } from '../data/helpers.js';
import { runCli } from '../cli/run-cli.js';

const shipped = JSON.parse(readFileSync(join(DEFAULT_MODELS_DIR, 'intent', MODEL_FILE), 'utf8')) as Record<string, unknown>;

async function folderWith(change: (json: Record<string, unknown>) => void): Promise<string> {
  const dir = await tempDir({});
  const json = structuredClone(shipped);
  change(json);
  writeFileSync(join(dir, MODEL_FILE), JSON.stringify(json));
  return dir;
}

const refused = (code: string, pattern: RegExp) => (err: unknown) => {
  assert.ok(err instanceof EcommirError, String(err));
  assert.equal(err.code, code, err.message);
  assert.match(err.message, pattern);
  return true;
};

test('a model file that is a pipe or a device is refused at once, by name', { timeout: 30_000 }, async () => {
  const dir = await tempDir({});
  execFileSync('mkfifo', [join(dir, MODEL_FILE)]);
  const started = performance.now();
  await assert.rejects(IntentRecognizer.load(dir), refused('ECM_ERR_NO_MODEL', /model\.json: it is a pipe, not a file/));
  assert.ok(performance.now() - started < 5000);
  const device = await tempDir({});
  mkdirSync(device, { recursive: true });
  symlinkSync('/dev/zero', join(device, MODEL_FILE));
  await assert.rejects(IntentRecognizer.load(device), refused('ECM_ERR_NO_MODEL', /it is a device, not a file/));
  // predict hashes the model file for its version before any model loads: the pipe hung it there.
  const data = join(dir, 'data.json');
  writeFileSync(data, JSON.stringify([{ id: 'a', task: 'intent', dialogue: [{ role: 'user', text: '会生锈吗' }] }]));
  const run = await runCli(['predict', data, '--out', join(dir, 'out.csv'), '--intent-model', dir, '--concurrency', '1', '--no-progress']);
  assert.equal(run.code, 3, run.stderr);
  assert.match(run.stderr, /model\.json: it is a pipe, not a file \[ECM_ERR_NO_MODEL\]/);
});

test('labels out of the taxonomy’s order, or settings out of range, are refused naming the file', async () => {
  const reversed = await folderWith((json) => (json.labels = [...(json.labels as string[])].reverse()));
  await assert.rejects(IntentRecognizer.load(reversed), refused('ECM_ERR_BAD_JSON', new RegExp(`${join(reversed, MODEL_FILE)}: its labels disagree with its taxonomy \\(label 0 is "气泡" there`)));
  for (const [field, value] of [['temperature', 'hot'], ['temperature', 0], ['threshold', -1], ['threshold', 'x'], ['denoise', 'yes']] as const) {
    const dir = await folderWith((json) => (json[field] = value));
    await assert.rejects(IntentRecognizer.load(dir), refused('ECM_ERR_BAD_JSON', new RegExp(`model\\.json: ${field} is ${JSON.stringify(value)}`)), `${field} ${value}`);
  }
});

test('variant tables that are not an object, and a lexicon whose labels are a list, are refused naming the file', async () => {
  // A number was taken as empty tables (no variant folded), saying nothing. A lexicon may name labels outside the
  // model's taxonomy (train --taxonomy keeps the whole built-in lexicon, and its tokens were in the training data).
  const numbered = await folderWith((json) => (json.variants = 5));
  await assert.rejects(IntentRecognizer.load(numbered), refused('ECM_ERR_BAD_JSON', /variant tables .*\(variants\): must be an object \{phrases, characters, latin, classes\}/));
  const listed = await folderWith((json) => ((json.lexicon as { labels: unknown }).labels = [['会生锈']]));
  await assert.rejects(IntentRecognizer.load(listed), refused('ECM_ERR_BAD_JSON', /lexicon .*\(lexicon\) needs a "labels" object/));
});

test('a stack whose members and meta-learner do not fit together is refused when it loads, not at the first prediction', async () => {
  const lessMembers = await folderWith((json) => {
    const fitted = (json.learner as { fitted: { members: unknown[] } }).fitted;
    fitted.members = fitted.members.slice(1);
  });
  await assert.rejects(IntentRecognizer.load(lessMembers), refused('ECM_ERR_BAD_JSON', /model\.json: StackingClassifier: its meta-learner does not take the 1 members' 23 probabilities/));
  const none = await folderWith((json) => ((json.learner as { fitted: { members: unknown[] } }).fitted.members = []));
  await assert.rejects(IntentRecognizer.load(none), refused('ECM_ERR_BAD_JSON', /StackingClassifier: no members/));
});

test('a saved weight that is not finite is refused as it is decoded, and the error names the model file', () => {
  assert.throws(() => decodeFloat32(encodeTypedArray(Float32Array.of(0.5, Infinity)), 'Head.params'), refused('ECM_ERR_BAD_JSON', /Head\.params: value 1 of 2 is Infinity/));
  assert.throws(
    () => fromModelFile('/models/x', () => decodeFloat32(encodeTypedArray(Float32Array.of(NaN)), 'Head.params')),
    refused('ECM_ERR_BAD_JSON', /^model file \/models\/x\/model\.json: Head\.params: value 0 of 1 is NaN/),
  );
  assert.throws(() => fromModelFile('/models/x', () => (null as unknown as { a: number }).a), refused('ECM_ERR_BAD_JSON', /model file \/models\/x\/model\.json does not hold a model ecommir can read/));
});

test('a probability that is not finite is refused, not ranked first as "NaN %"', () => {
  const taxonomy = Taxonomy.default('intent');
  const scores = new Float64Array(taxonomy.labels.length).fill(NaN);
  const sample = { id: 's', index: 0, task: 'intent' as const, candidates: [] };
  assert.throws(() => rankPrediction(sample, taxonomy, scores), refused('ECM_ERR_NO_MODEL', /the intent model gave NaN as the probability of 反馈密封性不好/));
});
