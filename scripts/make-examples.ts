// Renders the project's own example screenshots (an order page, a logistics page, a refund page)
// and writes example dialogues in the native format. Everything here is invented by this script:
// no challenge data. Run: node --import tsx scripts/make-examples.ts  (writes examples/)
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

// A phone screenshot at half resolution: [1170, 540] pixels keeps the PNGs small.
const WIDTH = 540;
const HEIGHT = 1170;

type Draw = (g: SKRSContext2D) => void;

function text(g: SKRSContext2D, s: string, x: number, y: number, size: number, color = '#222', bold = false): void {
  g.fillStyle = color;
  g.font = `${size}px "${bold ? 'Noto Sans SC Bold' : 'Noto Sans SC'}"`;
  g.fillText(s, x, y);
}

function card(g: SKRSContext2D, x: number, y: number, w: number, h: number): void {
  g.fillStyle = '#ffffff';
  g.beginPath();
  g.roundRect(x, y, w, h, 14);
  g.fill();
}

function statusBar(g: SKRSContext2D, header: string, title: string): void {
  g.fillStyle = '#f4f4f4';
  g.fillRect(0, 0, WIDTH, HEIGHT);
  g.fillStyle = header;
  g.fillRect(0, 0, WIDTH, 190);
  text(g, '9:41', 24, 30, 18, '#fff', true);
  text(g, '5G  87%', WIDTH - 96, 30, 16, '#fff');
  text(g, '‹', 20, 92, 40, '#fff');
  text(g, title, WIDTH / 2 - title.length * 13, 90, 26, '#fff', true);
}

function productRow(g: SKRSContext2D, y: number, name: string, spec: string, price: string, thumb: string): void {
  g.fillStyle = thumb;
  g.fillRect(40, y, 110, 110);
  text(g, name, 166, y + 28, 20, '#222');
  text(g, spec, 166, y + 60, 16, '#888');
  text(g, price, 166, y + 96, 20, '#222', true);
  text(g, '×1', WIDTH - 70, y + 96, 18, '#888');
}

const orderPage: Draw = (g) => {
  statusBar(g, '#ff6a00', '订单详情');
  text(g, '卖家已发货', 40, 150, 30, '#fff', true);
  card(g, 20, 210, WIDTH - 40, 130);
  text(g, '收货人：王小明  138****5678', 44, 256, 19);
  text(g, '浙江省杭州市西湖区文三路 100 号 3 单元', 44, 296, 17, '#555');
  card(g, 20, 360, WIDTH - 40, 300);
  text(g, '明亮家居旗舰店 ›', 44, 400, 19, '#222', true);
  productRow(g, 425, '不锈钢保温杯 500ml', '颜色：雾蓝；容量：500ml', '¥129.00', '#9fb8d6');
  text(g, '实付款', 44, 600, 19);
  text(g, '¥129.00', WIDTH - 140, 600, 22, '#ff4400', true);
  card(g, 20, 680, WIDTH - 40, 250);
  const rows: Array<[string, string]> = [
    ['订单编号', '2024 0612 0000 0000 42'],
    ['支付方式', '支付宝'],
    ['创建时间', '2024-06-12 10:21:05'],
    ['付款时间', '2024-06-12 10:21:30'],
    ['发货时间', '2024-06-12 16:02:11'],
  ];
  rows.forEach(([k, v], i) => {
    text(g, k, 44, 722 + i * 44, 17, '#888');
    text(g, v, 170, 722 + i * 44, 17, '#333');
  });
  for (const [label, x] of [['查看物流', 150], ['延长收货', 290], ['确认收货', 410]] as const) {
    g.strokeStyle = label === '确认收货' ? '#ff6a00' : '#bbb';
    g.lineWidth = 2;
    g.beginPath();
    g.roundRect(x - 10, HEIGHT - 90, 112, 46, 23);
    g.stroke();
    text(g, label, x + 6, HEIGHT - 59, 18, label === '确认收货' ? '#ff6a00' : '#333');
  }
};

