import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Taxonomy } from '../../src/labels/taxonomy.js';
import { createRng } from '../../src/learn/random.js';
import { PageContext } from '../../src/knowledge/page-context.js';
import { loadSceneKnowledge } from '../../src/knowledge/scene-knowledge.js';
import { pageText, synthesizeScenePage, synthesizeScenePages } from '../../src/knowledge/scene-pages.js';

const taxonomy = Taxonomy.default('scene');

test('the scene knowledge describes every label once, each file saying how it was written', () => {
  const k = loadSceneKnowledge();
  assert.deepEqual(k.labels.map((l) => l.label).sort(), [...taxonomy.labels].sort());
  for (const l of k.labels) {
    assert.match(l.about, /definition|定义/i, `${l.file}: about should say it was written from the label definition`);
    assert.ok(l.boundaries.length > 0 || l.label === '其他类别图片', `${l.file}: boundaries with confusable labels`);
  }
});

test('synthesizeScenePages covers every label and is deterministic for a seed', () => {
  const a = synthesizeScenePages({ seed: 11, perLabel: 3 });
  const b = synthesizeScenePages({ seed: 11, perLabel: 3 });
  const c = synthesizeScenePages({ seed: 12, perLabel: 3 });
  assert.equal(a.length, 3 * taxonomy.labels.length);
  assert.deepEqual(a, b);
  assert.deepEqual(new Set(a.map((p) => p.label)), new Set(taxonomy.labels));
  const same = a.filter((p, i) => JSON.stringify(pageText(p)) === JSON.stringify(pageText(c[i]))).length;
  assert.ok(same < a.length / 10, `${same} of ${a.length} pages identical across seeds`);
  assert.equal(new Set(a.map((p) => p.id)).size, a.length, 'ids are unique');
  // A page depends on (label, seed, index) only: extending a set keeps the pages already made.
  assert.deepEqual(synthesizeScenePage(a[4].label, 11, 1), a[4]);
  assert.deepEqual(synthesizeScenePages({ seed: 11, perLabel: 1, start: 2, labels: [a[2].label] })[0], a[2]);
});

test('every variant is reachable and leaves no unfilled placeholder or pool reference', () => {
  const k = loadSceneKnowledge();
  // Enough pages per label that a variant of weight 1 in 30 is drawn with probability > 0.9999.
  const pages = synthesizeScenePages({ seed: 5, perLabel: 300 });
  for (const l of k.labels) {
    const seen = new Set(pages.filter((p) => p.label === l.label).map((p) => p.variant));
    for (const v of l.variants) assert.ok(seen.has(v.name), `${l.file}: variant "${v.name}" never drawn in 300 pages`);
  }
  for (const p of pages) {
    for (const t of pageText(p)) {
      assert.doesNotMatch(t, /\{[^}]*\}/, `${p.id} (${p.variant}): unfilled placeholder in "${t}"`);
      assert.doesNotMatch(t, /@[A-Za-z]/, `${p.id} (${p.variant}): unresolved pool in "${t}"`);
    }
    if (p.kind === 'screen') assert.ok(pageText(p).length >= 3, `${p.id} (${p.variant}) shows almost no text`);
  }
});

test('pages keep the structure the label needs (lists repeat rows, pop-ups float, photos have no phone chrome)', () => {
  const pages = synthesizeScenePages({ seed: 3, perLabel: 20 });
  const of = (label: string) => pages.filter((p) => p.label === label);
  for (const p of of('物流页面-物流列表页面')) {
    const list = p.blocks.find((b) => b.type === 'list');
    assert.ok(list && list.type === 'list' && list.items.length >= 2, `${p.id}: a logistics list shows two or more parcels`);
  }
  for (const p of of('下单过程中出现异常（显示购买失败浮窗）')) assert.ok(p.popup && p.popup.kind !== 'sheet', `${p.id}: a failure dialog or toast`);
  for (const p of of('实物拍摄(含售后)')) {
    assert.equal(p.kind, 'photo');
    assert.equal(p.statusBar, null);
  }
  for (const p of of('物流页面-物流跟踪页面')) assert.ok(p.blocks.some((b) => b.type === 'timeline'), `${p.id}: a tracking page has a route timeline`);
});

test('templates: entities stay consistent on a page, list items get their own, nested picks resolve', () => {
  const k = loadSceneKnowledge();
  const ctx = new PageContext(createRng(1), k, { greet: ['你好{name}'] });
  const order = ctx.fill('{orderNo}');
  assert.match(order, /^[1-4]\d{18}$/);
  assert.equal(ctx.fill('{orderNo}'), order);
  const child = ctx.child();
  assert.notEqual(child.fill('{orderNo}'), order);
  assert.equal(child.fill('{name}'), ctx.fill('{name}'), 'the receiver is the same user across list items');
  assert.match(ctx.fill('{tradeNo}'), /^20\d{6}22001\d{15}$/);
  assert.match(ctx.fill('{phoneMasked}'), /^1\d{2}\*{4}\d{4}$/);
  assert.match(ctx.fill('{t0}'), /^20\d\d-\d\d-\d\d \d\d:\d\d:\d\d$/);
  for (let i = 0; i < 20; i++) assert.match(ctx.fill('{pick:快递 ¥{n:5-12}.00|免邮}'), /^(快递 ¥([5-9]|1[0-2])\.00|免邮)$/);
  assert.match(ctx.fill('@greet'), /^你好.+/);
  assert.equal(ctx.fill('{noSuchThing}'), '{noSuchThing}', 'a typo stays visible');
});
