// The fine-tuning exports on a handful of dev samples, checked by the format validators (which are
// themselves checked to catch faults). Everything is written to temp folders, never to the repo.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import sharp from 'sharp';
import { loadSamples } from '../../src/data/load.js';
import { EcommirError } from '../../src/errors.js';
import { Taxonomy } from '../../src/labels/taxonomy.js';
import { exportSft, type SftRecord } from '../../src/backends/export/sft.js';
import { exportClipPairs, urlsafeBase64 } from '../../src/backends/export/clip-pairs.js';
import { validateClipSplit, validateLlamaFactoryDataset, validateSwiftJsonl, validateSwiftRecord } from '../../src/backends/export/validate.js';
import type { Sample } from '../../src/types.js';
import { DEV_JSON, tempDir } from '../data/helpers.js';

let intents: Sample[] = [];
let scenes: Sample[] = [];
let sceneByLabel: Sample[] = [];

before(async () => {
  const all = (await loadSamples(DEV_JSON)).samples;
  intents = all.filter((s) => s.task === 'intent' && s.images.length >= 1).slice(0, 2);
  scenes = all.filter((s) => s.task === 'scene').slice(0, 2);
  // Two labels × 5 images, so that the stratified 9:1 split holds a valid image of each.
  const counts = new Map<string, Sample[]>();
  for (const s of all.filter((x) => x.task === 'scene')) counts.set(s.label!, [...(counts.get(s.label!) ?? []), s]);
  sceneByLabel = [...counts.values()].sort((a, b) => b.length - a.length).slice(0, 2).flatMap((g) => g.slice(0, 5));
});

const readLines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as SftRecord);

test('swift: messages with <image> tags, hierarchical targets, one augmented JPEG copy per image', async () => {
  const out = await tempDir({});
  const samples = [intents[0], scenes[0]];
  const summary = await exportSft(samples, { format: 'swift', tasks: ['scene', 'intent'], outDir: out, hierarchical: true, valFraction: 0 });
  assert.deepEqual(validateSwiftJsonl(readFileSync(join(out, 'train.jsonl'), 'utf8'), { imagesBaseDir: out }), []);
  const records = readLines(join(out, 'train.jsonl'));
  assert.equal(records.length, 2 * samples.length, 'each sample and its augmented copy');
  assert.equal(summary.augmented, samples.length);
  const intentTaxonomy = Taxonomy.default('intent');
  const [original, copy] = records;
  assert.equal(original.messages[2].content, intentTaxonomy.hierarchical(intents[0].label!));
  assert.deepEqual(copy.messages, original.messages, 'the augmented duplicate asks the same question');
  assert.ok(original.images.every((p) => isAbsolute(p) && p.endsWith('.jpg')));
  assert.notDeepEqual(copy.images, original.images);
  for (const p of copy.images) {
    assert.ok(p.startsWith(join(out, 'images', 'aug')));
    const meta = await sharp(p).metadata();
    assert.equal(meta.format, 'jpeg');
  }
  for (const label of intentTaxonomy.labels) assert.ok(original.messages[0].content.includes(intentTaxonomy.hierarchical(label)));
  assert.doesNotMatch(original.messages[1].content, /不能识别图片/, 'the dialogue is the cleaned one');
});

test('LLaMA-Factory: sharegpt JSON + dataset_info.json, images copied with relative paths', async () => {
  const out = await tempDir({});
  await exportSft([...intents, ...scenes], { format: 'llamafactory', tasks: ['intent'], outDir: out, augmentCopies: 0, copyImages: true, valFraction: 0 });
  const info = JSON.parse(readFileSync(join(out, 'dataset_info.json'), 'utf8'));
  assert.deepEqual(Object.keys(info), ['ecommir_train']);
  const read = (name: string) => (existsSync(join(out, name)) ? readFileSync(join(out, name), 'utf8') : undefined);
  assert.deepEqual(validateLlamaFactoryDataset(info, read, { imagesBaseDir: out }), []);
  const records = JSON.parse(read('ecommir_train.json')!) as SftRecord[];
  assert.equal(records.length, intents.length, 'only the intent samples, no augmentation');
  assert.ok(records[0].images.every((p) => p.startsWith('images/')));
  assert.equal(records[0].messages[2].content, intents[0].label, 'fine label without --hierarchical');
});

