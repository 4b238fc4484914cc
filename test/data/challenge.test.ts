import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { EcommirError } from '../../src/errors.js';
import { loadChallengeFile, loadChallengeRecords, parseChallengeRecord } from '../../src/data/challenge.js';
import { resolveInputLimits } from '../../src/data/input-limits.js';
import { foldPunctuation } from '../../src/data/fold.js';
import { DEV_JSON, DEV_IMAGES, FIXTURES, miniRecords, tempDir } from './helpers.js';

test('real dev records: intent turns, images, candidates and gold label', async () => {
  const { samples, problems } = await loadChallengeFile(DEV_JSON, { imagesDir: DEV_IMAGES });
  assert.equal(problems.length, 0);
  assert.equal(samples.length, 799);
  const first = samples[0];
  assert.equal(first.id, '213e438b17282904772446704d0b28');
  assert.equal(first.task, 'intent');
  assert.equal(first.label, '商品材质');
  assert.equal(first.candidates.length, 23);
  assert.equal(first.candidates[0], '反馈密封性不好');
  assert.equal(first.candidates[22], '气泡');
  assert.deepEqual(first.turns.map((t) => t.role), ['user', 'agent', 'user', 'agent', 'user', 'agent']);
  assert.equal(first.turns[0].text, '<image>');
  assert.equal(first.turns[0].images[0].name, '213e438b17282904772446704d0b28-0.jpg');
  assert.equal(first.turns[0].images[0].path, join(DEV_IMAGES, '213e438b17282904772446704d0b28-0.jpg'));
  assert.equal(first.turns[2].text, '<http>');
  assert.equal(first.turns[4].text, '内胆使用的是316不锈钢吗');
  assert.equal(first.raw?.output, '商品材质');

  // Three images spread over three user turns, in order.
  const multi = samples.find((s) => s.id === '0b59b53717272701902836613d0ad0')!;
  assert.equal(multi.turns.length, 14);
  const withImages = multi.turns.flatMap((t, k) => t.images.map((img) => `${k}:${img.name.slice(-6)}`));
  assert.deepEqual(withImages, ['2:-0.jpg', '6:-1.jpg', '8:-2.jpg']);
  assert.equal(multi.label, '反馈密封性不好');

  // The one intent sample without an image.
  const noImage = samples.find((s) => s.id === '212b14da17281748234545696d0add')!;
  assert.equal(noImage.images.length, 0);
  assert.ok(noImage.turns.every((t) => !t.text.includes('<image>')));
});

test('real dev records: a scene sample is one user turn holding its image; labels keep their exact punctuation', async () => {
  const { samples } = await loadChallengeFile(DEV_JSON);
  const scene = samples.find((s) => s.id === '3fc85b30-3ab3-4cad-a2de-324e2ae6a078-1279')!;
  assert.equal(scene.task, 'scene');
  assert.equal(scene.label, '退货页面');
  assert.equal(scene.candidates.length, 25);
  assert.ok(scene.candidates.includes('实物拍摄(含售后)'));
  assert.ok(scene.candidates.includes('下单过程中出现异常（显示购买失败浮窗）'));
  assert.ok(scene.candidates.includes('物流页面-物流列表页面'));
  assert.deepEqual(scene.turns, [{ role: 'user', text: '<image>', images: scene.images }]);
  assert.equal(samples.filter((s) => s.task === 'scene').length, 560);
  assert.equal(samples.filter((s) => s.task === 'intent').length, 239);
});

test('hand-made records: a turn spanning lines, consecutive user turns, an empty agent turn, no gold label', async () => {
  const { samples } = await loadChallengeFile(join(FIXTURES, 'mini-challenge.json'));
  assert.equal(samples.length, 3);
  const [scene, rust, noLabel] = samples;
  assert.equal(scene.task, 'scene');
  assert.equal(scene.label, '物流页面-物流列表页面');
  assert.deepEqual(rust.turns.map((t) => [t.role, t.text, t.images.map((i) => i.name)]), [
    ['user', '<image>', ['fx-intent-2-0.png']],
    ['agent', '您好，请问有什么可以帮您？', []],
    ['user', '这把刀放久了\n会不会生锈啊', []],
    ['agent', '亲，不会的哦', []],
    ['user', '<http>', []],
    ['user', '<image>', ['fx-intent-2-1.png']],
    ['agent', '', []],
  ]);
  assert.equal(noLabel.label, undefined);
  assert.equal(noLabel.images.length, 0);
});

