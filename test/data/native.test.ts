import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { EcommirError } from '../../src/errors.js';
import { parseNativeSample } from '../../src/data/native.js';
import { loadSamples } from '../../src/data/load.js';
import { DEV_JSON, FIXTURES, tempDir, tinyPng } from './helpers.js';

test('a native intent sample: role aliases, image paths relative to the file, markers added for unmarked images', () => {
  const sample = parseNativeSample(
    {
      id: 7,
      task: 'intent',
      dialogue: [
        { role: '用户', text: '这个杯子会漏吗', images: ['pics/cup.jpg'] },
        { role: 'assistant', text: '亲，不会的' },
        { role: 'customer', text: '<image> 你看', images: ['/abs/leak.png'] },
      ],
      label: '反馈密封性不好',
    },
    3,
    { baseDir: '/data/set' },
  );
  assert.equal(sample.id, '7');
  assert.equal(sample.index, 3);
  assert.equal(sample.task, 'intent');
  assert.deepEqual(sample.turns.map((t) => [t.role, t.text]), [
    ['user', '这个杯子会漏吗 <image>'],
    ['agent', '亲，不会的'],
    ['user', '<image> 你看'],
  ]);
  assert.deepEqual(sample.images.map((i) => i.path), ['/data/set/pics/cup.jpg', '/abs/leak.png']);
  assert.equal(sample.label, '反馈密封性不好');
  assert.equal(sample.raw, undefined);
});

test('a native scene sample: `image` as a data: URL or {base64}; imagesDir wins over the file folder', async () => {
  const png = await tinyPng();
  const fromUrl = parseNativeSample({ task: 'scene', image: `data:image/png;base64,${png.toString('base64')}` }, 0);
  assert.equal(fromUrl.id, '#0');
  assert.deepEqual(Buffer.from(fromUrl.images[0].bytes!), png);
  assert.deepEqual(fromUrl.turns.map((t) => [t.role, t.text, t.images.length]), [['user', '<image>', 1]]);
  const fromBase64 = parseNativeSample({ id: 's', task: 'scene', image: { base64: png.toString('base64'), name: 'shot.png' } }, 1);
  assert.equal(fromBase64.images[0].name, 'shot.png');
  const fromPath = parseNativeSample({ task: 'scene', image: 'a.jpg' }, 2, { imagesDir: '/imgs', baseDir: '/data' });
  assert.equal(fromPath.images[0].path, '/imgs/a.jpg');
});

test('inline images without a name are named by the sample id (or #index) and their position, in every form', () => {
  const b64 = Buffer.from('not decoded here').toString('base64');
  assert.equal(parseNativeSample({ task: 'scene', image: `data:image/png;base64,${b64}` }, 0).images[0].name, '#0-0');
  assert.equal(parseNativeSample({ id: 's', task: 'scene', image: { base64: b64 } }, 1).images[0].name, 's-0');
  assert.equal(parseNativeSample({ id: 's', task: 'scene', image: { base64: b64, name: '' } }, 1).images[0].name, 's-0');
  assert.equal(parseNativeSample({ task: 'scene', image: { bytes: new Uint8Array([1]) } }, 3).images[0].name, '#3-0');
  const dialogue = parseNativeSample({ id: 'd', task: 'intent', dialogue: [{ role: 'user', text: '看 <image> 和 <image>', images: [{ bytes: new Uint8Array([1]), name: 'mine.png' }, `data:image/png;base64,${b64}`] }] }, 4);
  assert.deepEqual(dialogue.images.map((i) => i.name), ['mine.png', 'd-turn1-image2']);
  // A dialogue's images are named by turn and place, counted from 1: the first images of two turns shared a name.
  const two = parseNativeSample({ id: 'd', task: 'intent', dialogue: [{ role: 'user', text: 'a', images: [{ base64: b64 }] }, { role: 'user', text: 'b', images: [{ base64: b64 }] }] }, 5);
  assert.deepEqual(two.images.map((i) => i.name), ['d-turn1-image1', 'd-turn2-image1']);
});

