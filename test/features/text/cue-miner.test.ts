import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CueMiner } from '../../../src/features/text/cue-miner.js';

// Made-up page texts of three kinds: a refund page, a cart, a logistics page; every page also
// shows the shop's common words (订单, 商品), which must not become anyone's cue.
const TEXTS = [
  '退款详情 订单 商品 退款金额 ¥12.00',
  '退款详情 商品 退款成功 订单',
  '申请退款 退款金额 订单',
  '购物车 结算 商品 订单',
  '购物车 管理 结算 商品',
  '购物车 合计 结算 订单',
  '物流详情 快递 运输中 订单',
  '物流详情 派送中 快递 商品',
  '物流详情 已签收 快递 订单',
];
const LABELS = ['refund', 'refund', 'refund', 'cart', 'cart', 'cart', 'logistics', 'logistics', 'logistics'];

test('mines the n-grams that mark one label, not the words every label shares', () => {
  const miner = new CueMiner({ minLabelDocs: 2, perLabel: 5 }).fit(TEXTS, LABELS);
  const cues = (label: string) => miner.cues.filter((c) => c.label === label).map((c) => c.cue);
  assert.ok(cues('refund').includes('退款'), `refund cues: ${cues('refund').join(' ')}`);
  assert.ok(cues('cart').some((c) => c.includes('购物车') || c.includes('结算')), `cart cues: ${cues('cart').join(' ')}`);
  assert.ok(cues('logistics').some((c) => c.includes('快递') || c.includes('物流')));
  for (const c of miner.cues) {
    assert.ok(!['订单', '商品'].includes(c.cue), `shared word mined as a cue: ${c.cue} (${c.label})`);
    assert.ok(c.precision >= 0.6 && c.precision <= 1 && c.recall > 0 && c.recall <= 1);
  }
  assert.deepEqual(miner.match('这是购物车页面，去结算'), ['cart']);
  assert.deepEqual(miner.match('没有任何线索'), []);
});

test('a cue needs enough documents of its label', () => {
  const miner = new CueMiner({ minLabelDocs: 4 }).fit(TEXTS, LABELS);
  assert.equal(miner.cues.length, 0);
});

test('round-trips through JSON and refuses bad options', () => {
  const miner = new CueMiner({ minLabelDocs: 2 }).fit(TEXTS, LABELS);
  const copy = CueMiner.fromJSON(JSON.parse(JSON.stringify(miner.toJSON())));
  assert.deepEqual(copy.match('物流详情 快递'), miner.match('物流详情 快递'));
  assert.throws(() => new CueMiner({ minPrecision: 2 }), { code: 'ECM_ERR_BAD_OPTION' });
  assert.throws(() => new CueMiner({ min: 3, max: 2 }), { code: 'ECM_ERR_BAD_OPTION' });
  assert.throws(() => new CueMiner().match('x'), { code: 'ECM_ERR_NOT_FITTED' });
});
