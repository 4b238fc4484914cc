import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../cli/run-cli.js';

interface ChallengeRecord { id: string; instruction: string; input: string; output: string; image: string[] }
const dev = JSON.parse(readFileSync(new URL('../../../shared/data/www2025-mir/train.json', import.meta.url), 'utf8')) as ChallengeRecord[];
const isIntent = (r: ChallengeRecord) => r.instruction.includes('<用户与客服的对话 START>');

// A tiny gold file of five real dev records: scene gold [A, B] predicted [A, A]; intent gold
// [X, Y, X] predicted [X, Y, Y]. Worked by hand:
//   scene: F1(A) = 2/3 (support 1), F1(B) = 0 (support 1) → weighted 1/3, macro 1/3, accuracy 1/2
//   intent: F1(X) = 2/3 (p 1, r 1/2), F1(Y) = 2/3 (p 1/2, r 1) → weighted 2/3, accuracy 2/3
//   all: (2/3·1 + 0·1 + 2/3·2 + 2/3·1) / 5 = 8/15, macro (2/3 + 0 + 2/3 + 2/3) / 4 = 1/2, accuracy 3/5
const scene = dev.filter((r) => !isIntent(r));
const sceneA = scene[0];
const sceneB = scene.find((r) => r.output !== sceneA.output)!;
const intent = dev.filter(isIntent);
const intentX1 = intent[0];
const intentX2 = intent.find((r) => r !== intentX1 && r.output === intentX1.output)!;
const intentY = intent.find((r) => r.output !== intentX1.output)!;
const gold = [sceneA, sceneB, intentX1, intentY, intentX2];
const predicted: Record<string, string> = {
  [sceneA.id]: sceneA.output,
  [sceneB.id]: sceneA.output,
  [intentX1.id]: intentX1.output,
  [intentY.id]: intentY.output,
  [intentX2.id]: intentY.output,
};

const dir = mkdtempSync(join(tmpdir(), 'ecommir-eval-'));
const goldFile = join(dir, 'gold.json');
writeFileSync(goldFile, JSON.stringify(gold));
const predCsv = join(dir, 'pred.csv');
writeFileSync(predCsv, '\uFEFFid,predict\n' + gold.map((r) => `${r.id},${predicted[r.id]}`).join('\n') + '\n');
const predJsonl = join(dir, 'pred.jsonl');
writeFileSync(predJsonl, gold.map((r) => JSON.stringify({ id: r.id, label: predicted[r.id] })).join('\n') + '\n');

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

test('eval --json on a tiny gold/pred pair gives the hand-computed scores', async () => {
  assert.notEqual(intentX1.output, intentY.output);
  const { code, stdout, stderr } = await runCli(['eval', '--gold', goldFile, '--pred', predCsv, '--json']);
  assert.equal(code, 0, stderr);
  const out = JSON.parse(stdout);
  assert.equal(out.scene.n, 2);
  close(out.scene.weightedF1, 1 / 3, 'scene weighted');
  close(out.scene.accuracy, 1 / 2, 'scene accuracy');
  assert.equal(out.intent.n, 3);
  close(out.intent.weightedF1, 2 / 3, 'intent weighted');
  close(out.intent.accuracy, 2 / 3, 'intent accuracy');
  assert.equal(out.all.n, 5);
  close(out.all.weightedF1, 8 / 15, 'pooled weighted');
  close(out.all.macroF1, 1 / 2, 'pooled macro');
  close(out.all.accuracy, 3 / 5, 'pooled accuracy');
  close(out.intent.perClass.perClass[intentX1.output].recall, 1 / 2, 'recall X');
});

test('eval reads JSONL predictions and prints a text report', async () => {
  const { code, stdout } = await runCli(['eval', '--gold', goldFile, '--pred', predJsonl]);
  assert.equal(code, 0);
  assert.match(stdout, /Official challenge score \(weighted F1, both tasks pooled\): 0\.5333/);
  assert.match(stdout, /== intent ==/);
  assert.match(stdout, /weighted avg/);
});

