import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import type { InspectReport } from '../../src/data/inspect.js';
import { cutJpeg, DEV_IMAGES, DEV_JSON, FIXTURES, miniRecords, tempDir } from '../data/helpers.js';
import { CLI_MAIN, CLI_NODE_ARGS, runCli } from './run-cli.js';

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

// Runs CLI command lines one after another in ONE child process, capturing each one's output there.
// In-process capture is not possible: the test runner reports through this process's stdout.
const RUNNER = `
import { main } from ${JSON.stringify(CLI_MAIN)};
const commands = JSON.parse(process.argv[1]);
const results = [];
const out = process.stdout.write.bind(process.stdout);
const err = process.stderr.write.bind(process.stderr);
let current;
// Exit code 13 (a top-level await that never settled) once killed this runner silently: name the command it was in.
// (Node passes 0 to 'exit' there and sets process.exitCode to 13.)
process.on('exit', (code) => { if (current) err('runner: exit ' + (code || process.exitCode) + ' during ' + JSON.stringify(current.args) + '; its stderr: ' + current.stderr() + '\\n'); });
for (const args of commands) {
  let stdout = '', stderr = '';
  current = { args, stderr: () => stderr };
  process.stdout.write = (chunk) => ((stdout += String(chunk)), true);
  process.stderr.write = (chunk) => ((stderr += String(chunk)), true);
  const started = Date.now();
  let code;
  try { code = await main(args); } finally { process.stdout.write = out; process.stderr.write = err; }
  results.push({ code, stdout, stderr, ms: Date.now() - started });
}
current = undefined;
out(JSON.stringify(results));
`;

function runAll(commands: string[][]): Promise<RunResult[]> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...CLI_NODE_ARGS, RUNNER, JSON.stringify(commands)], { maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      // The exit code or signal too: a runner that dies silently (it did once, in a fresh-clone CI) says how.
      if (error) return reject(new Error(`runner failed (exit code ${error.code ?? '?'}, signal ${error.signal ?? 'none'}): ${stderr || error.message}`));
      resolve(JSON.parse(stdout) as RunResult[]);
    });
  });
}

const COMMANDS = {
  devJson: ['data', 'inspect', DEV_JSON, '--images', DEV_IMAGES, '--json'],
  miniText: ['data', 'inspect', join(FIXTURES, 'mini-challenge.json')],
  truncated: ['data', 'inspect', join(FIXTURES, 'truncated.json')],
  dataHelp: ['data', '--help'],
  inspectHelp: ['data', 'inspect', '--help'],
  predictHelp: ['predict', '--help'],
};
let results: Record<string, RunResult>;

before(async () => {
  const records = await miniRecords();
  const bad = await tempDir({ 'fx-scene-1-0.png': 'corrupt', 'fx-intent-2-0.png': 'png', 'fx-intent-2-1.png': 'png' });
  const badFile = join(bad, 'data.json');
  await writeFile(badFile, JSON.stringify([records[0], { ...records[1], output: '不存在的标签' }, records[2]]));
  const good = await tempDir({ 'fx-scene-1-0.png': 'png', 'fx-intent-2-0.png': 'png', 'fx-intent-2-1.png': 'png' });
  const noImages = await tempDir({});
  const commands: Record<string, string[]> = {
    ...COMMANDS,
    badFirst: ['data', 'inspect', badFile, '--images', bad],
    badAll: ['data', 'inspect', badFile, '--images', bad, '--skip-bad', '--json'],
    // Model folders without a model: predict must check the data, then say which model is missing.
    predict: ['predict', '--data', join(FIXTURES, 'mini-challenge.json'), '--images', good, '--out', join(good, 'out.csv'), '--scene-model', good, '--intent-model', good],
    predictMissing: ['predict', '--data', join(FIXTURES, 'mini-challenge.json'), '--images', noImages, '--out', join(good, 'out.csv')],
  };
  const names = Object.keys(commands);
  const outputs = await runAll(names.map((n) => commands[n]));
  results = Object.fromEntries(names.map((n, i) => [n, outputs[i]]));
});

test('data inspect on the whole dev file, probing all 828 images: 560 scene, 239 intent, no problems', () => {
  const { code, stdout, ms } = results.devJson;
  assert.equal(code, 0);
  const report = JSON.parse(stdout) as InspectReport;
  assert.equal(report.format, 'challenge');
  assert.equal(report.records, 799);
  assert.equal(report.tasks.scene.samples, 560);
  assert.equal(report.tasks.intent.samples, 239);
  assert.deepEqual(report.problems, []);
  assert.equal(Object.keys(report.tasks.scene.labels).length, 23);
  assert.equal(report.tasks.scene.labels['商品分类选项'], 31);
  assert.deepEqual(report.tasks.scene.unusedCandidates, ['消费者与客服聊天页面', '个人信息页面']);
  assert.equal(report.tasks.intent.labels['适用季节'], 19);
  assert.deepEqual(report.tasks.intent.images, { min: 0, mean: 1.12, max: 4 });
  assert.equal(report.tasks.intent.turns.max, 18);
  // A loose bound (speed is the bench's to measure): 4 s here alone, 6.7 s beside two busy loops.
  assert.ok(ms < 60_000, `inspect took ${ms} ms`);
});

