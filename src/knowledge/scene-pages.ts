// Synthetic scene pages from the knowledge under knowledge/scene/: for each label, a variant is
// drawn by weight and its sections are filled from the phrase pools and entities of a PageContext.
// The result is structured content (status bar, title bar, blocks of rows, bottom bar, pop-up, or a
// photo description) that render-screenshot.ts draws and pageText() flattens. Deterministic: the
// same seed, label and index always give the same page.
import { createRng } from '../learn/random.js';
import { Taxonomy } from '../labels/taxonomy.js';
import { PageContext } from './page-context.js';
import {
  loadSceneKnowledge,
  ROW_KINDS,
  type BottomBarSpec,
  type LabelKnowledge,
  type Pool,
  type PopupSpec,
  type RowSpec,
  type SceneKnowledge,
  type SectionSpec,
  type TitleBarSpec,
  type VariantSpec,
} from './scene-knowledge.js';

// ---------------------------------------------------------------- page shapes

export type TextStyle = 'normal' | 'muted' | 'strong' | 'accent' | 'link' | 'title' | 'big' | 'price' | 'right' | 'warn' | 'small';

export interface ProductRow {
  type: 'product';
  title: string;
  spec: string;
  price: string;
  qty: number;
  tag?: string;
  check?: boolean;
  stepper?: boolean;
  compact?: boolean;
  deal?: { percent: number; button: string };
}

export type Row =
  | { type: 'kv'; key: string; value: string }
  | { type: 'text'; text: string; style: TextStyle; icon?: 'truck' | 'pin' }
  | ProductRow
  | { type: 'total'; key: string; value: string }
  | { type: 'buttons'; items: string[] }
  | { type: 'chips'; items: string[] }
  | { type: 'input'; key: string; value: string }
  | { type: 'textarea'; placeholder: string }
  | { type: 'upload'; text: string }
  | { type: 'radio'; items: string[]; selected: number }
  | { type: 'steps'; items: string[]; active: number }
  | { type: 'avatar'; name: string; sub: string }
  | { type: 'photos'; n: number }
  | { type: 'link'; key: string; value: string }
  | { type: 'stepper'; key: string; value: number }
  | { type: 'bill'; merchant: string; time: string; amount: string; category: string }
  | { type: 'avatarRow'; key: string }
  | { type: 'iconsRow'; items: string[] }
  | { type: 'switch'; key: string; on: boolean };

export interface ChatMessage {
  side: 'left' | 'right' | 'time' | 'system' | 'product' | 'order' | 'image';
  text?: string;
  product?: ProductRow;
  order?: { orderNo: string; status: string };
}

export type Block =
  | { type: 'banner'; title: string; lines: string[]; tone: 'plain' | 'brand' | 'warning' }
  | { type: 'card'; heading?: string; headingRight?: string; rows: Row[] }
  | { type: 'list'; heading?: string; plain: boolean; items: Row[][] }
  | { type: 'timeline'; heading?: string; events: { text: string; time: string }[]; warnFirst: boolean; address?: string }
  | { type: 'tabs'; items: string[]; active: number }
  | { type: 'chipsRow'; items: string[] }
  | { type: 'search'; placeholder: string }
  | { type: 'hero'; height: number; overlay: string[]; counter?: string; dark?: boolean; photo?: string; backdrop?: string }
  | { type: 'grid'; heading?: string; items: { title: string; price: string; sub: string }[]; deal: boolean }
  | { type: 'coupons'; items: { amount: string; cond: string; valid: string; button: string; name: string }[]; layout: 'list' | 'row' | 'grid'; withProduct: boolean }
  | { type: 'chat'; style: 'taobao' | 'sms' | 'wechat'; messages: ChatMessage[] }
  | { type: 'options'; groups: { name: string; values: string[]; selected: number; disabled: number[]; images: boolean; big: boolean }[] }
  | { type: 'skuHead'; price: string; lines: string[] }
  | { type: 'amount'; title?: string; amount: string; lines: string[]; check: boolean }
  | { type: 'keypad'; title: string }
  | { type: 'promo'; title: string; lines: string[]; height: number; palette: string }
  | { type: 'icons'; items: string[] }
  | { type: 'profile'; name: string; lines: string[] }
  | { type: 'shopHeader'; name: string; lines: string[]; button: string }
  | { type: 'map'; from: string; to: string }
  | { type: 'notice'; text: string }
  | { type: 'table'; title?: string; header: string[]; rows: string[][] }
  | { type: 'commentSheet'; title: string; comments: { name: string; text: string; meta: string }[] };

