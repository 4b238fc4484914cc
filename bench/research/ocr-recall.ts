// OCR recall against time, on rendered screens whose text is known: seeded synthetic phone pages
// (1080 px wide, 1920–2400 tall, like the dev screenshots) with lines of generic shop-UI words and
// numbers at font sizes from 22 px (fine print) to 56 px (titles), dark, grey and white-on-colour.
// For each OCR configuration: character recall per font size (a rendered line's characters found,
// as a multiset, in the OCR lines that overlap its box), pooled recall, and ms per page.
// Configurations run round-robin per page so that their times compare under the same load.
// Usage: node --import tsx bench/research/ocr-recall.ts [--pages 16] [--configs '[{},{"maxSide":1280}]'] [--markdown]
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import { createRng, type Rng } from '../../src/learn/random.js';
import sharp from 'sharp';
import { decodeRgb, type RawImage } from '../../src/vision/decode.js';
import { OcrEngine, type OcrLine, type OcrOptions } from '../../src/vision/ocr.js';

const { values } = parseArgs({
  options: {
    pages: { type: 'string', default: '16' },
    configs: { type: 'string', default: '[{"maxSide":960},{"maxSide":1280},{"maxSide":1600},{"maxSide":960,"topBand":{"fraction":0.15,"maxSide":1080}}]' },
    markdown: { type: 'boolean', default: false },
    // Dev screenshots scored against the full-resolution reference of bench/ocr-speed.ts (run it first).
    dev: { type: 'string', default: '0' },
  },
});

const require = createRequire(import.meta.url);
const fontDir = join(dirname(require.resolve('@embedpdf/fonts-sc')), '..', 'fonts');
GlobalFonts.registerFromPath(join(fontDir, 'NotoSansHans-Regular.otf'), 'Noto Sans SC');
GlobalFonts.registerFromPath(join(fontDir, 'NotoSansHans-Bold.otf'), 'Noto Sans SC Bold');

// Generic words of any shopping app's screens (written for this test, not taken from any data).
const WORDS = [
  '全部', '待付款', '待发货', '待收货', '评价', '退款', '售后', '订单', '详情', '商品', '店铺', '客服', '联系', '卖家', '买家',
  '收货地址', '手机号码', '实付款', '优惠', '合计', '运费', '包邮', '数量', '颜色', '尺码', '规格', '加入购物车', '立即购买',
  '申请', '进度', '审核中', '已完成', '已签收', '运输中', '派送中', '快递', '物流', '查看', '复制', '取消', '确定', '提交',
  '领取', '满减', '折扣', '红包', '积分', '余额', '账单', '明细', '支付方式', '银行卡', '信用', '分期', '发票', '备注',
  '退货', '换货', '原因', '描述', '上传', '凭证', '图片', '时间', '编号', '说明', '保障', '正品', '七天无理由', '价格',
];