test('data inspect prints a text table by default', () => {
  const { code, stdout } = results.miniText;
  assert.equal(code, 0);
  assert.match(stdout, /scene: 1 samples, 1 labelled/);
  assert.match(stdout, /intent: 2 samples, 1 labelled/);
  assert.match(stdout, /images per sample\s+min 0\s+mean 1\s+max 2/);
});

test('data inspect stops at the first problem, or with --skip-bad lists them all; exit code 1 either way', () => {
  assert.equal(results.badFirst.code, 1);
  assert.match(results.badFirst.stderr, /id fx-scene-1: image fx-scene-1-0.png is corrupt.*\[ECM_ERR_IMAGE_CORRUPT\]/);
  assert.equal(results.badAll.code, 1);
  const report = JSON.parse(results.badAll.stdout) as InspectReport;
  assert.deepEqual(report.problems.map((p) => [p.code, p.item.id]), [
    ['ECM_ERR_IMAGE_CORRUPT', 'fx-scene-1'],
    ['ECM_ERR_UNKNOWN_LABEL', 'fx-intent-2'],
  ]);
  assert.equal(report.samples, 1);
  assert.equal(report.records, 3);
  assert.equal(results.truncated.code, 1);
  assert.match(results.truncated.stderr, /fx-intent-2.*\[ECM_ERR_BAD_JSON\]/);
});

test('predict validates the data, then reports that no model is available', () => {
  assert.equal(results.predict.code, 3, 'no model');
  // The folder given is named (it said "pass --scene-model DIR", which had been passed).
  assert.match(results.predict.stderr, /the (scene|intent) model folder \S+ has no model\.json.*\[ECM_ERR_NO_MODEL\]/);
  assert.equal(results.predictMissing.code, 1);
  assert.match(results.predictMissing.stderr, /fx-scene-1.*\[ECM_ERR_IMAGE_MISSING\]/);
});

test('every data and predict command has --help with a description', () => {
  for (const name of ['dataHelp', 'inspectHelp', 'predictHelp']) {
    const { code, stdout } = results[name];
    assert.equal(code, 0);
    assert.match(stdout, /Usage: ecommir/);
    assert.ok(stdout.split('\n').some((l) => /^[A-Z][a-z]+ /.test(l)), `no description in ${name}`);
  }
});

test('data inspect --images finds a truncated JPEG, whose header reads, as predict does, naming the record', async () => {
  const cut = await cutJpeg();
  const dir = await tempDir({ 'cut.jpg': '', 'fx-intent-2-0.png': 'png', 'fx-intent-2-1.png': 'png' });
  await writeFile(join(dir, 'cut.jpg'), cut);
  const records = await miniRecords();
  const data = join(dir, 'data.json');
  await writeFile(data, JSON.stringify([{ ...records[0], id: 'cut-scene', image: ['cut.jpg'] }, records[1], records[2]]));
  const first = await runCli(['data', 'inspect', data, '--images', dir]);
  assert.equal(first.code, 1, first.stdout);
  assert.match(first.stderr, /record #0, id cut-scene: image cut\.jpg is corrupt or not a supported image.*\[ECM_ERR_IMAGE_CORRUPT\]/);
  const all = await runCli(['data', 'inspect', data, '--images', dir, '--skip-bad', '--json']);
  assert.equal(all.code, 1);
  const report = JSON.parse(all.stdout) as InspectReport;
  assert.deepEqual(report.problems.map((p) => [p.code, p.item.index, p.item.id]), [['ECM_ERR_IMAGE_CORRUPT', 0, 'cut-scene']]);
  assert.equal(report.samples, 2);
});

test('predict refuses a dialogue whose photo is cut, as the service does, in one process and on workers alike', { timeout: 300_000 }, async () => {
  // The shipped intent model reads no pixels: the dialogue was answered, with no entry in the errors file.
  const png = await readFile(new URL('../../examples/screenshots/order.png', import.meta.url));
  const dir = await tempDir({ 'fx-scene-1-0.png': 'png', 'fx-intent-2-1.png': 'png' });
  await writeFile(join(dir, 'fx-intent-2-0.png'), png.subarray(0, png.length >> 1));
  const data = join(dir, 'data.json');
  await writeFile(data, JSON.stringify(await miniRecords()));
  const runs = await Promise.all(['1', '2'].map((concurrency) => runCli(['predict', data, '--images', dir, '--out', join(dir, `p${concurrency}.csv`), '--skip-bad', '--concurrency', concurrency])));
  for (const [k, run] of runs.entries()) {
    assert.equal(run.code, 1, run.stderr);
    const errors = (await readFile(join(dir, `p${k + 1}.csv.errors.jsonl`), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { id: string; code: string; message: string });
    assert.deepEqual(errors.map((e) => [e.id, e.code]), [['fx-intent-2', 'ECM_ERR_IMAGE_CORRUPT']], `--concurrency ${k + 1}`);
    assert.match(errors[0].message, /fx-intent-2-0\.png is corrupt or not a supported image/);
    // Found by the decode (in a worker at --concurrency 2), not the loader's header check: named in its data file all the same.
    assert.ok(errors[0].message.startsWith(`${data}, record #`), errors[0].message);
  }
});