test('eval names a gold id without prediction, and a prediction id not in gold', async () => {
  const missing = join(dir, 'missing.jsonl');
  writeFileSync(missing, gold.slice(1).map((r) => JSON.stringify({ id: r.id, label: predicted[r.id] })).join('\n') + '\n');
  const a = await runCli(['eval', '--gold', goldFile, '--pred', missing]);
  assert.equal(a.code, 1);
  assert.match(a.stderr, new RegExp(`record #0, id ${sceneA.id}: no prediction.*ECM_ERR_BAD_RECORD`));
  // Every missing id is counted, the first few named (one at a time took a run for each).
  const twoMissing = join(dir, 'two-missing.jsonl');
  writeFileSync(twoMissing, gold.slice(2).map((r) => JSON.stringify({ id: r.id, label: predicted[r.id] })).join('\n') + '\n');
  const two = await runCli(['eval', '--gold', goldFile, '--pred', twoMissing]);
  assert.equal(two.code, 1);
  assert.ok(two.stderr.includes(`(2 gold samples have none: ids ${sceneA.id}, ${sceneB.id})`), two.stderr);
  // A header-only CSV says it holds nothing, naming the file.
  const empty = join(dir, 'empty.csv');
  writeFileSync(empty, 'id,predict\n');
  const none = await runCli(['eval', '--gold', goldFile, '--pred', empty]);
  assert.equal(none.code, 1, none.stderr);
  assert.ok(none.stderr.includes(`${empty}: the file holds no predictions, for 5 gold samples`), none.stderr);
  const extra = join(dir, 'extra.jsonl');
  writeFileSync(extra, readFileSync(predJsonl, 'utf8') + JSON.stringify({ id: 'not-a-gold-id', label: 'x' }) + '\n');
  const b = await runCli(['eval', '--gold', goldFile, '--pred', extra]);
  assert.equal(b.code, 1);
  assert.match(b.stderr, /not-a-gold-id/);
  const c = await runCli(['eval', '--gold', goldFile, '--pred', extra, '--ignore-extra', '--json']);
  assert.equal(c.code, 0);
  assert.deepEqual(JSON.parse(c.stdout).ignoredPredictionIds, ['not-a-gold-id']);
});

test('eval warns of predicted labels outside the label set, and scores them as wrong', async () => {
  const outside = join(dir, 'outside.jsonl');
  writeFileSync(outside, gold.map((r) => JSON.stringify({ id: r.id, label: r.id === sceneB.id ? '物流页面' : predicted[r.id] })).join('\n') + '\n');
  const { code, stdout, stderr } = await runCli(['eval', '--gold', goldFile, '--pred', outside, '--json']);
  assert.equal(code, 0, stderr);
  assert.match(stderr, new RegExp(`warning: 1 prediction\\(s\\) have a label outside their task's label set, scored as wrong \\(first: id ${sceneB.id}\\): scene "物流页面"; for a label set of your own, pass --taxonomy FILE`));
  const out = JSON.parse(stdout);
  assert.deepEqual(out.outsideLabelSet, [{ id: sceneB.id, task: 'scene', label: '物流页面' }]);
  // scene gold [A, B] predicted [A, outside]: F1(A) = 1, F1(B) = 0.
  close(out.scene.weightedF1, 1 / 2, 'scene weighted F1, the outside label a miss');
  const clean = await runCli(['eval', '--gold', goldFile, '--pred', predJsonl]);
  assert.doesNotMatch(clean.stderr, /warning/);
});

test('eval --help and data clean --help describe the commands', async () => {
  const e = await runCli(['eval', '--help']);
  assert.equal(e.code, 0);
  assert.match(e.stdout, /--gold <file>/);
  const c = await runCli(['data', 'clean', '--help']);
  assert.equal(c.code, 0);
  assert.match(c.stdout, /--explain/);
});

test('data clean --explain shows the cleaned dialogue and each removal with its rule', async () => {
  const { code, stdout } = await runCli(['data', 'clean', goldFile, '--explain', '--task', 'intent']);
  assert.equal(code, 0);
  assert.match(stdout, new RegExp(`# ${intentX1.id}`));
  assert.doesNotMatch(stdout, new RegExp(`# ${sceneA.id}`));
  assert.match(stdout, /用户: <image> <http> 内胆使用的是316不锈钢吗/);
  assert.match(stdout, /- turn 2 sentence\/cannot-read-image: 抱歉哦，小富目前还不能识别图片/);
  const json = await runCli(['data', 'clean', goldFile, '--json', '--explain']);
  const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 5);
  assert.ok(lines.find((l) => l.id === intentX1.id).removed.some((r: { rule: string }) => r.rule === 'cannot-read-image'));
});

