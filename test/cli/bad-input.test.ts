// test: long (one of the longest files: scripts/test.ts starts it first, so that it does not end the side-by-side phase alone)
// Bad inputs met on the command line: each is refused with its code and the item it concerns, and
// before any work when it can be told up front (a bad --out). Records that share an id keep their own rows. A bad sample found only
// by a worker process is listed in predict's errors file under its own record, copies included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { FIXTURES, miniRecords, tempDir } from '../data/helpers.js';
import { runCli } from './run-cli.js';

const records = await miniRecords();
const [scene, , textOnly] = records;

/** One line naming the error code, no stack, and the CLI's exit code by kind: 2 the command line, 1 the input. */
function assertRefused(result: { code: number; stderr: string }, code: string, ...names: RegExp[]): void {
  assert.equal(result.code, code === 'ECM_ERR_BAD_OPTION' ? 2 : 1, result.stderr);
  assert.match(result.stderr, new RegExp(`\\[${code}\\]`));
  for (const name of names) assert.match(result.stderr, name);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
}

test('two records that share an id each get their own prediction row, in record order', async () => {
  const dir = await tempDir({});
  const data = join(dir, 'data.jsonl');
  const record = (text: string) => JSON.stringify({ id: 'same', task: 'intent', dialogue: [{ role: 'user', text }] });
  await writeFile(data, `${record('这个锅用久了会生锈吗')}\n${record('这件外套是什么面料的，纯棉吗')}\n`);
  const out = join(dir, 'out.csv');
  const result = await runCli(['predict', '--data', data, '--out', out, '--no-progress']);
  assert.equal(result.code, 0, result.stderr);
  const rows = (await readFile(out, 'utf8')).trim().split('\n').slice(1);
  assert.equal(rows.length, 2);
  // Rows are paired with records by position: the second record no longer takes the first one's label.
  assert.match(rows[0], /^same,.*,是否会生锈$/);
  assert.match(rows[1], /^same,.*,商品材质$/);
});

