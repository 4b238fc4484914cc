// Renders the project's own example screenshots (an order details page, a parcel tracking page, a
// refund details page) in the look of the shopping app pages they stand for, at a phone's resolution
// (828 × 1792, text at the sizes a phone shows), and writes example dialogues in the native format.
// Everything here is invented by this script: no challenge data, no dev image was looked at.
// Run: node --import tsx scripts/make-examples.ts  (writes examples/)
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCanvas, GlobalFonts, type SKRSContext2D } from '@napi-rs/canvas';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'examples');
const require = createRequire(import.meta.url);
// The package exports only its JS entry (dist/index.*); the .otf files sit in fonts/ beside dist/.
const fontDir = join(dirname(require.resolve('@embedpdf/fonts-sc')), '..', 'fonts');
GlobalFonts.registerFromPath(join(fontDir, 'NotoSansHans-Regular.otf'), 'Noto Sans SC');
GlobalFonts.registerFromPath(join(fontDir, 'NotoSansHans-Bold.otf'), 'Noto Sans SC Bold');

// An iPhone-sized screenshot (828 × 1792): the size and text scale of a real phone capture.
const WIDTH = 828;
const HEIGHT = 1792;
const ORANGE = '#ff5000';
const INK = '#111';
const GREY = '#999';
const PAGE = '#f2f2f2';

type Draw = (g: SKRSContext2D) => void;

function font(size: number, bold = false): string {
  return `${size}px "${bold ? 'Noto Sans SC Bold' : 'Noto Sans SC'}"`;
}

function text(g: SKRSContext2D, s: string, x: number, y: number, size: number, color = INK, bold = false, align: SKRSContext2D['textAlign'] = 'left'): number {
  g.fillStyle = color;
  g.font = font(size, bold);
  g.textAlign = align;
  g.fillText(s, x, y);
  const width = g.measureText(s).width;
  g.textAlign = 'left';
  return width;
}

function card(g: SKRSContext2D, y: number, h: number): void {
  g.fillStyle = '#fff';
  g.beginPath();
  g.roundRect(18, y, WIDTH - 36, h, 22);
  g.fill();
}

function pill(g: SKRSContext2D, label: string, x: number, y: number, w: number, filled: boolean, color = ORANGE): void {
  g.beginPath();
  g.roundRect(x, y, w, 64, 32);
  if (filled) {
    g.fillStyle = color;
    g.fill();
  } else {
    g.strokeStyle = label === '确认收货' ? color : '#ccc';
    g.lineWidth = 2;
    g.stroke();
  }
  text(g, label, x + w / 2, y + 42, 27, filled ? '#fff' : INK, false, 'center');
}

/** The phone's status bar and the app's white navigation bar with a centred title. */
function navBar(g: SKRSContext2D, title: string, right = '···'): void {
  g.fillStyle = PAGE;
  g.fillRect(0, 0, WIDTH, HEIGHT);
  g.fillStyle = '#fff';
  g.fillRect(0, 0, WIDTH, 176);
  text(g, '9:41', 54, 58, 30, INK, true);
  text(g, '5G', WIDTH - 170, 58, 26, INK, true);
  g.strokeStyle = INK;
  g.lineWidth = 2;
  g.strokeRect(WIDTH - 116, 36, 52, 26);
  g.fillStyle = INK;
  g.fillRect(WIDTH - 112, 40, 36, 18);
  text(g, '‹', 30, 146, 64, INK);
  text(g, title, WIDTH / 2, 138, 36, INK, true, 'center');
  text(g, right, WIDTH - 44, 132, 34, INK, true, 'right');
}