/** Rewrites an instruction with the other punctuation width and some whitespace noise. */
function toFullWidth(text: string): string {
  return text
    .replace(/\[/g, '【')
    .replace(/\]/g, '】')
    .replace(/"([^"]*)"/g, '“$1”')
    .replace(/用户: /g, '用户：')
    .replace(/客服: /g, '客服 ： ')
    .replace(/<用户与客服的对话 START>/, '＜用户与客服的对话  START＞')
    .replace(/,/g, '，');
}

test('full-width and ASCII variants of an instruction read the same', async () => {
  const records = await miniRecords();
  for (const record of records) {
    const plain = parseChallengeRecord(record, 0);
    const wide = parseChallengeRecord({ ...record, instruction: toFullWidth(record.instruction as string) }, 0);
    const ascii = parseChallengeRecord({ ...record, instruction: foldPunctuation(record.instruction as string) }, 0);
    assert.notEqual(wide.raw!.instruction, plain.raw!.instruction);
    for (const variant of [wide, ascii]) {
      assert.equal(variant.task, plain.task);
      assert.deepEqual(variant.candidates.map(foldPunctuation), plain.candidates.map(foldPunctuation));
      assert.deepEqual(variant.turns.map((t) => [t.role, foldPunctuation(t.text), t.images.length]), plain.turns.map((t) => [t.role, foldPunctuation(t.text), t.images.length]));
      assert.equal(variant.label !== undefined, plain.label !== undefined);
    }
  }
  // A scene instruction without the `Picture 1:` prefix is still told by its wording.
  const scene = records[0];
  const noPrefix = parseChallengeRecord({ ...scene, instruction: (scene.instruction as string).replace('Picture 1: <image>\n', '<image>') }, 0);
  assert.equal(noPrefix.task, 'scene');
});