test('the data file is read as the argument as with --data; two different files or none are refused before any work', async () => {
  const dir = await tempDir({});
  const data = join(dir, 'data.jsonl');
  await writeFile(data, `${JSON.stringify({ id: 'rust', task: 'intent', dialogue: [{ role: 'user', text: '这个锅用久了会生锈吗' }] })}\n`);
  const out = join(dir, 'out.csv');
  const result = await runCli(['predict', data, '--out', out, '--no-progress']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(await readFile(out, 'utf8'), /\nrust,.*,是否会生锈\n/);
  assert.equal((await runCli(['predict', data, '--data', data, '--out', out, '--no-progress'])).code, 0, 'the same file twice is one file');
  assertRefused(await runCli(['predict', data, '--data', join(dir, 'other.json'), '--out', out]), 'ECM_ERR_BAD_OPTION', /two data files given/);
  assertRefused(await runCli(['train', 'intent', '--out', join(dir, 'model')]), 'ECM_ERR_BAD_OPTION', /no data file given: name it as the argument or with --data/);
  assertRefused(await runCli(['export', 'clip', '--out', join(dir, 'clip')]), 'ECM_ERR_BAD_OPTION', /no data file given/);
});

test('an image path that is a folder is refused naming the record and the image', async () => {
  const dir = await tempDir({});
  await mkdir(join(dir, 'images', 'fx-scene-1-0.png'), { recursive: true });
  const data = join(dir, 'data.json');
  await writeFile(data, JSON.stringify([scene]));
  const result = await runCli(['data', 'inspect', data, '--images', join(dir, 'images')]);
  assertRefused(result, 'ECM_ERR_FILE_UNREADABLE', /record #0, id fx-scene-1: cannot read image fx-scene-1-0\.png at .*: it is a folder/);
  const skipped = await runCli(['data', 'inspect', data, '--images', join(dir, 'images'), '--skip-bad']);
  assert.equal(skipped.code, 1);
  assert.match(skipped.stdout, /\[ECM_ERR_FILE_UNREADABLE\] .*record #0/);
});

test('eval refuses a second prediction for an id instead of scoring the last one', async () => {
  const dir = await tempDir({});
  const gold = join(dir, 'gold.jsonl');
  await writeFile(gold, [{ id: 'a', task: 'intent', dialogue: [{ role: 'user', text: '会生锈吗' }], label: '是否会生锈' }].map((r) => JSON.stringify(r)).join('\n'));
  const pred = join(dir, 'pred.jsonl');
  await writeFile(pred, `${JSON.stringify({ id: 'a', label: '是否会生锈' })}\n${JSON.stringify({ id: 'a', label: '商品材质' })}\n`);
  assertRefused(await runCli(['eval', '--gold', gold, '--pred', pred]), 'ECM_ERR_BAD_RECORD', /pred\.jsonl, record #1, id a: duplicate id: record #0/);
});

test('predict and train refuse an --out they cannot write before any work', async () => {
  const dir = await tempDir({ 'fx-scene-1-0.png': 'png' });
  const data = join(dir, 'data.json');
  await writeFile(data, JSON.stringify([textOnly]));
  assertRefused(await runCli(['predict', '--data', data, '--out', dir, '--no-progress']), 'ECM_ERR_BAD_OPTION', /is a folder/);
  assertRefused(await runCli(['predict', '--data', data, '--out', join(dir, 'no-such-folder', 'out.csv'), '--no-progress']), 'ECM_ERR_BAD_OPTION', /no-such-folder does not exist/);
  assertRefused(await runCli(['train', 'intent', '--data', data, '--out', join(data, 'model'), '--no-knowledge']), 'ECM_ERR_BAD_OPTION', /data\.json is a file, not a folder/);
  assert.deepEqual((await readdir(dir)).sort(), ['data.json', 'fx-scene-1-0.png'], 'no log, no output');
});

test('features extract reads the data file as the other commands do: a BOM is fine, a record that is not an object is named', async () => {
  const dir = await tempDir({});
  const data = join(dir, 'data.json');
  await writeFile(data, `\uFEFF${JSON.stringify([scene, null])}`);
  assertRefused(await runCli(['features', 'extract', '--data', data, '--no-progress', '--concurrency', '1']), 'ECM_ERR_BAD_RECORD', /record #1: a record must be an object/);
  await writeFile(data, '');
  assertRefused(await runCli(['features', 'extract', '--data', data, '--no-progress', '--concurrency', '1']), 'ECM_ERR_BAD_JSON', /data\.json/);
});

test('predict --skip-bad on worker processes lists a bad image under its record, and each copy under its own', { timeout: 300_000 }, async () => {
  // A cut-off PNG: its header reads (the up-front probe passes), its pixels do not (a worker finds it).
  const noise = Buffer.from(Array.from({ length: 96 * 96 * 3 }, (_, i) => (i * 7919) % 251));
  const png = await sharp(noise, { raw: { width: 96, height: 96, channels: 3 } }).png().toBuffer();
  const dir = await tempDir({ 'fx-scene-1-0.png': 'png' });
  await writeFile(join(dir, 'cut.png'), png.subarray(0, png.length >> 1));
  const cut = { ...scene, id: 'cut', image: ['cut.png'] };
  const data = join(dir, 'data.json');
  await writeFile(data, JSON.stringify([scene, cut, textOnly, { ...cut, id: 'cut-copy' }]));
  const out = join(dir, 'out.jsonl');
  const result = await runCli(['predict', '--data', data, '--images', dir, '--out', out, '--no-progress', '--skip-bad', '--concurrency', '2']);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /wrote 2 predictions/);
  const errors = (await readFile(`${out}.errors.jsonl`, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { index: number; id: string; code: string; message: string });
  assert.deepEqual(errors.map((e) => [e.index, e.id, e.code]), [[1, 'cut', 'ECM_ERR_IMAGE_CORRUPT'], [3, 'cut-copy', 'ECM_ERR_IMAGE_CORRUPT']]);
  // The worker's decode knows the record, not the file: the data file is named all the same, as the header check names it.
  assert.ok(errors[0].message.startsWith(`${data}, record #1, id cut: image cut.png is corrupt`), errors[0].message);
  const written = (await readFile(out, 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id);
  assert.deepEqual(written, ['fx-scene-1', 'fx-intent-3']);
  assert.ok(!(await readdir(dir)).some((f) => f.endsWith('.tmp')), 'no temporary file left');
});

test('without --images and without an images/ folder, image names resolve against the data file’s folder, not the working directory', async () => {
  const dir = await tempDir({ 'fx-scene-1-0.png': 'png' });
  const data = join(dir, 'data.json');
  await writeFile(data, JSON.stringify([scene]));
  const out = join(dir, 'out.csv');
  const result = await runCli(['predict', '--data', data, '--out', out, '--no-progress', '--concurrency', '1']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(await readFile(out, 'utf8'), /^fx-scene-1,/m);
  // A name that is not there is reported at the path it was looked for.
  await writeFile(data, JSON.stringify([{ ...scene, image: ['elsewhere.png'] }]));
  const missing = await runCli(['predict', '--data', data, '--out', out, '--no-progress', '--concurrency', '1']);
  assertRefused(missing, 'ECM_ERR_IMAGE_MISSING');
  assert.ok(missing.stderr.includes(`elsewhere.png not found at ${join(dir, 'elsewhere.png')}`), missing.stderr);
});

test('train refuses a --cv below 2 or not an integer before any work, --cv 0 included', async () => {
  const dir = await tempDir({});
  const data = join(dir, 'data.json');
  await writeFile(data, JSON.stringify([textOnly]));
  for (const cv of ['0', '1', '-2', '2.5', 'x']) {
    const result = await runCli(['train', 'intent', '--data', data, '--out', join(dir, 'model'), '--no-knowledge', '--cv', cv]);
    assertRefused(result, 'ECM_ERR_BAD_OPTION', new RegExp(`--cv must be an integer ≥ 2, got "${cv}"`));
  }
  assert.deepEqual(await readdir(dir), ['data.json'], 'no model written');
});

test('a UTF-16 data file (with its byte-order mark) is read as text, little- or big-endian, not refused as bad JSON', async () => {
  const dir = await tempDir({ 'fx-scene-1-0.png': 'png', 'fx-intent-2-0.png': 'png', 'fx-intent-2-1.png': 'png' });
  const text = JSON.stringify(records, null, 2);
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  const be = Buffer.from(le).swap16(); // FE FF, then each code unit big-endian
  const expected = await runCli(['data', 'inspect', join(FIXTURES, 'mini-challenge.json'), '--json']);
  assert.equal(expected.code, 0, expected.stderr);
  for (const [name, bytes] of [['le.json', le], ['be.json', be]] as const) {
    await writeFile(join(dir, name), bytes);
    const result = await runCli(['data', 'inspect', join(dir, name), '--json']);
    assert.equal(result.code, 0, `${name}: ${result.stderr}`);
    const report = JSON.parse(result.stdout) as { file: string; tasks: unknown; samples: number };
    assert.equal(report.samples, 3);
    assert.deepEqual(report.tasks, (JSON.parse(expected.stdout) as { tasks: unknown }).tasks, `${name}: the labels and dialogues read as in UTF-8`);
  }
  // An odd number of bytes after a UTF-16 mark cannot be UTF-16: named as such, not as a JSON error.
  await writeFile(join(dir, 'odd.json'), Buffer.concat([le, Buffer.from([0x20])]));
  assertRefused(await runCli(['data', 'inspect', join(dir, 'odd.json')]), 'ECM_ERR_BAD_JSON', /odd\.json.*UTF-16LE/);
});

test('classify dialogue given a challenge-format record says it reads the native format and what to do instead', async () => {
  const dir = await tempDir({});
  const file = join(dir, 'challenge.json');
  await writeFile(file, JSON.stringify([records[1]]));
  const result = await runCli(['classify', 'dialogue', file]);
  assertRefused(result, 'ECM_ERR_BAD_RECORD', /record #0, id fx-intent-2: .*challenge format/, /native format \{dialogue: \[\{role, text, images\?\}\]\}/, /ecommir predict --data/);
  assert.doesNotMatch(result.stderr, /an image is a file path/);
});

test('classify dialogue refuses a gold label the model does not know, as predict does, before any answer (it was passed over)', async () => {
  const dir = await tempDir({});
  const file = join(dir, 'labelled.jsonl');
  const row = (id: string, label: string) => JSON.stringify({ id, dialogue: [{ role: 'user', text: '会生锈吗' }], label });
  await writeFile(file, `${row('good', '是否会生锈')}\n${row('typo', '是否会生秀')}\n`);
  const result = await runCli(['classify', 'dialogue', file]);
  assertRefused(result, 'ECM_ERR_UNKNOWN_LABEL', /labelled\.jsonl, record #1, id typo: label "是否会生秀" is not one of the 23 intent labels of the shipped model/);
  assert.equal(result.stdout, '', 'no answer for the good record before it either');
  // A label the model knows is taken.
  await writeFile(file, `${row('good', '是否会生锈')}\n`);
  assert.equal((await runCli(['classify', 'dialogue', file])).code, 0);
});

test('train on fewer than three samples is refused saying how many it needs, before any work', async () => {
  const dir = await tempDir({});
  const data = join(dir, 'two.jsonl');
  const row = (id: string, text: string, label: string) => JSON.stringify({ id, task: 'intent', dialogue: [{ role: 'user', text }], label });
  await writeFile(data, `${row('a', '会生锈吗', '是否会生锈')}\n${row('b', '发几件', '发货数量')}\n`);
  assertRefused(await runCli(['train', 'intent', data, '--out', join(dir, 'model')]), 'ECM_ERR_TOO_FEW_SAMPLES', /two\.jsonl has 2 intent samples; training needs at least 3/);
  assert.deepEqual(await readdir(dir), ['two.jsonl'], 'no model folder');
});

test('an --images that is a file or is not there is named as the option at fault, not blamed on the first record', async () => {
  const dir = await tempDir({});
  const data = join(dir, 'data.json');
  await writeFile(data, JSON.stringify([textOnly]));
  const asFile = await runCli(['predict', data, '--images', data, '--out', join(dir, 'out.csv')]);
  assertRefused(asFile, 'ECM_ERR_BAD_OPTION', new RegExp(`images folder ${data.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(--images; imagesDir in code\\) is a file, not a folder`));
  assert.equal(asFile.code, 2);
  const missing = await runCli(['data', 'inspect', data, '--images', join(dir, 'nodir')]);
  assertRefused(missing, 'ECM_ERR_BAD_OPTION', /\(--images; imagesDir in code\) does not exist/);
});

test('train --no-knowledge on samples of one label is refused (the model answered that label at 100 % whatever it was asked); of some labels, it warns which are missing', async () => {
  const dir = await tempDir({});
  const data = join(dir, 'one.json');
  const turn = (text: string) => [{ role: 'user', text }];
  await writeFile(data, JSON.stringify(['会生锈吗', '生锈了怎么办', '不锈钢吗'].map((text, i) => ({ id: `r${i}`, task: 'intent', dialogue: turn(text), label: '是否会生锈' }))));
  const one = await runCli(['train', 'intent', '--data', data, '--out', join(dir, 'm1'), '--no-knowledge']);
  assert.equal(one.code, 1, one.stderr);
  assert.match(one.stderr, /every intent sample of .*one\.json is labelled 是否会生锈: a model needs samples of two labels at least.*\[ECM_ERR_TOO_FEW_SAMPLES\]/);
  await writeFile(data, JSON.stringify([...['会生锈吗', '生锈了怎么办'].map((text, i) => ({ id: `r${i}`, task: 'intent', dialogue: turn(text), label: '是否会生锈' })), { id: 'r2', task: 'intent', dialogue: turn('什么材质'), label: '商品材质' }]));
  const two = await runCli(['train', 'intent', '--data', data, '--out', join(dir, 'm2'), '--no-knowledge']);
  assert.equal(two.code, 0, two.stderr);
  assert.match(two.stderr, /warning: 21 of 23 intent labels have no sample in .*one\.json \(--no-knowledge\), so the model will never answer them: 反馈密封性不好, 是否好用,/);
});