interface RenderedLine {
  text: string;
  size: number;
  /** Box in pixels. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const SIZES = [16, 19, 22, 26, 30, 36, 44, 56];

function phrase(rng: Rng): string {
  const n = 1 + rng.int(3);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(WORDS[rng.int(WORDS.length)]);
  if (rng.next() < 0.35) parts.push(rng.next() < 0.5 ? `¥${(rng.int(99999) / 100).toFixed(2)}` : String(1000 + rng.int(9_000_000)));
  return parts.join(rng.next() < 0.5 ? '' : ' ');
}

async function renderPage(seed: number): Promise<{ image: RawImage; lines: RenderedLine[] }> {
  const rng = createRng(seed);
  const width = 1080;
  const height = rng.next() < 0.7 ? 2400 : 1920;
  const canvas = createCanvas(width, height);
  const g = canvas.getContext('2d');
  g.fillStyle = rng.next() < 0.5 ? '#ffffff' : '#f4f4f4';
  g.fillRect(0, 0, width, height);
  const lines: RenderedLine[] = [];
  const band = ['#ff5000', '#e4393c', '#1677ff', '#ffffff'][rng.int(4)];
  g.fillStyle = band;
  g.fillRect(0, 0, width, 260);
  const draw = (text: string, x: number, baseline: number, size: number, colour: string, bold: boolean) => {
    g.font = `${size}px "${bold ? 'Noto Sans SC Bold' : 'Noto Sans SC'}"`;
    g.fillStyle = colour;
    g.fillText(text, x, baseline);
    const m = g.measureText(text);
    lines.push({ text, size, x0: x, y0: baseline - size * 0.9, x1: x + m.width, y1: baseline + size * 0.25 });
  };
  const onBand = band === '#ffffff' ? '#222222' : '#ffffff';
  draw('9:41', 40, 56, 30, onBand, true);
  const title = WORDS[rng.int(WORDS.length)] + WORDS[rng.int(WORDS.length)];
  draw(title, 540 - title.length * 24, 170, 48, onBand, true);
  // a tab row in small text below the title
  let x = 40;
  for (let i = 0; i < 5; i++) {
    const w = WORDS[rng.int(WORDS.length)];
    draw(w, x, 235, 26, onBand, false);
    x += 200;
  }
  let y = 330;
  while (y < height - 120) {
    const size = SIZES[rng.int(SIZES.length)];
    const colour = ['#222222', '#666666', '#999999', '#b0b0b0', '#ff5000'][rng.int(5)];
    const text = phrase(rng);
    const x0 = 40 + rng.int(200);
    if (x0 + text.length * size < width - 20) draw(text, x0, y + size, size, colour, rng.next() < 0.2);
    y += Math.round(size * (1.6 + rng.next()));
  }
  // Through JPEG (quality 80), as screenshots reach a shop's service, then decoded like any upload.
  const jpeg = await sharp(canvas.toBuffer('image/png')).jpeg({ quality: 80 }).toBuffer();
  return { image: await decodeRgb({ name: `page-${seed}.jpg`, bytes: jpeg }), lines };
}

function charRecall(ref: string, found: string): { hit: number; total: number } {
  const counts = new Map<string, number>();
  for (const ch of found.replace(/\s+/g, '')) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let hit = 0;
  let total = 0;
  for (const ch of ref.replace(/\s+/g, '')) {
    total++;
    const c = counts.get(ch) ?? 0;
    if (c > 0) {
      hit++;
      counts.set(ch, c - 1);
    }
  }
  return { hit, total };
}

const configs = JSON.parse(values.configs!) as Partial<OcrOptions>[];
const engines = await Promise.all(configs.map((c) => OcrEngine.create(c)));
const pages = await Promise.all(Array.from({ length: Number(values.pages) }, (_, i) => renderPage(1000 + i)));
const stats = configs.map(() => ({ ms: [] as number[], bySize: new Map<number, { hit: number; total: number }>(), lines: 0 }));
for (const e of engines) await e.read(pages[0].image); // warm-up
for (const page of pages) {
  for (let c = 0; c < engines.length; c++) {
    const t = performance.now();
    const result = await engines[c].read(page.image);
    stats[c].ms.push(performance.now() - t);
    stats[c].lines += result.lines.length;
    for (const line of page.lines) {
      const overlapping = result.lines.filter((l: OcrLine) => {
        const b = { x0: l.box.x0 * page.image.width, x1: l.box.x1 * page.image.width, y0: l.box.y0 * page.image.height, y1: l.box.y1 * page.image.height };
        const cy = (b.y0 + b.y1) / 2;
        return cy > line.y0 && cy < line.y1 && b.x0 < line.x1 && line.x0 < b.x1;
      });
      const r = charRecall(line.text, overlapping.map((l) => l.text).join(''));
      const acc = stats[c].bySize.get(line.size) ?? { hit: 0, total: 0 };
      acc.hit += r.hit;
      acc.total += r.total;
      stats[c].bySize.set(line.size, acc);
    }
  }
}
// Dev screenshots: recall of the reference's characters, and time, round-robin per image.
const devN = Number(values.dev);
const devStats = configs.map(() => ({ ms: [] as number[], hit: 0, total: 0 }));
if (devN > 0) {
  const { readFile } = await import('node:fs/promises');
  const { cacheDir } = await import('../../src/features/cache.js');
  const reference = JSON.parse(await readFile(join(cacheDir(), 'bench', 'ocr-reference.json'), 'utf8')) as Record<string, { text: string[] }>;
  const imagesDir = new URL('../../../shared/data/www2025-mir/images/', import.meta.url).pathname;
  const names = Object.keys(reference).sort().slice(0, devN);
  for (const name of names) {
    const image = await decodeRgb({ name, path: imagesDir + name }, {}, { maxSide: 2560 });
    for (let c = 0; c < engines.length; c++) {
      const t = performance.now();
      const result = await engines[c].read(image);
      devStats[c].ms.push(performance.now() - t);
      const r = charRecall(reference[name].text.join(''), result.lines.map((l) => l.text).join(''));
      devStats[c].hit += r.hit;
      devStats[c].total += r.total;
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const sizes = [...new Set(pages.flatMap((p) => p.lines.map((l) => l.size)))].sort((a, b) => a - b);
const header = ['OCR configuration', 'median ms / page', 'time vs first', ...sizes.map((s) => `${s} px`), 'all text', ...(devN > 0 ? ['dev: recall of full-res text', 'dev: time vs first'] : [])];
const rows = configs.map((c, i) => {
  const s = stats[i];
  let hit = 0, total = 0;
  for (const v of s.bySize.values()) {
    hit += v.hit;
    total += v.total;
  }
  return [
    JSON.stringify(c),
    median(s.ms).toFixed(0),
    (median(s.ms) / median(stats[0].ms)).toFixed(2),
    ...sizes.map((size) => {
      const v = s.bySize.get(size);
      return v && v.total ? (v.hit / v.total).toFixed(3) : '–';
    }),
    (hit / total).toFixed(3),
    ...(devN > 0 ? [(devStats[i].hit / devStats[i].total).toFixed(3), (median(devStats[i].ms) / median(devStats[0].ms)).toFixed(2)] : []),
  ];
});
if (values.markdown) {
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
} else {
  console.log(header.join('\t'));
  for (const r of rows) console.log(r.join('\t'));
}
console.log(`${pages.length} rendered pages, ${pages.reduce((s, p) => s + p.lines.length, 0)} lines; character recall by font size (px at 1080 px width)${devN > 0 ? `; ${devN} dev screenshots against @gutenye/ocr-node at full resolution` : ''}`);