test('an instruction of neither kind is ECM_ERR_UNKNOWN_TASK naming the record', () => {
  const record = { id: 'odd-1', instruction: '请把这句话翻译成英文：你好', input: '', output: '', image: [] };
  assert.throws(() => parseChallengeRecord(record, 7), (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_UNKNOWN_TASK' && /odd-1/.test(err.message) && /#7/.test(err.message));
});

test('a truncated file is ECM_ERR_BAD_JSON naming the position and the record it stops in', async () => {
  await assert.rejects(loadChallengeFile(join(FIXTURES, 'truncated.json')), (err: unknown) => {
    assert.ok(err instanceof EcommirError);
    assert.equal(err.code, 'ECM_ERR_BAD_JSON');
    assert.match(err.message, /line \d+, column \d+/);
    assert.match(err.message, /record #1/);
    assert.match(err.message, /fx-intent-2/);
    return true;
  });
});

test('a gold label outside the candidates is ECM_ERR_UNKNOWN_LABEL naming the record', async () => {
  const records = await miniRecords();
  const bad = { ...records[1], output: '是否会发霉' };
  assert.throws(() => parseChallengeRecord(bad, 1), (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_UNKNOWN_LABEL' && err.message.includes('fx-intent-2') && err.message.includes('是否会发霉'));
  // Punctuation width alone is not a different label: the candidate's spelling is kept.
  const wide = parseChallengeRecord({ ...records[0], output: '实物拍摄（含售后）' }, 0);
  assert.equal(wide.label, '实物拍摄(含售后)');
});

test('records with wrong fields or image/marker counts that disagree are ECM_ERR_BAD_RECORD', async () => {
  const records = await miniRecords();
  const check = (value: unknown, pattern: RegExp): void =>
    assert.throws(() => parseChallengeRecord(value, 4), (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_BAD_RECORD' && pattern.test(err.message));
  check({ ...records[1], image: ['fx-intent-2-0.png'] }, /fx-intent-2.*2 <image> marker\(s\) but the record lists 1 image/);
  check({ ...records[2], image: ['extra.png'] }, /fx-intent-3.*0 <image> marker\(s\)/);
  check({ ...records[0], instruction: 42 }, /fx-scene-1.*instruction/);
  check({ instruction: 'x', image: [] }, /record #4.*id/);
  check('not an object', /record #4/);
  // Every 用户 turn written as 客服: predicted before, refused as the native format and the API refuse it.
  const agentOnly = (records[2].instruction as string).replaceAll('用户:', '客服:').replaceAll('用户：', '客服：');
  assert.notEqual(agentOnly, records[2].instruction);
  check({ ...records[2], instruction: agentOnly }, /fx-intent-3.*needs a dialogue with at least one user turn/);
});

test('checkImages: a corrupt or missing image names the record; skipBad collects every problem and keeps the good samples', async () => {
  const records = await miniRecords();
  const dir = await tempDir({ 'fx-scene-1-0.png': 'corrupt', 'fx-intent-2-0.png': 'png', 'fx-intent-2-1.png': 'png' });
  const file = join(dir, 'data.json');
  await writeFile(file, JSON.stringify(records));
  await assert.rejects(loadChallengeFile(file, { imagesDir: dir, checkImages: true }), (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_IMAGE_CORRUPT' && err.message.includes('fx-scene-1'));

  const bad = [
    records[0],
    { ...records[1], id: 'bad-label', output: '不存在的标签' },
    { ...records[1], id: 'missing-image', image: ['nowhere-0.png', 'fx-intent-2-1.png'] },
    records[1],
    { ...records[2], instruction: '随便聊聊' },
  ];
  await writeFile(file, JSON.stringify(bad));
  const { samples, problems } = await loadChallengeFile(file, { imagesDir: dir, checkImages: true, skipBad: true });
  assert.deepEqual(samples.map((s) => s.id), ['fx-intent-2']);
  assert.deepEqual(problems.map((p) => [p.code, p.item.index, p.item.id]), [
    ['ECM_ERR_IMAGE_CORRUPT', 0, 'fx-scene-1'],
    ['ECM_ERR_UNKNOWN_LABEL', 1, 'bad-label'],
    ['ECM_ERR_IMAGE_MISSING', 2, 'missing-image'],
    ['ECM_ERR_UNKNOWN_TASK', 4, 'fx-intent-3'],
  ]);
  assert.ok(problems.every((p) => p.message.includes(p.item.id!)));
});

test('the challenge loaders hold records to inputLimits too, naming the file and the record', async () => {
  const records = JSON.parse(await readFile(DEV_JSON, 'utf8')) as Record<string, unknown>[];
  const first = records.slice(0, 3);
  const limits = resolveInputLimits({ maxTurnChars: 5 });
  await assert.rejects(loadChallengeRecords(first, { imagesDir: DEV_IMAGES, inputLimits: limits }, DEV_JSON), (err: EcommirError) => {
    assert.equal(err.code, 'ECM_ERR_INPUT_TOO_LARGE');
    assert.match(err.message, /train\.json, record #0, id 213e438b17282904772446704d0b28: turn \d+ has \d+ characters, over the limit of 5 per turn/);
    return true;
  });
  const skipped = await loadChallengeRecords(first, { imagesDir: DEV_IMAGES, inputLimits: limits, skipBad: true }, DEV_JSON);
  assert.equal(skipped.samples.length + skipped.problems.length, 3);
  assert.ok(skipped.problems.length >= 1);
  // Within the default limits every dev record loads, its images read against them.
  const ok = await loadChallengeRecords(first, { imagesDir: DEV_IMAGES, inputLimits: resolveInputLimits(), checkImages: true }, DEV_JSON);
  assert.equal(ok.samples.length, 3);
});