const logisticsPage: Draw = (g) => {
  statusBar(g, '#1677ff', '物流详情');
  text(g, '运输中  预计明天送达', 40, 150, 26, '#fff', true);
  card(g, 20, 210, WIDTH - 40, 110);
  text(g, '中通快递  运单号 7500 0000 0001 234', 44, 256, 18);
  text(g, '官方电话 95311  复制', 44, 294, 16, '#888');
  card(g, 20, 340, WIDTH - 40, 700);
  const events: Array<[string, string, string]> = [
    ['06-13 21:40', '【杭州市】快件已到达 杭州西湖营业部', '派件员：李师傅 139****0000'],
    ['06-13 08:15', '【杭州市】快件离开 杭州转运中心', '发往 杭州西湖营业部'],
    ['06-13 02:03', '【杭州市】快件到达 杭州转运中心', ''],
    ['06-12 22:47', '【金华市】快件离开 义乌转运中心', '发往 杭州转运中心'],
    ['06-12 18:30', '【金华市】快件已揽收', '揽收员：张师傅'],
    ['06-12 16:02', '商家已发货', '包裹正在等待揽收'],
  ];
  events.forEach(([time, what, detail], i) => {
    const y = 390 + i * 108;
    g.fillStyle = i === 0 ? '#1677ff' : '#c8c8c8';
    g.beginPath();
    g.arc(56, y - 6, i === 0 ? 9 : 6, 0, Math.PI * 2);
    g.fill();
    if (i < events.length - 1) g.fillRect(55, y + 6, 2, 96);
    text(g, what, 84, y, 18, i === 0 ? '#1677ff' : '#333', i === 0);
    if (detail) text(g, detail, 84, y + 30, 15, '#888');
    text(g, time, 84, y + (detail ? 58 : 30), 14, '#aaa');
  });
};

const refundPage: Draw = (g) => {
  statusBar(g, '#e02e24', '退款详情');
  text(g, '退款成功', 40, 150, 30, '#fff', true);
  card(g, 20, 210, WIDTH - 40, 170);
  text(g, '退款总金额', 44, 256, 19);
  text(g, '¥59.90', WIDTH - 130, 256, 24, '#e02e24', true);
  text(g, '原路退回 支付宝  ¥59.90', 44, 300, 17, '#555');
  text(g, '2024-06-15 14:02 钱款已到账', 44, 340, 16, '#888');
  card(g, 20, 400, WIDTH - 40, 210);
  const steps = ['买家申请退款', '商家同意退款', '退款成功'];
  steps.forEach((step, i) => {
    const x = 80 + i * 180;
    g.fillStyle = '#e02e24';
    g.beginPath();
    g.arc(x, 460, 12, 0, Math.PI * 2);
    g.fill();
    if (i < steps.length - 1) g.fillRect(x + 12, 458, 156, 4);
    text(g, step, x - 52, 500, 16, '#333');
  });
  text(g, '退款原因：商品与描述不符', 44, 560, 17, '#555');
  card(g, 20, 630, WIDTH - 40, 320);
  text(g, '退款信息', 44, 672, 19, '#222', true);
  productRow(g, 700, '纯棉印花短袖 T 恤', '颜色：白色；尺码：L', '¥59.90', '#e9d7c3');
  text(g, '退款编号  3301 0000 0000 77', 44, 860, 16, '#888');
  text(g, '申请时间  2024-06-14 20:11', 44, 896, 16, '#888');
};

async function render(draw: Draw): Promise<Buffer> {
  const canvas = createCanvas(WIDTH, HEIGHT);
  draw(canvas.getContext('2d'));
  return canvas.encode('png');
}

async function renderThumbnail(draw: Draw): Promise<Buffer> {
  // A third-size JPEG: small enough to inline in a dialogue example as a data URL.
  const canvas = createCanvas(WIDTH / 3, HEIGHT / 3);
  const g = canvas.getContext('2d');
  g.scale(1 / 3, 1 / 3);
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

  const orderThumb = `data:image/jpeg;base64,${(await renderThumbnail(orderPage)).toString('base64')}`;
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
      '- `screenshots/`: an order page, a logistics tracking page, a refund page (540×1170 PNG).',
      '- `dialogues/`: intent samples in the native format (`{id, task, dialogue: [{role, text, images?}]}`),',
      '  accepted as is by `POST /v1/intent`; images are inline data URLs.',
      '',
    ].join('\n'),
  );
}

await main();