/** Lines of at most `width` pixels, broken after a comma or space when one is near, else at the width. */
function wrap(g: SKRSContext2D, s: string, width: number, size: number, bold: boolean): string[] {
  g.font = font(size, bold);
  const lines: string[] = [];
  let rest = s;
  while (g.measureText(rest).width > width) {
    let cut = rest.length;
    while (cut > 1 && g.measureText(rest.slice(0, cut)).width > width) cut--;
    const soft = Math.max(rest.lastIndexOf('，', cut - 1), rest.lastIndexOf(' ', cut - 1));
    if (soft > cut / 2) cut = soft + 1;
    lines.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  lines.push(rest);
  return lines;
}

/** A round icon (a stand-in for the app's truck and pin glyphs). */
function icon(g: SKRSContext2D, x: number, y: number, colour: string): void {
  g.fillStyle = colour;
  g.beginPath();
  g.arc(x, y, 18, 0, Math.PI * 2);
  g.fill();
  g.fillStyle = '#fff';
  g.beginPath();
  g.arc(x, y, 7, 0, Math.PI * 2);
  g.fill();
}

/** A product picture stand-in: a soft tile with the item's outline. */
function productTile(g: SKRSContext2D, x: number, y: number, size: number, colour: string, kind: 'cup' | 'shirt'): void {
  g.fillStyle = '#f6f6f6';
  g.beginPath();
  g.roundRect(x, y, size, size, 14);
  g.fill();
  g.fillStyle = colour;
  if (kind === 'cup') {
    g.beginPath();
    g.roundRect(x + size * 0.34, y + size * 0.14, size * 0.32, size * 0.72, 16);
    g.fill();
    g.fillStyle = '#ffffff88';
    g.fillRect(x + size * 0.38, y + size * 0.2, size * 0.05, size * 0.55);
  } else {
    g.beginPath();
    g.moveTo(x + size * 0.3, y + size * 0.18);
    g.lineTo(x + size * 0.7, y + size * 0.18);
    g.lineTo(x + size * 0.9, y + size * 0.38);
    g.lineTo(x + size * 0.76, y + size * 0.48);
    g.lineTo(x + size * 0.72, y + size * 0.84);
    g.lineTo(x + size * 0.28, y + size * 0.84);
    g.lineTo(x + size * 0.24, y + size * 0.48);
    g.lineTo(x + size * 0.1, y + size * 0.38);
    g.closePath();
    g.fill();
  }
}

const orderPage: Draw = (g) => {
  navBar(g, '订单详情');
  // Status banner.
  const banner = g.createLinearGradient(0, 176, WIDTH, 176);
  banner.addColorStop(0, '#ff7a00');
  banner.addColorStop(1, ORANGE);
  g.fillStyle = banner;
  g.fillRect(0, 176, WIDTH, 190);
  text(g, '卖家已发货', 48, 262, 44, '#fff', true);
  text(g, '还剩 9 天 23 时自动确认收货', 48, 320, 28, '#fff');
  // Latest tracking line.
  card(g, 340, 150);
  icon(g, 64, 400, ORANGE);
  text(g, '【杭州市】快件已到达 杭州西湖营业部', 104, 404, 29, INK);
  text(g, '2024-06-13 21:40', 104, 452, 25, GREY);
  text(g, '›', WIDTH - 54, 430, 40, GREY);
  // Address.
  card(g, 506, 150);
  icon(g, 64, 566, '#333');
  text(g, '王小明  138****5678', 104, 568, 30, INK, true);
  text(g, '浙江省 杭州市 西湖区 文三路 100 号 3 单元 502', 104, 618, 26, '#555');
  // Shop and item.
  card(g, 672, 430);
  g.fillStyle = '#ff0036';
  g.beginPath();
  g.roundRect(44, 700, 36, 36, 8);
  g.fill();
  text(g, '天', 50, 728, 24, '#fff', true);
  text(g, '明亮家居旗舰店', 92, 728, 29, INK, true);
  text(g, '›', WIDTH - 54, 728, 36, GREY);
  productTile(g, 44, 760, 180, '#8fb0d6', 'cup');
  text(g, '不锈钢保温杯 500ml 大容量', 248, 800, 29, INK);
  text(g, '男女学生便携水杯', 248, 842, 29, INK);
  text(g, '颜色分类：雾蓝；容量：500ml', 248, 890, 25, GREY);
  text(g, '¥129.00', WIDTH - 48, 800, 29, INK, false, 'right');
  text(g, '×1', WIDTH - 48, 842, 27, GREY, false, 'right');
  pill(g, '加入购物车', WIDTH - 420, 968, 176, false);
  pill(g, '申请售后', WIDTH - 224, 968, 176, false);
  text(g, '七天无理由退货', 44, 1070, 24, GREY);
  // Price.
  card(g, 1118, 236);
  const money: Array<[string, string, string?]> = [
    ['商品总价', '¥139.00'],
    ['运费（快递）', '¥0.00'],
    ['店铺优惠', '-¥10.00', ORANGE],
  ];
  money.forEach(([k, v, c], i) => {
    text(g, k, 44, 1170 + i * 52, 27, '#555');
    text(g, v, WIDTH - 48, 1170 + i * 52, 27, c ?? INK, false, 'right');
  });
  text(g, '实付款', WIDTH - 300, 1326, 28, INK);
  text(g, '¥129.00', WIDTH - 48, 1326, 32, ORANGE, true, 'right');
  // Order information.
  card(g, 1370, 300);
  const rows: Array<[string, string]> = [
    ['订单编号', '3847 2910 5566 2810 47'],
    ['创建时间', '2024-06-12 10:21:05'],
    ['付款时间', '2024-06-12 10:21:30'],
    ['发货时间', '2024-06-12 16:02:11'],
  ];
  rows.forEach(([k, v], i) => {
    text(g, k, 44, 1420 + i * 52, 26, GREY);
    text(g, v, 230, 1420 + i * 52, 26, '#333');
  });
  text(g, '复制', WIDTH - 48, 1420, 26, '#333', false, 'right');
  // Bottom bar.
  g.fillStyle = '#fff';
  g.fillRect(0, HEIGHT - 140, WIDTH, 140);
  text(g, '更多', 44, HEIGHT - 80, 28, '#555');
  pill(g, '延长收货', WIDTH - 600, HEIGHT - 116, 170, false);
  pill(g, '查看物流', WIDTH - 412, HEIGHT - 116, 170, false);
  pill(g, '确认收货', WIDTH - 224, HEIGHT - 116, 176, true);
};

const logisticsPage: Draw = (g) => {
  navBar(g, '物流详情');
  // The map with the parcel's route.
  g.fillStyle = '#e8efe6';
  g.fillRect(0, 176, WIDTH, 440);
  g.strokeStyle = '#d6dfd3';
  g.lineWidth = 6;
  for (let i = 0; i < 7; i++) {
    g.beginPath();
    g.moveTo(0, 210 + i * 70);
    g.lineTo(WIDTH, 170 + i * 80);
    g.stroke();
  }
  g.strokeStyle = ORANGE;
  g.lineWidth = 8;
  g.setLineDash([18, 12]);
  g.beginPath();
  g.moveTo(180, 520);
  g.bezierCurveTo(300, 300, 520, 460, 650, 280);
  g.stroke();
  g.setLineDash([]);
  text(g, '义乌', 110, 510, 26, '#555');
  text(g, '杭州', 640, 250, 26, '#555');
  g.fillStyle = ORANGE;
  g.beginPath();
  g.arc(520, 410, 30, 0, Math.PI * 2);
  g.fill();
  g.fillStyle = '#fff';
  g.fillRect(506, 398, 28, 20);
  // The parcel.
  card(g, 560, 250);
  text(g, '运输中', 44, 628, 44, INK, true);
  text(g, '预计 明天 送达', 220, 626, 30, ORANGE);
  text(g, '中通快递', 44, 690, 28, '#333');
  text(g, '7500 0000 0001 234', 176, 690, 28, '#333');
  text(g, '复制', 470, 690, 26, ORANGE);
  text(g, '官方电话 95311', 44, 744, 26, GREY);
  productTile(g, WIDTH - 196, 620, 140, '#8fb0d6', 'cup');
  // The timeline.
  card(g, 832, 900);
  const events: Array<[string, string, string, string]> = [
    ['运输中', '【杭州市】快件已到达 杭州西湖营业部，准备派送', '06-13', '21:40'],
    ['', '【杭州市】快件离开 杭州转运中心，发往 杭州西湖营业部', '06-13', '08:15'],
    ['', '【杭州市】快件到达 杭州转运中心', '06-13', '02:03'],
    ['', '【金华市】快件离开 义乌转运中心，发往 杭州转运中心', '06-12', '22:47'],
    ['已揽件', '【金华市】中通快递 义乌分部 已揽收', '06-12', '18:30'],
    ['已发货', '包裹正在等待揽收', '06-12', '16:02'],
    ['已下单', '商品已经下单', '06-12', '10:21'],
  ];
  events.forEach(([stage, what, day, time], i) => {
    const y = 900 + i * 118;
    const first = i === 0;
    g.fillStyle = first ? ORANGE : '#c8c8c8';
    g.beginPath();
    g.arc(196, y - 10, first ? 13 : 9, 0, Math.PI * 2);
    g.fill();
    if (i < events.length - 1) g.fillRect(195, y + 6, 3, 100);
    if (stage) text(g, stage, 44, y, 28, first ? ORANGE : INK, true);
    text(g, day, 44, y + (stage ? 40 : 0), 22, GREY);
    text(g, time, 44, y + (stage ? 68 : 28), 22, GREY);
    wrap(g, what, WIDTH - 232 - 64, 27, first).forEach((line, k) => text(g, line, 232, y + k * 40, 27, first ? INK : '#666', first));
  });
};

const refundPage: Draw = (g) => {
  navBar(g, '退款详情');
  const banner = g.createLinearGradient(0, 176, WIDTH, 176);
  banner.addColorStop(0, '#ff7a00');
  banner.addColorStop(1, ORANGE);
  g.fillStyle = banner;
  g.fillRect(0, 176, WIDTH, 170);
  text(g, '退款成功', 48, 258, 44, '#fff', true);
  text(g, '2024年06月15日 14:02', 48, 312, 28, '#fff');
  card(g, 320, 260);
  text(g, '退款总金额', 44, 386, 30, INK);
  text(g, '¥59.90', WIDTH - 48, 390, 44, ORANGE, true, 'right');
  text(g, '支付宝', 44, 448, 28, '#555');
  text(g, '¥59.90', WIDTH - 48, 448, 28, '#555', false, 'right');
  text(g, '已退回至你的支付宝账户，请注意查收', 44, 500, 26, GREY);
  text(g, '查看钱款去向 ›', 44, 552, 26, ORANGE);
  // Progress.
  card(g, 600, 190);
  const steps = ['买家申请退款', '商家同意退款', '退款成功'];
  steps.forEach((step, i) => {
    const x = 140 + i * 274;
    g.fillStyle = ORANGE;
    g.beginPath();
    g.arc(x, 666, 16, 0, Math.PI * 2);
    g.fill();
    if (i < steps.length - 1) g.fillRect(x + 16, 663, 242, 6);
    text(g, step, x, 728, 26, INK, false, 'center');
  });
  // Refund information.
  card(g, 812, 640);
  text(g, '退款信息', 44, 872, 32, INK, true);
  productTile(g, 44, 902, 160, '#e9d7c3', 'shirt');
  text(g, '纯棉印花短袖T恤 宽松圆领', 228, 944, 29, INK);
  text(g, '颜色分类：白色；尺码：L', 228, 992, 25, GREY);
  const rows: Array<[string, string]> = [
    ['退款原因', '商品与描述不符'],
    ['退款金额', '¥59.90'],
    ['申请件数', '1'],
    ['申请时间', '2024-06-14 20:11:52'],
    ['退款编号', '2108 4410 0937 5528 10'],
  ];
  rows.forEach(([k, v], i) => {
    text(g, k, 44, 1140 + i * 58, 27, GREY);
    text(g, v, 230, 1140 + i * 58, 27, '#333');
  });
  // Bottom bar.
  g.fillStyle = '#fff';
  g.fillRect(0, HEIGHT - 140, WIDTH, 140);
  pill(g, '删除记录', WIDTH - 600, HEIGHT - 116, 170, false);
  pill(g, '联系卖家', WIDTH - 412, HEIGHT - 116, 170, false);
  pill(g, '钱款去向', WIDTH - 224, HEIGHT - 116, 176, false);
};

async function render(draw: Draw): Promise<Buffer> {
  const canvas = createCanvas(WIDTH, HEIGHT);
  draw(canvas.getContext('2d'));
  return canvas.encode('png');
}

async function renderThumbnail(draw: Draw, scale: number): Promise<Buffer> {
  // A small JPEG: small enough to inline in a dialogue example as a data URL.
  const canvas = createCanvas(Math.round(WIDTH * scale), Math.round(HEIGHT * scale));
  const g = canvas.getContext('2d');
  g.scale(scale, scale);
  draw(g);
  return canvas.encode('jpeg', 80);
}

interface ExampleEntry {
  kind: 'scene' | 'intent';
  file: string;
  title: { zh: string; en: string };
}

async function main(): Promise<void> {
  await mkdir(join(out, 'screenshots'), { recursive: true });
  await mkdir(join(out, 'dialogues'), { recursive: true });
  const entries: ExampleEntry[] = [];
  const shots: Array<[string, Draw, string, string]> = [
    ['order.png', orderPage, '订单详情页', 'Order details'],
    ['logistics.png', logisticsPage, '物流跟踪页', 'Parcel tracking'],
    ['refund.png', refundPage, '退款详情页', 'Refund details'],
  ];
  for (const [file, draw, zh, en] of shots) {
    const png = await render(draw);
    await writeFile(join(out, 'screenshots', file), png);
    entries.push({ kind: 'scene', file: `screenshots/${file}`, title: { zh, en } });
    process.stdout.write(`examples/screenshots/${file}: ${png.length} bytes\n`);
  }

  const orderThumb = `data:image/jpeg;base64,${(await renderThumbnail(orderPage, 0.5)).toString('base64')}`;
  const dialogues: Array<[string, object, string, string]> = [
    [
      'rust.json',
      {
        id: 'example-rust',
        task: 'intent',
        dialogue: [
          { role: 'user', text: '你好，在吗' },
          { role: 'agent', text: '亲，在的呢，请问有什么可以帮您？' },
          { role: 'user', text: '这个保温杯是不锈钢的，天天装茶水会不会生锈啊' },
        ],
      },
      '会生锈吗',
      'Will it rust?',
    ],
    [
      'usage.json',
      {
        id: 'example-usage',
        task: 'intent',
        dialogue: [
          { role: 'user', text: '面膜买回来了，请问怎么用？一周用几次比较好' },
          { role: 'agent', text: '亲，洁面后敷 15 分钟，建议一周 2-3 次哦' },
          { role: 'user', text: '敷完要洗脸吗，用量是一次一片吗' },
        ],
      },
      '怎么用',
      'How to use it',
    ],
    [
      'quantity-with-screenshot.json',
      {
        id: 'example-quantity',
        task: 'intent',
        dialogue: [
          { role: 'user', text: '我下单的是两个，页面上写的 ×1，到底发几个？', images: [orderThumb] },
          { role: 'agent', text: '亲亲，稍等，这边帮您核实一下订单' },
          { role: 'user', text: '就是这个订单，发货数量不对吧' },
        ],
      },
      '发几个（附截图）',
      'How many ship (with screenshot)',
    ],
  ];
  for (const [file, dialogue, zh, en] of dialogues) {
    await writeFile(join(out, 'dialogues', file), `${JSON.stringify(dialogue, null, 2)}\n`);
    entries.push({ kind: 'intent', file: `dialogues/${file}`, title: { zh, en } });
  }
  await writeFile(join(out, 'index.json'), `${JSON.stringify({ examples: entries }, null, 2)}\n`);
  await writeFile(
    join(out, 'README.md'),
    [
      '# Examples',
      '',
      'Made by `scripts/make-examples.ts` (rendered with @napi-rs/canvas and Noto Sans SC from @embedpdf/fonts-sc);',
      'invented content, not challenge data. The web page loads them through `index.json`.',
      '',
      '- `screenshots/`: an order details page, a parcel tracking page, a refund details page, drawn in the look of',
      '  the shopping app pages they stand for at a phone’s resolution (828×1792 PNG).',
      '- `dialogues/`: intent samples in the native format (`{id, task, dialogue: [{role, text, images?}]}`),',
      '  accepted as is by `POST /v1/intent`; images are inline data URLs.',
      '',
      '`test/examples.test.ts` checks that the shipped models recognise each one confidently.',
      '',
    ].join('\n'),
  );
}

await main();