export interface TitleBar {
  title: string;
  sub?: string;
  right: string[];
  style: 'white' | 'brand' | 'grey' | 'dark' | 'transparent' | 'search' | 'tabs';
  back: boolean;
  search?: string;
  tabs?: string[];
}

export type BottomBar =
  | { kind: 'buttons'; items: string[] }
  | { kind: 'tabbar'; items: string[]; active: number }
  | { kind: 'total'; left: string; amount: string; sub?: string; button: string; tabbar?: string[] }
  | { kind: 'buy'; icons: string[]; buttons: string[] }
  | { kind: 'input'; placeholder: string; chips: string[] }
  | { kind: 'button'; text: string }
  | { kind: 'iconBar'; items: string[] };

export type Popup =
  | { kind: 'dialog'; title: string; lines: string[]; buttons: string[] }
  | { kind: 'toast'; text: string }
  | { kind: 'sheet'; title: string; height: number; blocks: Block[]; buttons: string[] };

export interface ScenePage {
  /** `<label file>-<seed>-<index>`: unique and stable. */
  id: string;
  label: string;
  coarse: string;
  variant: string;
  app: string;
  seed: number;
  kind: 'screen' | 'photo';
  device: { name: string; width: number; height: number };
  dark: boolean;
  /** Font scale: about 1 (systems differ a little), 1.2 in the apps' elder mode. */
  fontScale: number;
  /** The part of the screen the user kept when cropping the screenshot (fractions of the height), or null. */
  crop: { top: number; height: number } | null;
  statusBar: { time: string; battery: number; network: string; platform: 'ios' | 'android' } | null;
  titleBar: TitleBar | null;
  blocks: Block[];
  bottomBar: BottomBar | null;
  popup: Popup | null;
  photo: { scene: string; texts: string[] } | null;
}

export interface SynthesizeOptions {
  seed: number;
  /** Pages per label. */
  perLabel: number;
  /** Only these labels (default: every label of the taxonomy). */
  labels?: readonly string[];
  knowledge?: SceneKnowledge;
  /** First page index per label (to extend a set without changing the pages already made). */
  start?: number;
}

// ---------------------------------------------------------------- generation

/** perLabel pages for each label, in taxonomy order. */
export function synthesizeScenePages(options: SynthesizeOptions): ScenePage[] {
  const k = options.knowledge ?? loadSceneKnowledge();
  const taxonomy = Taxonomy.default('scene');
  const labels = options.labels ?? taxonomy.labels;
  const out: ScenePage[] = [];
  for (const label of labels) {
    const start = options.start ?? 0;
    for (let i = start; i < start + options.perLabel; i++) out.push(synthesizeScenePage(label, options.seed, i, k));
  }
  return out;
}