test('native faults name the item: unknown task, bad role, missing image, label outside candidates, bad base64', () => {
  const fails = (value: unknown, code: string, pattern: RegExp): void =>
    assert.throws(() => parseNativeSample(value, 5), (err: unknown) => err instanceof EcommirError && err.code === code && pattern.test(err.message) && /record #5/.test(err.message));
  fails({ id: 'x1', task: 'chat', dialogue: [] }, 'ECM_ERR_UNKNOWN_TASK', /x1.*"chat"/);
  fails({ id: 'x2', task: 'intent', dialogue: [{ role: 'bot', text: 'hi' }] }, 'ECM_ERR_BAD_RECORD', /x2: turn 1 \(dialogue\[0\]\): role/);
  fails({ id: 'x3', task: 'scene' }, 'ECM_ERR_BAD_RECORD', /x3.*needs an image/);
  fails({ id: 'x4', task: 'intent', dialogue: [{ role: 'user', text: 'hi' }], candidates: ['a', 'b'], label: 'c' }, 'ECM_ERR_UNKNOWN_LABEL', /x4.*"c"/);
  fails({ id: 'x5', task: 'scene', image: 'data:image/png;base64,@@@' }, 'ECM_ERR_BAD_RECORD', /x5.*base64/);
  fails({ id: 'x6', task: 'intent', dialogue: [{ role: 'user', text: '<image><image>', images: ['a.png'] }] }, 'ECM_ERR_BAD_RECORD', /x6.*2 <image> marker/);
  fails([1, 2], 'ECM_ERR_BAD_RECORD', /#5/);
  // Names every object has ("constructor", "__proto__", "toString") are no task or role: they found a built-in function.
  for (const name of ['constructor', '__proto__', 'toString']) {
    fails({ id: 'p1', task: name, dialogue: [{ role: 'user', text: 'hi' }] }, 'ECM_ERR_UNKNOWN_TASK', new RegExp(`p1.*got "${name}"`));
    fails({ id: 'p2', task: 'intent', dialogue: [{ role: name, text: 'hi' }, { role: 'user', text: 'hi' }] }, 'ECM_ERR_BAD_RECORD', new RegExp(`p2: turn 1 \\(dialogue\\[0\\]\\): role must be user or agent.*got "${name}"`));
  }
});

test('a field outside the native format is refused with what to write instead, never dropped in silence', () => {
  const refused = (value: unknown, pattern: RegExp): void =>
    assert.throws(() => parseNativeSample(value, 2), (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_BAD_RECORD' && pattern.test(err.message) && /record #2/.test(err.message));
  const turn = { role: 'user', text: '会生锈吗' };
  // Each of these would otherwise lose what it holds: the image, the words, the whole dialogue.
  refused({ id: 'k1', task: 'intent', dialogue: [{ ...turn, image: 'a.png' }] }, /k1: turn 1 \(dialogue\[0\]\): unknown field "image".*"images", a list/);
  refused({ id: 'k2', task: 'intent', dialogue: [{ role: 'user', content: '会生锈吗' }] }, /k2: turn 1 \(dialogue\[0\]\).*"content".*"text"/);
  refused({ id: 'k3', task: 'intent', messages: [turn] }, /k3.*"messages".*"dialogue"/);
  refused({ id: 'k4', task: 'intent', role: 'user', text: '会生锈吗' }, /k4.*"role" \(and "text"\).*looks like a turn/);
  // A slip of a letter or two names the nearest field; anything else points to `meta`.
  refused({ id: 'k5', task: 'intent', dialogue: [turn], lable: '是否会生锈' }, /k5.*"lable": did you mean "label"\?/);
  refused({ id: 'k6', task: 'intent', dialogue: [{ ...turn, time: '12:00' }] }, /k6.*"time".*"meta".*A turn has role, text, images and meta/);
  refused({ id: 'k9', task: 'intent', dialogue: [turn], ...Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`f${i}`, i])) }, /"f0" \(and "f1", "f2", "f3", 4996 more\): /);
  // A field named like a built-in ("constructor") is an unknown field like any other (it crashed the hint look-up).
  refused({ id: 'k10', task: 'intent', dialogue: [{ ...turn, constructor: 1 }] }, /k10: turn 1 \(dialogue\[0\]\): unknown field "constructor": .*A turn has role, text, images and meta/);
  refused({ id: 'k11', task: 'intent', dialogue: [turn], toString: 1 }, /k11.*unknown field "toString": /);
  // Unknown fields are found before the task, so that a misnamed task field says so.
  refused({ id: 'k7', type: 'intent', dialogue: [turn] }, /k7.*"type".*"task"/);

  // `meta` is the writer's own, and `feedback export`'s provenance fields load as they are.
  const kept = parseNativeSample({ id: 'k8', task: 'intent', meta: { source: 'crm' }, dialogue: [{ ...turn, meta: { at: 1 } }], label: '是否会生锈', labelledAt: '2026-12-04T00:00:00.000Z', note: 'n', predicted: '是否好用', modelVersion: 'v' }, 3);
  assert.deepEqual([kept.id, kept.label, kept.turns.map((t) => t.text)], ['k8', '是否会生锈', ['会生锈吗']]);
});

test('an image URL is refused by name (nothing is downloaded); a file: URL is a path', () => {
  assert.throws(
    () => parseNativeSample({ id: 'u1', task: 'intent', dialogue: [{ role: 'user', text: '看图', images: ['https://example.com/a.png'] }] }, 1),
    (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_IMAGE_MISSING' && /u1.*https:\/\/example\.com\/a\.png is a URL.*downloads nothing/.test(err.message),
  );
  assert.throws(() => parseNativeSample({ id: 'u2', task: 'scene', image: { path: 'ftp://host/a.png' } }, 2), (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_IMAGE_MISSING' && /u2/.test(err.message));
  assert.equal(parseNativeSample({ id: 'u3', task: 'scene', image: 'file:///tmp/some%20dir/a.png' }, 3).images[0].path, '/tmp/some dir/a.png');
  assert.throws(() => parseNativeSample({ id: 'u4', task: 'scene', image: 'file://host/a.png' }, 4), (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_BAD_RECORD' && /u4.*file: URL/.test(err.message));
  // A Windows drive letter is a one-letter scheme at most, never a URL.
  assert.equal(parseNativeSample({ id: 'u5', task: 'scene', image: 'C:/shots/a.png' }, 5).images[0].name, 'C:/shots/a.png');
});

test('loadSamples tells challenge from native, reads JSONL, and names the bad JSONL line', async () => {
  const challenge = await loadSamples(join(FIXTURES, 'mini-challenge.json'));
  assert.equal(challenge.format, 'challenge');
  assert.equal(challenge.samples.length, 3);

  const dir = await tempDir({ 'cup.png': 'png' });
  const lines = [
    { id: 'n1', task: 'intent', dialogue: [{ role: 'user', text: '推荐一款保温杯' }], label: '单品推荐' },
    { id: 'n2', task: 'scene', image: 'cup.png' },
  ];
  const jsonl = join(dir, 'mine.jsonl');
  await writeFile(jsonl, lines.map((l) => JSON.stringify(l)).join('\n') + '\n\n');
  const native = await loadSamples(jsonl, { checkImages: true });
  assert.equal(native.format, 'native');
  assert.deepEqual(native.samples.map((s) => [s.id, s.task, s.label]), [['n1', 'intent', '单品推荐'], ['n2', 'scene', undefined]]);
  assert.equal(native.samples[1].images[0].path, join(dir, 'cup.png'));

  const single = join(dir, 'one.json');
  await writeFile(single, JSON.stringify(lines[0], null, 2));
  assert.deepEqual((await loadSamples(single)).samples.map((s) => s.id), ['n1']);

  await writeFile(jsonl, JSON.stringify(lines[0]) + '\n{"id": "n2", "task": "scene", "image": \n');
  await assert.rejects(loadSamples(jsonl), (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_BAD_JSON' && /line 2/.test(err.message) && /n2/.test(err.message));
});

test('loadSamples on the dev file finds its images folder by itself', async () => {
  const { samples, format } = await loadSamples(DEV_JSON);
  assert.equal(format, 'challenge');
  assert.match(samples[0].images[0].path!, /www2025-mir\/images\/213e438b17282904772446704d0b28-0\.jpg$/);
});