test('the validators catch what the engines would refuse', () => {
  const good = { messages: [{ role: 'system', content: 's' }, { role: 'user', content: '<image>q' }, { role: 'assistant', content: 'a' }], images: ['x.jpg'] };
  assert.deepEqual(validateSwiftRecord(good, 'r'), []);
  assert.match(validateSwiftRecord({ ...good, images: [] }, 'r').join(), /1 <image> tag\(s\) for 0 image/);
  assert.match(validateSwiftRecord({ messages: [good.messages[0], good.messages[2], good.messages[1]], images: ['x.jpg'] }, 'r').join(), /expected user/);
  assert.match(validateSwiftRecord(good, 'r', { imagesBaseDir: '/nonexistent' }).join(), /does not exist/);
  const entry = { file_name: 'd.json', formatting: 'alpaca', columns: { messages: 'messages', images: 'images' } };
  const problems = validateLlamaFactoryDataset({ d: entry }, () => JSON.stringify([good]));
  assert.match(problems.join(), /formatting must be "sharegpt"/);
  assert.match(problems.join(), /expected human/, 'default sharegpt tags (from/value) do not read role/content');
  const tsvNoPadding = `1\t${Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1]).toString('base64url')}`;
  assert.match(validateClipSplit(tsvNoPadding, '{"text_id":1,"text":"t","image_ids":[1]}', 'train').join(), /padded urlsafe base64/);
  const tsv = `1\t${urlsafeBase64(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1]))}`;
  assert.deepEqual(validateClipSplit(tsv, '{"text_id":1,"text":"t","image_ids":[1]}', 'train'), []);
  assert.match(validateClipSplit(tsv, '{"text_id":1,"text":"t","image_ids":[2]}', 'train').join(), /image 2 is not in train_imgs.tsv/);
});

test('Chinese-CLIP pairs: train/valid tsv + jsonl, one text per label listing its images', async () => {
  const out = await tempDir({});
  const summary = await exportClipPairs(sceneByLabel, { outDir: out, template: '一张{label}的图片', maxSide: 128, valFraction: 0.2 });
  assert.deepEqual(summary.images, { train: 8, valid: 2 });
  for (const split of ['train', 'valid']) {
    const tsv = readFileSync(join(out, `${split}_imgs.tsv`), 'utf8');
    const texts = readFileSync(join(out, `${split}_texts.jsonl`), 'utf8');
    assert.deepEqual(validateClipSplit(tsv, texts, split), []);
    const lines = texts.trim().split('\n').map((l) => JSON.parse(l) as { text: string; image_ids: number[] });
    assert.equal(lines.length, 2);
    assert.match(lines[0].text, /^一张.+的图片$/);
  }
  assert.equal(readFileSync(join(out, 'label_cn.txt'), 'utf8').trim().split('\n').length, Taxonomy.default('scene').labels.length);
});

