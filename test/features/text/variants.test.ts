import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TextFolder, loadVariantTables, parseVariantTables } from '../../../src/features/text/variants.js';
import { pinyinNgrams, pinyinRuns } from '../../../src/features/text/pinyin.js';
import { CueMiner } from '../../../src/features/text/cue-miner.js';
import { analyse } from '../../../src/features/text/feature-union.js';
import { EcommirError } from '../../../src/errors.js';

const folder = TextFolder.default();

test('folding: traditional → simplified, full width → half width, emoji and emoticon codes out, case folded', () => {
  assert.equal(folder.fold('這個顏色會褪色嗎'), '这个颜色会褪色吗');
  assert.equal(folder.fold('ＡＢＣ１２３'), 'abc123');
  assert.equal(folder.fold('好的😂👍🏻 /:068 [微笑]谢谢'), '好的 谢谢');
});

test('folding: English and pinyin words, number+unit, look-alike and same-sound typos become the intended Chinese', () => {
  assert.equal(folder.fold('这个 lamp 能 adjust brightness 吗'), '这个 灯 能 调 亮度 吗');
  assert.equal(folder.fold('一袋500g'), '一袋500克');
  assert.equal(folder.fold('会不会shengxiu'), '会不会生锈');
  assert.equal(folder.fold('用久了会生诱吗'), '用久了会生锈吗');
  assert.equal(folder.fold('会不会退色'), '会不会褪色');
  // Words the tables do not know stay as they are.
  assert.equal(folder.fold('iphone15 case'), 'iphone15 case');
});

test('word classes fire on their members only', () => {
  assert.deepEqual(folder.classTokens(folder.fold('一袋有几两')), ['class:数量单位', 'class:询问多少']);
  assert.deepEqual(folder.classTokens('有几两'), ['class:询问多少']);
  assert.deepEqual(folder.classTokens('这个锅好看'), []);
  assert.ok(folder.classTokens('净含量是多少').includes('class:数量单位'));
});

test('variant tables are validated and name the file', () => {
  assert.throws(() => parseVariantTables({ characters: { ab: 'c' } }, 'x.json'), (e: unknown) => e instanceof EcommirError && e.code === 'ECM_ERR_BAD_JSON' && /x\.json/.test(e.message));
  assert.throws(() => parseVariantTables({ latin: { rust: 3 } }), (e: unknown) => e instanceof EcommirError);
  const t = loadVariantTables();
  assert.ok(Object.keys(t.latin).length > 50 && Object.keys(t.phrases).length > 20);
});

test('pinyin: same-sound typos share syllables; n-grams never join across punctuation', () => {
  assert.deepEqual(pinyinRuns('生锈，生秀'), [['sheng', 'xiu'], ['sheng', 'xiu']]);
  assert.deepEqual(pinyinNgrams('生锈，吗', 1, 2), ['sheng', 'xiu', 'sheng-xiu', 'ma']);
  assert.deepEqual(pinyinNgrams('abc', 1, 2), []);
  assert.deepEqual(analyse('褪色', { kind: 'pinyin', min: 2, max: 2 }), ['tui-se']);
});

test('cue miner: keeps n-grams that pick out one label, matches them by sound, round-trips', () => {
  const texts = ['会不会生锈', '这个生锈吗', '生锈了怎么办', '什么时候发货', '发货要几天', '几天发货'];
  const labels = ['rust', 'rust', 'rust', 'ship', 'ship', 'ship'];
  const miner = new CueMiner({ min: 2, max: 2, minDocs: 2, minPrecision: 1 }).fit(texts, labels);
  const cues = miner.mined.map((c) => `${c.label}:${c.text}`);
  assert.ok(cues.includes('rust:生锈') && cues.includes('ship:发货'));
  assert.ok(!cues.some((c) => c.endsWith(':几天') && c.startsWith('rust')));
  assert.deepEqual(miner.tokens('铁锅会生秀吗'), ['mined:rust']); // same sound, different character
  assert.deepEqual(miner.tokens('颜色好看'), []);
  assert.deepEqual(CueMiner.fromJSON(JSON.parse(JSON.stringify(miner.toJSON()))).tokens('啥时候发货'), ['mined:ship']);
});