test('data clean shows a dialogue whose gold label is outside the label set, where the commands that use labels refuse it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ecommir-clean-label-'));
  // A native record with a label of no taxonomy, and a challenge record whose output is not among its candidates.
  const native = join(dir, 'own.jsonl');
  writeFileSync(native, JSON.stringify({ id: 'n1', task: 'intent', dialogue: [{ role: 'user', text: '这个杯子会生锈吗' }], label: '我们自己的标签' }) + '\n');
  const challenge = join(dir, 'challenge.json');
  writeFileSync(challenge, JSON.stringify([{ ...intentX1, output: '不在候选里的标签' }]));
  for (const [file, id, label] of [[native, 'n1', '我们自己的标签'], [challenge, intentX1.id, '不在候选里的标签']]) {
    const cleaned = await runCli(['data', 'clean', file]);
    assert.equal(cleaned.code, 0, cleaned.stderr);
    assert.match(cleaned.stdout, new RegExp(`# ${id} \\(record 0, intent, ${label}\\)`));
    // Still refused, naming the label, where the label is used.
    const inspected = await runCli(['data', 'inspect', file]);
    assert.notEqual(inspected.code, 0);
    assert.match(inspected.stderr, new RegExp(label));
    const pred = join(dir, 'pred.jsonl');
    writeFileSync(pred, JSON.stringify({ id, label: '是否会生锈' }) + '\n');
    for (const args of [['eval', '--gold', file, '--pred', pred], ['train', 'intent', file, '--out', join(dir, 'model')]]) {
      const refused = await runCli(args);
      assert.notEqual(refused.code, 0, `${args[0]}: ${refused.stdout}`);
      assert.match(refused.stderr, new RegExp(`${label}.*ECM_ERR_UNKNOWN_LABEL`), args[0]);
    }
  }
  // A label that is a candidate but for the width of its punctuation is shown as the candidate spells it, as before.
  const candidates = JSON.parse(/分类标签:(\[[^\]]*\])/.exec(sceneA.instruction)![1]) as string[];
  const candidate = candidates.find((c) => c.includes('(') && c.includes(')'))!;
  const wide = join(dir, 'wide.json');
  writeFileSync(wide, JSON.stringify([{ ...sceneA, output: candidate.replace('(', '（').replace(')', '）') }]));
  const cleaned = await runCli(['data', 'clean', wide]);
  assert.equal(cleaned.code, 0, cleaned.stderr);
  assert.ok(cleaned.stdout.includes(`(record 0, scene, ${candidate})`), cleaned.stdout.split('\n')[0]);
});

test('a gold file whose records share an id is scored against predict\'s own output by position; predictions in another order are refused with the way out', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ecommir-eval-dup-'));
  const goldFile = join(dir, 'gold.jsonl');
  const rows = [['这个杯子会生锈吗', '是否会生锈'], ['用着好不好用', '是否好用'], ['一共发几件', '发货数量']];
  writeFileSync(goldFile, rows.map(([text, label]) => JSON.stringify({ id: 'same', task: 'intent', dialogue: [{ role: 'user', text }], label })).join('\n') + '\n');
  // As predict writes it: one row per record, in the gold file's order; the last one wrong.
  const predFile = join(dir, 'pred.jsonl');
  writeFileSync(predFile, ['是否会生锈', '是否好用', '是否好用'].map((label) => JSON.stringify({ id: 'same', label })).join('\n') + '\n');
  const scored = await runCli(['eval', '--gold', goldFile, '--pred', predFile, '--json']);
  assert.equal(scored.code, 0, scored.stderr);
  assert.equal(JSON.parse(scored.stdout).intent.accuracy, 2 / 3);
  // One prediction fewer: no longer the file made for this gold file, and the ids cannot pair it.
  writeFileSync(predFile, ['是否会生锈', '是否好用'].map((label) => JSON.stringify({ id: 'same', label })).join('\n') + '\n');
  const refused = await runCli(['eval', '--gold', goldFile, '--pred', predFile]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /duplicate id: record #0 has the same id/);
  const inspect = await runCli(['data', 'inspect', goldFile]);
  assert.match(inspect.stdout, /ids used by more than one record \(1\)[^\n]*\n {2}"same": records #0, #1, #2/);
});