test('a label outside the taxonomy is refused, naming the sample', async () => {
  const out = await tempDir({});
  const bad = { ...intents[0], label: '不存在的标签' };
  await assert.rejects(exportSft([bad], { format: 'swift', tasks: ['intent'], outDir: out }), (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_UNKNOWN_LABEL' && err.message.includes(bad.id));
});

test('a sample without images gets no augmented duplicate', async () => {
  const out = await tempDir({});
  const s = intents[0];
  const textOnly: Sample = { ...s, images: [], turns: s.turns.map((t) => ({ ...t, images: [], text: t.text.replaceAll('<image>', '') })) };
  const summary = await exportSft([textOnly], { format: 'swift', tasks: ['intent'], outDir: out, valFraction: 0 });
  assert.equal(summary.train, 1);
  assert.equal(summary.augmented, 0);
  assert.deepEqual(readLines(join(out, 'train.jsonl'))[0].images, []);
});

test('Chinese-CLIP pairs: a PDF among the images is refused by name, even when the bytes would go as they are', async () => {
  const out = await tempDir({});
  const pdf = { ...sceneByLabel[3], images: [{ name: 'order.pdf', bytes: Buffer.from('%PDF-1.4\n%%EOF\n') }] };
  const samples = sceneByLabel.map((s, i) => (i === 3 ? pdf : s));
  await assert.rejects(exportClipPairs(samples, { outDir: out, valFraction: 0.2 }), (err: EcommirError) => {
    assert.equal(err.code, 'ECM_ERR_IMAGE_CORRUPT');
    assert.match(err.message, /order\.pdf is a PDF document, which ecommir cannot decode/);
    assert.equal(err.item?.id, pdf.id);
    return true;
  });
});

test('a second export with no validation split leaves no validation file of the first one behind', async () => {
  const sftOut = await tempDir({});
  // No augmented copies: they are what these exports spend their time on (about 17 s for the ten
  // screenshots, twice), and this test is about the files a second export leaves behind.
  await exportSft(sceneByLabel, { format: 'swift', tasks: ['scene'], outDir: sftOut, valFraction: 0.2, augmentCopies: 0 });
  assert.ok(existsSync(join(sftOut, 'val.jsonl')));
  const sftSummary = await exportSft(sceneByLabel, { format: 'swift', tasks: ['scene'], outDir: sftOut, valFraction: 0, augmentCopies: 0 });
  assert.equal(sftSummary.val, 0);
  assert.equal(existsSync(join(sftOut, 'val.jsonl')), false, 'the old val.jsonl would pair with the new train.jsonl');

  const clipOut = await tempDir({});
  await exportClipPairs(sceneByLabel, { outDir: clipOut, valFraction: 0.2 });
  assert.ok(existsSync(join(clipOut, 'valid_imgs.tsv')));
  await exportClipPairs(sceneByLabel, { outDir: clipOut, valFraction: 0 });
  assert.deepEqual(['valid_imgs.tsv', 'valid_texts.jsonl'].filter((f) => existsSync(join(clipOut, f))), []);
  assert.deepEqual((await readdir(clipOut)).sort(), ['label_cn.txt', 'train_imgs.tsv', 'train_texts.jsonl']);
});

test('an export of data with nothing to export is refused and leaves an earlier export as it was', async () => {
  const out = await tempDir({});
  await exportSft(sceneByLabel, { format: 'swift', tasks: ['scene'], outDir: out, valFraction: 0.2, augmentCopies: 0 });
  const train = readFileSync(join(out, 'train.jsonl'), 'utf8');
  await assert.rejects(exportSft(intents, { format: 'swift', tasks: ['scene'], outDir: out }), /the data has no labelled scene samples: nothing to export/);
  assert.equal(readFileSync(join(out, 'train.jsonl'), 'utf8'), train);
  assert.ok(existsSync(join(out, 'val.jsonl')));
  const clipOut = await tempDir({});
  await exportClipPairs(sceneByLabel, { outDir: clipOut, valFraction: 0.2 });
  const tsv = readFileSync(join(clipOut, 'train_imgs.tsv'), 'utf8');
  await assert.rejects(exportClipPairs(intents, { outDir: clipOut }), /no labelled scene samples/);
  assert.equal(readFileSync(join(clipOut, 'train_imgs.tsv'), 'utf8'), tsv);
});

test('images sent as bytes are each written as themselves: two records sharing an id, two turns of one record (by name, the first was written for both)', async () => {
  const out = await tempDir({});
  const png = (r: number, g: number, b: number) => sharp({ create: { width: 24, height: 24, channels: 3, background: { r, g, b } } }).png().toBuffer();
  const [red, blue, green] = [await png(255, 0, 0), await png(0, 0, 255), await png(0, 255, 0)];
  const url = (bytes: Buffer) => `data:image/png;base64,${bytes.toString('base64')}`;
  const record = (first: Buffer, second: Buffer) => ({ id: 'dup', task: 'intent', label: '是否会生锈', dialogue: [{ role: 'user', text: '这个', images: [url(first)] }, { role: 'agent', text: '您好' }, { role: 'user', text: '会生锈吗', images: [url(second)] }] });
  const { parseNativeSample } = await import('../../src/data/native.js');
  const samples = [parseNativeSample(record(red, blue), 0), parseNativeSample(record(green, red), 1)];
  // Named by where they sit, counted from 1 (both were "dup-0").
  assert.deepEqual(samples[0].images.map((i) => i.name), ['dup-turn1-image1', 'dup-turn3-image1']);
  await exportSft(samples, { format: 'swift', tasks: ['intent'], outDir: join(out, 'both'), augmentCopies: 0, copyImages: true, valFraction: 0 });
  const colour = async (file: string) => (await sharp(file).stats()).channels.slice(0, 3).map((c) => Math.round(c.mean));
  const written = readLines(join(out, 'both', 'train.jsonl')).map((r) => r.images.map((p) => (isAbsolute(p) ? p : join(out, 'both', p))));
  assert.deepEqual(await Promise.all(written.flat().map(colour)), [[255, 0, 0], [0, 0, 255], [0, 255, 0], [255, 0, 0]]);
});