/** One page of a label: depends only on (label, seed, index) and the knowledge. */
export function synthesizeScenePage(label: string, seed: number, index: number, k: SceneKnowledge = loadSceneKnowledge()): ScenePage {
  const lk = k.labels.find((l) => l.label === label);
  if (!lk) throw new Error(`no scene knowledge for label "${label}"`);
  const rng = createRng(hashSeed(seed, label, index));
  const ctx = new PageContext(rng, k, lk.pools);
  const variant = pickVariant(lk, ctx);
  const app = k.apps[variant.app];
  const slug = lk.file.replace(/^labels\//, '').replace(/\.json$/, '');
  const base = {
    id: `${slug}-${seed}-${index}`,
    label,
    coarse: Taxonomy.default('scene').coarseOf(label),
    variant: variant.name,
    app: variant.app,
    seed,
  };
  if (variant.photo) {
    const texts = (variant.photo.texts ?? []).map((t) => ctx.fill(t)).filter((t) => t !== '');
    return { ...base, kind: 'photo', device: photoSize(ctx, variant.photo.scene), dark: false, fontScale: 1, crop: null, statusBar: null, titleBar: null, blocks: [], bottomBar: null, popup: null, photo: { scene: variant.photo.scene, texts } };
  }
  if (variant.courier) ctx.useCourier(variant.courier);
  const device = pickDevice(k, ctx);
  const platform: 'ios' | 'android' = /iphone/.test(device.name) ? 'ios' : 'android';
  const statusBar = variant.statusBar === false || ctx.rng.next() < 0.06 ? null : {
    time: `${ctx.int(0, 23)}:${String(ctx.int(0, 59)).padStart(2, '0')}`,
    battery: ctx.int(8, 100),
    network: ctx.pick(['5G', '4G', '5G', 'WiFi', '4G+', '5G']),
    platform,
  };
  const blocks = (variant.sections ?? []).filter((s) => ctx.chance(s.p)).map((s) => makeBlock(s, ctx)).filter((b): b is Block => b !== null);
  // Some users run the apps in dark mode or elder mode (bigger type); some crop the screenshot.
  const dark = Boolean(app.dark) || (app.inFamily && ctx.rng.next() < 0.05);
  const fontScale = ctx.rng.next() < 0.08 ? 1.2 : 0.94 + ctx.rng.next() * 0.12;
  const popup = variant.popup && ctx.chance(variant.popup.p) ? makePopup(variant.popup, ctx) : null;
  const cropTop = ctx.rng.next() * 0.25;
  const crop = popup === null && ctx.rng.next() < 0.15 ? { top: cropTop, height: Math.min(1 - cropTop, 0.5 + ctx.rng.next() * 0.4) } : null;
  return {
    ...base,
    kind: 'screen',
    device,
    dark,
    fontScale,
    crop,
    statusBar,
    titleBar: variant.titleBar && ctx.chance(variant.titleBar.p) ? makeTitleBar(variant.titleBar, ctx) : null,
    blocks,
    bottomBar: variant.bottomBar && ctx.chance(variant.bottomBar.p) ? makeBottomBar(variant.bottomBar, ctx, app.tabbar) : null,
    popup,
    photo: null,
  };
}

/** FNV-1a over the seed, label and index: independent streams per page. */
function hashSeed(seed: number, label: string, index: number): number {
  let h = 0x811c9dc5;
  for (const ch of `${seed}|${label}|${index}`) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function pickVariant(lk: LabelKnowledge, ctx: PageContext): VariantSpec {
  return weighted(lk.variants, (v) => v.weight ?? 1, ctx);
}

function weighted<T>(items: readonly T[], weight: (t: T) => number, ctx: PageContext): T {
  const total = items.reduce((s, t) => s + weight(t), 0);
  let r = ctx.rng.next() * total;
  for (const t of items) {
    r -= weight(t);
    if (r < 0) return t;
  }
  return items[items.length - 1];
}

function pickDevice(k: SceneKnowledge, ctx: PageContext): ScenePage['device'] {
  const d = weighted(k.devices, (d) => d.weight, ctx);
  return { name: d.name, width: d.width, height: d.height };
}

/** Camera photos are 3:4 or 4:3 (downscaled by the chat app); designed images square or 3:4. */
function photoSize(ctx: PageContext, scene: string): ScenePage['device'] {
  if (scene === 'hero-share' || scene === 'text-card') return ctx.pick([{ name: 'share-750', width: 750, height: 1100 }, { name: 'share-600', width: 600, height: 960 }, { name: 'square-800', width: 800, height: 800 }]);
  if (scene.startsWith('hero')) return ctx.pick([{ name: 'square-800', width: 800, height: 800 }, { name: 'square-750', width: 750, height: 750 }, { name: 'tall-750', width: 750, height: 1000 }]);
  if (scene === 'sticker' || scene === 'qr' || scene === 'cartoon') return ctx.pick([{ name: 'square-240', width: 240, height: 240 }, { name: 'square-480', width: 480, height: 480 }, { name: 'poster', width: 720, height: 1080 }]);
  if (scene === 'detail-panel' || scene === 'poster' || scene === 'chart') return ctx.pick([{ name: 'panel-750', width: 750, height: 1000 }, { name: 'panel-790', width: 790, height: 1200 }]);
  if (scene === 'document') return ctx.pick([{ name: 'a4-ish', width: 1000, height: 1400 }, { name: 'landscape-doc', width: 1400, height: 900 }]);
  const portrait = ctx.rng.next() < 0.75;
  const [w, h] = ctx.pick([[1080, 1440], [960, 1280], [1200, 1600], [1536, 2048], [768, 1024]]);
  return portrait ? { name: 'camera-3:4', width: w, height: h } : { name: 'camera-4:3', width: h, height: w };
}

const fillAll = (pools: Pool[] | undefined, ctx: PageContext): string[] => (pools ?? []).map((p) => ctx.fill(p)).filter((s) => s !== '');
const range = (r: unknown, ctx: PageContext, fallback: [number, number]): number => {
  const [lo, hi] = Array.isArray(r) ? (r as [number, number]) : typeof r === 'number' ? [r, r] : fallback;
  return ctx.int(lo, hi);
};

function makeTitleBar(spec: TitleBarSpec, ctx: PageContext): TitleBar {
  return {
    title: ctx.fill(spec.title),
    sub: spec.sub ? ctx.fill(spec.sub) : undefined,
    right: fillAll(spec.right, ctx),
    style: spec.style ?? 'white',
    back: spec.back ?? true,
    search: spec.search ? ctx.fill(spec.search) : undefined,
    tabs: spec.tabs ? fillAll(spec.tabs, ctx) : undefined,
  };
}

function makeBottomBar(spec: BottomBarSpec, ctx: PageContext, appTabs: string[]): BottomBar | null {
  switch (spec.kind) {
    case 'buttons': return { kind: 'buttons', items: dedupe(fillAll(spec.items as Pool[], ctx)) };
    case 'tabbar': return appTabs.length ? { kind: 'tabbar', items: appTabs, active: (spec.active as number) ?? 0 } : null;
    case 'total': return { kind: 'total', left: ctx.fill(spec.left as Pool), amount: ctx.fill(spec.amount as Pool), sub: spec.sub ? ctx.fill(spec.sub as Pool) : undefined, button: ctx.fill(spec.button as Pool), tabbar: spec.tabbar ? appTabs : undefined };
    case 'buy': return { kind: 'buy', icons: fillAll(spec.icons as Pool[], ctx), buttons: fillAll(spec.buttons as Pool[], ctx) };
    case 'input': return { kind: 'input', placeholder: ctx.fill(spec.placeholder as Pool), chips: dedupe(fillAll(spec.chips as Pool[] | undefined, ctx)) };
    case 'button': return { kind: 'button', text: ctx.fill(spec.text as Pool) };
    case 'iconBar': return { kind: 'iconBar', items: fillAll(spec.items as Pool[], ctx) };
  }
}

function makePopup(spec: PopupSpec, ctx: PageContext): Popup {
  switch (spec.kind) {
    case 'dialog': return { kind: 'dialog', title: ctx.fill(spec.title as Pool), lines: fillAll(spec.lines as Pool[], ctx), buttons: dedupe(fillAll(spec.buttons as Pool[] | undefined, ctx)) };
    case 'toast': return { kind: 'toast', text: ctx.fill(spec.text as Pool) };
    case 'sheet': return {
      kind: 'sheet',
      title: ctx.fill(spec.title as Pool | undefined),
      height: (spec.height as number | undefined) ?? 0.6,
      blocks: ((spec.sections as SectionSpec[] | undefined) ?? []).filter((s) => ctx.chance(s.p)).map((s) => makeBlock(s, ctx)).filter((b): b is Block => b !== null),
      buttons: fillAll(spec.buttons as Pool[] | undefined, ctx),
    };
  }
}

function dedupe(items: string[]): string[] {
  return items.filter((v, i, a) => a.indexOf(v) === i);
}

function makeBlock(s: SectionSpec, ctx: PageContext): Block | null {
  const f = (key: string) => ctx.fill(s[key] as Pool | undefined);
  switch (s.kind) {
    case 'banner': return { type: 'banner', title: f('title'), lines: fillAll(s.lines as Pool[], ctx), tone: (s.tone as 'plain') ?? 'plain' };
    case 'card': {
      const rows = makeRows(s.rows as RowSpec[], ctx);
      return rows.length ? { type: 'card', heading: f('heading') || undefined, headingRight: f('headingRight') || undefined, rows } : null;
    }
    case 'list': {
      const n = range(s.n, ctx, [2, 4]);
      const items = Array.from({ length: n }, () => makeRows(s.item as RowSpec[], ctx.child()));
      return { type: 'list', heading: f('heading') || undefined, plain: Boolean(s.plain), items };
    }
    case 'timeline': return makeTimeline(s, ctx);
    case 'tabs': {
      const items = dedupe(fillAll(s.items as Pool[], ctx));
      return { type: 'tabs', items, active: Math.min(items.length - 1, range(s.active, ctx, [0, 0])) };
    }
    case 'chipsRow': return { type: 'chipsRow', items: dedupe(fillAll(s.items as Pool[], ctx)) };
    case 'search': return { type: 'search', placeholder: f('placeholder') };
    case 'hero': return { type: 'hero', height: (s.height as number) ?? 0.45, overlay: fillAll(s.overlay as Pool[] | undefined, ctx), counter: s.counter ? `${ctx.int(1, 3)}/${ctx.int(4, 9)}` : undefined, dark: Boolean(s.dark), photo: s.photo ? ctx.fill(s.photo as Pool) : undefined, backdrop: s.backdrop ? ctx.fill(s.backdrop as Pool) : undefined };
    case 'grid': {
      const n = range(s.n, ctx, [2, 4]);
      const deal = Boolean(s.deal);
      const items = Array.from({ length: n }, () => {
        const c = ctx.child();
        return {
          title: c.fill('{product}'),
          price: c.fill(deal ? '{pick:秒杀价|补贴价|到手价} ¥{price}' : '¥{price}'),
          sub: c.fill(deal ? '{pick:已抢{n:30-99}%|马上抢|已售{n:1-99}万件}' : '{pick:已售{n:100-9999}+|{n:100-9999}人付款|包邮|{shop}}'),
        };
      });
      return { type: 'grid', heading: f('heading') || undefined, items, deal };
    }
    case 'coupons': {
      const n = range(s.n, ctx, [2, 4]);
      const items = Array.from({ length: n }, () => {
        const c = ctx.child();
        return { amount: c.fill(s.amount as Pool), cond: c.fill(s.cond as Pool), valid: c.fill(s.valid as Pool | undefined), button: c.fill(s.button as Pool), name: c.fill(s.name as Pool | undefined) };
      });
      return { type: 'coupons', items, layout: ((s.layout as string) ?? 'list') as 'list', withProduct: Boolean(s.withProduct) };
    }
    case 'chat': {
      const specs = (s.messages as (RowSpec & { side: ChatMessage['side']; text?: Pool })[]).filter((m) => ctx.chance(m.p));
      const messages: ChatMessage[] = specs.map((m) => {
        if (m.side === 'product') return { side: 'product', product: productRow({}, ctx) };
        if (m.side === 'order') return { side: 'order', order: { orderNo: ctx.entity('orderNo'), status: ctx.fill('{pick:卖家已发货|交易成功|等待卖家发货|退款中}') }, product: productRow({}, ctx) };
        return { side: m.side, text: ctx.fill(m.text) };
      });
      return { type: 'chat', style: ((s.style as string) ?? 'taobao') as 'taobao', messages };
    }
    case 'options': return makeOptions(s, ctx);
    case 'skuHead': return { type: 'skuHead', price: f('price'), lines: fillAll(s.lines as Pool[], ctx) };
    case 'amount': return { type: 'amount', title: f('title') || undefined, amount: f('amount'), lines: fillAll(s.lines as Pool[] | undefined, ctx), check: Boolean(s.check) };
    case 'keypad': return { type: 'keypad', title: f('title') };
    case 'promo': return { type: 'promo', title: f('title'), lines: fillAll(s.lines as Pool[] | undefined, ctx), height: (s.height as number) ?? 0.25, palette: (s.palette as string) ?? 'festival' };
    case 'icons': return { type: 'icons', items: dedupe(fillAll(s.items as Pool[], ctx)) };
    case 'profile': return { type: 'profile', name: f('name'), lines: fillAll(s.lines as Pool[] | undefined, ctx) };
    case 'shopHeader': return { type: 'shopHeader', name: f('name'), lines: fillAll(s.lines as Pool[] | undefined, ctx), button: f('button') };
    case 'map': return { type: 'map', from: ctx.entity('cityFromShort'), to: ctx.entity('cityToShort') };
    case 'notice': return { type: 'notice', text: f('text') };
    case 'table': {
      const header = fillAll(s.header as Pool[], ctx);
      const labels = (s.rowLabels as string[] | undefined) ?? ['1', '2', '3'];
      const start = ctx.int(40, 90);
      const rows = labels.map((l, i) => [l, ...header.slice(1).map((_, j) => String(start + j * ctx.int(3, 12) + i * ctx.int(1, 4)))]);
      return { type: 'table', title: f('title') || undefined, header, rows };
    }
    case 'commentSheet': {
      const n = range(s.n, ctx, [3, 5]);
      const comments = Array.from({ length: n }, () => {
        const c = ctx.child();
        return { name: c.fill('{nick}'), text: c.fill('@reviewSentences'), meta: c.fill('{pick:{md}|{n:1-23}小时前|{n:1-6}天前} · {province} {pick:回复|}  ♡{n:1-999}') };
      });
      return { type: 'commentSheet', title: f('title'), comments };
    }
    default: return null;
  }
}

function makeTimeline(s: SectionSpec, ctx: PageContext): Block {
  const n = range(s.n, ctx, [4, 8]);
  const source = (s.source as string) ?? 'logistics';
  const ev = ctx.k.logistics.events;
  let texts: string[];
  if (source === 'items') {
    texts = fillAll((s.items as Pool[]).slice(0, n), ctx).reverse();
  } else {
    // Oldest first, then reversed: pages list the newest event on top.
    const seq: string[] = [ctx.fill(ev.created), ctx.fill(ev.pickup)];
    const transit = Math.max(1, n - 4);
    for (let i = 0; i < transit; i++) seq.push(ctx.fill(ev.transit));
    seq.push(ctx.fill(ev.delivering));
    if (source === 'signed') seq.push(ctx.fill(ev.station), ctx.fill(ev.signed));
    else if (source === 'exception') seq.push(ctx.fill(ev.exception));
    else if (ctx.rng.next() < 0.4) seq.push(ctx.fill(ctx.rng.next() < 0.5 ? ev.station : ev.signed));
    texts = seq.slice(-n).reverse();
  }
  // Times: newest first, going back by minutes to a day per step.
  let t = ctx.now().getTime() - ctx.int(0, 48) * 3_600_000;
  const events = texts.map((text) => {
    const d = new Date(t);
    t -= ctx.int(20, 1400) * 60_000;
    const time = ctx.rng.next() < 0.5 ? `${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}` : d.toISOString().slice(0, 19).replace('T', ' ');
    return { text, time };
  });
  return { type: 'timeline', heading: ctx.fill(s.heading as Pool | undefined) || undefined, events, warnFirst: source === 'exception', address: s.address ? ctx.fill('送至 {address}') : undefined };
}

function makeOptions(s: SectionSpec, ctx: PageContext): Block {
  const p = ctx.product();
  const groups = (s.groups as (RowSpec & { axis?: number; name?: Pool; values?: Pool[]; images?: boolean; big?: boolean })[]).filter((g) => ctx.chance(g.p)).map((g) => {
    let name: string;
    let values: string[];
    let selected: number;
    if (typeof g.axis === 'number' && p.axes[g.axis]) {
      [name, values] = p.axes[g.axis];
      selected = p.chosen[g.axis];
    } else if (typeof g.axis === 'number') {
      return null;
    } else {
      name = ctx.fill(g.name);
      values = dedupe(fillAll(g.values, ctx));
      selected = 0;
    }
    const disabled = values.map((_, i) => i).filter((i) => i !== selected && ctx.rng.next() < 0.12);
    return { name, values, selected, disabled, images: Boolean(g.images), big: Boolean(g.big) };
  }).filter((g): g is NonNullable<typeof g> => g !== null);
  return { type: 'options', groups };
}

function productRow(r: RowSpec, ctx: PageContext): ProductRow {
  const p = ctx.product();
  const row: ProductRow = { type: 'product', title: p.title, spec: ctx.entity('spec').replace(/;/g, '；'), price: `¥${ctx.entity('price')}`, qty: p.qty };
  if (r.tag) row.tag = ctx.fill(r.tag as Pool);
  if (r.check) row.check = true;
  if (r.stepper) row.stepper = true;
  if (r.compact) row.compact = true;
  if (r.deal) row.deal = { percent: ctx.int(20, 98), button: ctx.pick(['马上抢', '立即抢购', '去抢购', '抢']) };
  return row;
}

function makeRows(specs: RowSpec[] | undefined, ctx: PageContext): Row[] {
  const rows: Row[] = [];
  let products = 0;
  for (const r of specs ?? []) {
    if (!ctx.chance(r.p)) continue;
    const kind = ROW_KINDS.find((k) => k in r);
    const pair = (v: unknown): [string, string] => {
      const [a, b] = v as [Pool, Pool];
      return [ctx.fill(a), ctx.fill(b)];
    };
    switch (kind) {
      case 'kv': { const [key, value] = pair(r.kv); rows.push({ type: 'kv', key, value }); break; }
      case 'fields': {
        const names = r.fields as string[];
        const min = Math.min(names.length, (r.min as number | undefined) ?? names.length);
        const keep = names.filter(() => ctx.rng.next() < 0.75);
        const chosen = keep.length >= min ? keep : names.slice(0, min);
        for (const name of chosen) rows.push({ type: 'kv', key: name, value: ctx.fill(ctx.k.fields[name]) });
        break;
      }
      case 'text': {
        const text = ctx.fill(r.text as Pool);
        if (text) rows.push({ type: 'text', text, style: ((r.style as TextStyle) ?? 'normal'), icon: r.icon as 'truck' | undefined });
        break;
      }
      // A second product row in the same card is another item of the order (or cart).
      case 'product': rows.push(productRow(r, products++ === 0 ? ctx : ctx.child())); break;
      case 'total': { const [key, value] = pair(r.total); rows.push({ type: 'total', key, value }); break; }
      case 'buttons': rows.push({ type: 'buttons', items: dedupe(fillAll(r.buttons as Pool[], ctx)) }); break;
      case 'chips': rows.push({ type: 'chips', items: dedupe(fillAll(r.chips as Pool[], ctx)) }); break;
      case 'input': { const [key, value] = pair(r.input); rows.push({ type: 'input', key, value }); break; }
      case 'textarea': rows.push({ type: 'textarea', placeholder: ctx.fill(r.textarea as Pool) }); break;
      case 'upload': rows.push({ type: 'upload', text: ctx.fill(r.upload as Pool) }); break;
      case 'radio': {
        const items = dedupe(fillAll(r.radio as Pool[], ctx));
        rows.push({ type: 'radio', items, selected: Math.min(items.length - 1, range(r.selected, ctx, [0, 0])) });
        break;
      }
      case 'steps': {
        const items = fillAll(r.steps as Pool[], ctx);
        rows.push({ type: 'steps', items, active: Math.min(items.length - 1, range(r.active, ctx, [0, items.length - 1])) });
        break;
      }
      case 'avatar': { const [name, sub] = pair(r.avatar); rows.push({ type: 'avatar', name, sub }); break; }
      case 'photos': { const n = range(r.photos, ctx, [0, 3]); if (n > 0) rows.push({ type: 'photos', n }); break; }
      case 'link': { const [key, value] = pair(r.link); rows.push({ type: 'link', key, value }); break; }
      case 'stepper': rows.push({ type: 'stepper', key: ctx.fill(r.stepper as Pool), value: ctx.product().qty }); break;
      case 'bill': {
        const income = ctx.rng.next() < 0.2;
        rows.push({ type: 'bill', merchant: ctx.entity('merchant'), time: ctx.fill('{pick:{md} {hm}|今天 {hm}|昨天 {hm}|{mdhm}}'), amount: `${income ? '+' : '-'}${ctx.entity('money')}`, category: ctx.fill('@billCategories') });
        break;
      }
      case 'avatarRow': rows.push({ type: 'avatarRow', key: ctx.fill(r.avatarRow as Pool) }); break;
      case 'iconsRow': rows.push({ type: 'iconsRow', items: fillAll(r.iconsRow as Pool[], ctx) }); break;
      case 'switch': rows.push({ type: 'switch', key: ctx.fill(r.switch as Pool), on: ctx.rng.next() < 0.6 }); break;
      default: break;
    }
  }
  return rows;
}

// ---------------------------------------------------------------- text view

/** The page's text in reading order (what an ideal OCR would read), one string per line. */
export function pageText(page: ScenePage): string[] {
  const out: string[] = [];
  const push = (...s: (string | undefined)[]) => {
    for (const t of s) if (t && t.trim()) out.push(t.trim());
  };
  if (page.photo) {
    push(...page.photo.texts);
    return out;
  }
  if (page.titleBar) push(page.titleBar.search, ...(page.titleBar.tabs ?? []), page.titleBar.title, page.titleBar.sub, ...page.titleBar.right);
  const rows = (rs: Row[]) => rs.forEach((r) => push(...rowText(r)));
  const blocks = (bs: Block[]) => {
    for (const b of bs) {
      switch (b.type) {
        case 'banner': push(b.title, ...b.lines); break;
        case 'card': push(b.heading, b.headingRight); rows(b.rows); break;
        case 'list': push(b.heading); b.items.forEach(rows); break;
        case 'timeline': push(b.heading); b.events.forEach((e) => push(e.text, e.time)); push(b.address); break;
        case 'tabs': case 'chipsRow': case 'icons': push(...b.items); break;
        case 'search': push(b.placeholder); break;
        case 'hero': push(...b.overlay, b.counter); break;
        case 'grid': push(b.heading); b.items.forEach((i) => push(i.title, i.price, i.sub)); break;
        case 'coupons': b.items.forEach((c) => push(c.amount, c.cond, c.name, c.valid, c.button)); break;
        case 'chat': b.messages.forEach((m) => { push(m.text); if (m.product) push(...rowText(m.product)); if (m.order) push(`订单号：${m.order.orderNo}`, m.order.status); }); break;
        case 'options': b.groups.forEach((g) => push(g.name, ...g.values)); break;
        case 'skuHead': push(b.price, ...b.lines); break;
        case 'amount': push(b.title, b.amount, ...b.lines); break;
        case 'keypad': push(b.title, '1', '2', '3', '4', '5', '6', '7', '8', '9', '0'); break;
        case 'promo': push(b.title, ...b.lines); break;
        case 'profile': case 'shopHeader': push(b.name, ...b.lines); if (b.type === 'shopHeader') push(b.button); break;
        case 'map': push(b.from, b.to); break;
        case 'notice': push(b.text); break;
        case 'table': push(b.title, b.header.join(' '), ...b.rows.map((r) => r.join(' '))); break;
        case 'commentSheet': push(b.title); b.comments.forEach((c) => push(c.name, c.text, c.meta)); break;
      }
    }
  };
  blocks(page.blocks);
  const bb = page.bottomBar;
  if (bb) {
    switch (bb.kind) {
      case 'buttons': case 'iconBar': push(...bb.items); break;
      case 'tabbar': push(...bb.items); break;
      case 'total': push(bb.left, bb.amount, bb.sub, bb.button, ...(bb.tabbar ?? [])); break;
      case 'buy': push(...bb.icons, ...bb.buttons); break;
      case 'input': push(...bb.chips, bb.placeholder); break;
      case 'button': push(bb.text); break;
    }
  }
  const pop = page.popup;
  if (pop) {
    if (pop.kind === 'dialog') push(pop.title, ...pop.lines, ...pop.buttons);
    else if (pop.kind === 'toast') push(pop.text);
    else { push(pop.title); blocks(pop.blocks); push(...pop.buttons); }
  }
  return out;
}

function rowText(r: Row): string[] {
  switch (r.type) {
    case 'kv': case 'total': case 'input': case 'link': return [r.key, r.value];
    case 'text': return [r.text];
    case 'product': return [r.title, r.spec, r.price, `x${r.qty}`, r.tag ?? '', r.deal ? `${r.deal.percent}% ${r.deal.button}` : ''];
    case 'buttons': case 'chips': case 'radio': case 'steps': case 'iconsRow': return r.items;
    case 'textarea': return [r.placeholder];
    case 'upload': return [r.text];
    case 'avatar': return [r.name, r.sub];
    case 'photos': return [];
    case 'stepper': return [r.key, String(r.value)];
    case 'bill': return [r.merchant, r.amount, r.time, r.category];
    case 'avatarRow': case 'switch': return [r.key];
  }
}
