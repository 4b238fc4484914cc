// --skip-bad across commands: a run that left records out says so the same way everywhere. The
// skipped records are listed (index, id, code, message) and the exit code is 1, while the output
// made from the rest is still written; a pipeline notices the loss without parsing stderr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEV_JSON, tempDir } from '../data/helpers.js';
import { runCli } from './run-cli.js';
import { loadSamples } from '../../src/data/load.js';
import { IMAGE_MARKER } from '../../src/data/instruction.js';

// Labelled dev dialogues in the native format, their images left out (no OCR: the training is quick).
const textOnly = (await loadSamples(DEV_JSON)).samples
  .filter((s) => s.task === 'intent')
  .slice(0, 40)
  .map((s) => ({ id: s.id, task: 'intent', dialogue: s.turns.map((t) => ({ role: t.role, text: t.text.split(IMAGE_MARKER).join(' ').trim() })).filter((t) => t.text !== ''), label: s.label }))
  .filter((r) => r.dialogue.some((t) => t.role === 'user' && t.text !== ''));

test('train --skip-bad exits 1 when records were skipped, as predict does, lists them in --json, and still writes the model', { timeout: 300_000 }, async () => {
  const dir = await tempDir({});
  const data = join(dir, 'data.json');
  const good = textOnly;
  await writeFile(data, JSON.stringify([good[0], { id: 'bad', dialogue: [] }, ...good.slice(1)]));
  const out = join(dir, 'model');
  const result = await runCli(['train', 'intent', '--data', data, '--out', out, '--no-knowledge', '--skip-bad', '--json']);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /skipped .*record #1, id bad: task must be "scene" or "intent"/);
  const report = JSON.parse(result.stdout) as { out: string; skipped: { index: number; id: string; code: string; message: string }[] };
  assert.equal(report.out, out);
  assert.deepEqual(report.skipped.map((s) => [s.index, s.id, s.code]), [[1, 'bad', 'ECM_ERR_UNKNOWN_TASK']]);
  assert.match(report.skipped[0].message, /record #1, id bad: task must be/);
  await access(join(out, 'model.json'));

  // The same data through predict: the same exit code, the same record listed.
  const pred = join(dir, 'out.csv');
  const predicted = await runCli(['predict', '--data', data, '--out', pred, '--no-progress', '--skip-bad', '--concurrency', '1', '--intent-model', out]);
  assert.equal(predicted.code, 1, predicted.stderr);
  const errors = (await readFile(`${pred}.errors.jsonl`, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(errors, report.skipped, 'predict and train list a skipped record alike');

  // Nothing skipped: exit 0 and an empty list.
  await writeFile(data, JSON.stringify(good));
  const clean = await runCli(['train', 'intent', '--data', data, '--out', join(dir, 'model2'), '--no-knowledge', '--skip-bad', '--json']);
  assert.equal(clean.code, 0, clean.stderr);
  assert.deepEqual((JSON.parse(clean.stdout) as { skipped: unknown[] }).skipped, []);
});

test('a failed predict run leaves no errors file of an earlier run, and keeps the earlier output whole, saying so', { timeout: 300_000 }, async () => {
  const dir = await tempDir({});
  const data = join(dir, 'data.json');
  const out = join(dir, 'out.csv');
  const errorsFile = `${out}.errors.jsonl`;
  const common = ['predict', '--data', data, '--out', out, '--no-progress', '--concurrency', '1'];
  // Run 1: one bad record skipped; its output and its errors file.
  await writeFile(data, JSON.stringify([textOnly[0], { id: 'bad', dialogue: [] }, textOnly[1]]));
  const first = await runCli([...common, '--skip-bad']);
  assert.equal(first.code, 1, first.stderr);
  const written = await readFile(out, 'utf8');
  assert.match(await readFile(errorsFile, 'utf8'), /"id":"bad"/);

  // Run 2: the data fixed, but the run fails (no intent model in the folder given).
  await writeFile(data, JSON.stringify(textOnly.slice(0, 2)));
  const empty = join(dir, 'no-model');
  await mkdir(empty);
  const failed = await runCli([...common, '--intent-model', empty]);
  assert.equal(failed.code, 3, failed.stderr);
  assert.match(failed.stderr, /\[ECM_ERR_NO_MODEL\]/);
  await assert.rejects(access(errorsFile), 'the errors of run 1 do not survive run 2');
  assert.equal(await readFile(out, 'utf8'), written, 'the output of run 1 is kept whole');
  assert.ok(failed.stderr.includes(`${out} is left from an earlier run`), failed.stderr);

  // Run 3: all well; the output replaced, no errors file, no temporary file.
  const ok = await runCli(common);
  assert.equal(ok.code, 0, ok.stderr);
  await assert.rejects(access(errorsFile));
  assert.equal((await readFile(out, 'utf8')).trim().split('\n').length, 3, 'a header and two rows');
  assert.deepEqual((await readdir(dir)).sort(), ['data.json', 'no-model', 'out.csv']);
});
