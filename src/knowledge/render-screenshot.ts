// Draws a synthetic scene page (scene-pages.ts) as a phone screenshot with @napi-rs/canvas and the
// CJK fonts of @embedpdf/fonts-sc: status bar, title bar with back arrow, cards, list rows with
// drawn thumbnails, timelines, chips, buttons, tab bars, bottom bars, and pop-ups over a dimmed
// page, in the palette of the app the page belongs to. Photo-like pages go to render-photo.ts and
// get camera noise. Layout is in points on a 390-point-wide screen scaled to the device's pixels.
// Deterministic: the same page always gives the same bytes.
import { createCanvas } from '@napi-rs/canvas';
import { createRng, type Rng } from '../learn/random.js';
import {
  chevron,
  circle,
  ensureFonts,
  hashUnit,
  hsl,
  icon,
  line,
  linear,
  measure,
  paragraph,
  roundRect,
  text,
  thumbnail,
  wrapLines,
  type G,
  type Weight,
} from './draw-kit.js';
import { drawPhoto, isCameraScene } from './render-photo.js';
import { loadSceneKnowledge, type AppStyle, type SceneKnowledge } from './scene-knowledge.js';
import type { Block, BottomBar, ChatMessage, Popup, ProductRow, Row, ScenePage, TextStyle, TitleBar } from './scene-pages.js';

export interface RenderOptions {
  /** Output format; default: photos JPEG, screenshots PNG or JPEG drawn from the page's seed. */
  format?: 'png' | 'jpeg';
  knowledge?: SceneKnowledge;
}

export interface RenderedImage {
  bytes: Buffer;
  format: 'png' | 'jpeg';
  width: number;
  height: number;
}

const LOGICAL_WIDTH = 390;

interface Theme extends AppStyle {
  text: string;
  muted: string;
  line: string;
  card: string;
  page: string;
}

/** Everything a block drawer needs. */
interface Pen {
  g: G;
  W: number;
  H: number;
  theme: Theme;
  rng: Rng;
  fs: number;
  page: ScenePage;
}

export async function renderScenePage(page: ScenePage, options: RenderOptions = {}): Promise<RenderedImage> {
  ensureFonts();
  const k = options.knowledge ?? loadSceneKnowledge();
  const rng = createRng(hashText(page.id) ^ 0x5bd1e995);
  const { width, height } = page.device;
  const canvas = createCanvas(width, height);
  const g = canvas.getContext('2d');
  let format: 'png' | 'jpeg';
  if (page.kind === 'photo' && page.photo) {
    drawPhoto(g, { scene: page.photo.scene, texts: page.photo.texts, width, height }, rng);
    if (isCameraScene(page.photo.scene)) cameraNoise(g, width, height, rng);
    format = options.format ?? (page.photo.scene === 'sticker' || page.photo.scene === 'qr' ? (rng.next() < 0.5 ? 'png' : 'jpeg') : 'jpeg');
  } else {
    const scale = width / LOGICAL_WIDTH;
    g.scale(scale, scale);
    const pen: Pen = { g, W: LOGICAL_WIDTH, H: height / scale, theme: themeOf(k, page), rng, fs: page.fontScale, page };
    drawScreen(pen);
    format = options.format ?? (rng.next() < 0.55 ? 'png' : 'jpeg');
  }
  const quality = 70 + rng.int(25);
  let out = canvas;
  if (page.crop) {
    // The user kept only part of the screen.
    const top = Math.round(page.crop.top * height);
    const h = Math.max(1, Math.min(height - top, Math.round(page.crop.height * height)));
    out = createCanvas(width, h);
    out.getContext('2d').drawImage(canvas, 0, -top);
  }
  const bytes = format === 'png' ? await out.encode('png') : await out.encode('jpeg', quality);
  return { bytes, format, width: out.width, height: out.height };
}

function hashText(s: string): number {
  let h = 0x811c9dc5;
  for (const ch of s) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function themeOf(k: SceneKnowledge, page: ScenePage): Theme {
  const app = k.apps[page.app] ?? k.apps.none;
  // Dark apps keep their own background; a light app in the system's dark mode goes near-black.
  if (page.dark) return { ...app, text: '#f2f2f2', muted: '#9a9aa0', line: '#2c2c33', card: '#1f2029', page: app.dark ? app.background : '#101012' };
  return { ...app, text: '#1f1f1f', muted: '#8c8c8c', line: '#ececec', card: '#ffffff', page: app.background };
}

/** Sensor noise and a touch of softness: what separates a camera photo from a drawing. */
function cameraNoise(g: G, w: number, h: number, rng: Rng): void {
  const img = g.getImageData(0, 0, w, h);
  const d = img.data;
  const sigma = 4 + rng.next() * 9;
  for (let i = 0; i < d.length; i += 4) {
    const n = rng.normal() * sigma;
    d[i] = clamp(d[i] + n + rng.normal() * 2);
    d[i + 1] = clamp(d[i + 1] + n + rng.normal() * 2);
    d[i + 2] = clamp(d[i + 2] + n + rng.normal() * 2);
  }
  g.putImageData(img, 0, 0);
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

// ---------------------------------------------------------------- the screen

function drawScreen(p: Pen): void {
  const { g, W, H, theme, page } = p;
  const pageBg = page.blocks.some((b) => b.type === 'chat') && !page.dark ? (page.app === 'wechat' ? '#ededed' : page.app === 'sms' ? '#ffffff' : '#f4f4f4') : theme.page;
  g.fillStyle = pageBg;
  g.fillRect(0, 0, W, H);
  const sbH = page.statusBar ? (page.statusBar.platform === 'ios' ? 47 : 30) : 0;
  const tb = page.titleBar;
  const headerBrand = tb?.style === 'brand';
  // A brand header paints the status bar too (old Taobao's orange gradient).
  if (headerBrand) {
    g.fillStyle = linear(g, 0, 0, W, 0, [theme.primary, theme.gradientTo]);
    g.fillRect(0, 0, W, sbH + 44 + (page.blocks[0]?.type === 'banner' && page.blocks[0].tone === 'brand' ? 90 : 0));
  }
  const overlayTitle = !tb || tb.style === 'transparent';
  let y = overlayTitle ? (tb ? 0 : sbH) : sbH + 44;
  if (!overlayTitle && tb) drawTitleBar(p, tb, sbH);
  const bottomH = bottomBarHeight(p, page.bottomBar);
  for (const b of page.blocks) {
    if (y > H) break;
    y = drawBlock(p, b, y, 0, W);
  }
  if (page.bottomBar) drawBottomBar(p, page.bottomBar, H - bottomH, bottomH);
  if (tb && overlayTitle) drawTitleBar(p, tb, sbH);
  if (page.statusBar) drawStatusBar(p, sbH, statusInk(p, tb));
  if (page.popup) drawPopup(p, page.popup);
  // iOS home indicator / Android gesture bar
  const ios = page.statusBar?.platform === 'ios';
  if (ios || p.rng.next() < 0.5) roundRect(g, W / 2 - 67, H - 8, 134, 5, 2.5, page.popup?.kind === 'dialog' || theme.dark ? 'rgba(255,255,255,0.7)' : 'rgba(0,0,0,0.8)');
}

function statusInk(p: Pen, tb: TitleBar | null): string {
  if (p.page.dark) return '#ffffff';
  if (tb?.style === 'brand') return '#ffffff';
  if (tb?.style === 'transparent' && p.page.blocks[0]?.type !== 'tabs') return p.rng.next() < 0.5 ? '#ffffff' : '#111111';
  return '#111111';
}

function drawStatusBar(p: Pen, h: number, ink: string): void {
  const { g, W, page } = p;
  const sb = page.statusBar!;
  const ios = sb.platform === 'ios';
  const y = ios ? 31 : 21;
  text(g, sb.time, ios ? 52 : 14, y, ios ? 16 : 13, ink, ios ? 'bold' : 'medium', ios ? 'center' : 'left');
  // signal bars, network, battery
  let x = W - (ios ? 26 : 14);
  roundRect(g, x - 24, y - 11, 23, 11.5, 3, undefined, ink, 1);
  roundRect(g, x - 22.5, y - 9.5, Math.max(2, 20 * (sb.battery / 100)), 8.5, 1.5, sb.battery < 20 ? '#ff3b30' : ink);
  x -= 30;
  if (!ios) {
    text(g, `${sb.battery}%`, x, y, 11, ink, 'regular', 'right');
    x -= measure(g, `${sb.battery}%`, 11) + 6;
  }
  text(g, sb.network, x, y, 11, ink, 'medium', 'right');
  x -= measure(g, sb.network, 11, 'medium') + 6;
  for (let i = 0; i < 4; i++) g.fillRect(x - 16 + i * 4.2, y - 3 - i * 2.6, 3, 3 + i * 2.6);
  void h;
}

function drawTitleBar(p: Pen, tb: TitleBar, sbH: number): void {
  const { g, W, theme } = p;
  const y0 = sbH;
  const mid = y0 + 22;
  let ink = theme.text;
  if (tb.style === 'white') fillRect(g, 0, 0, W, y0 + 44, p.page.dark ? theme.card : '#ffffff');
  else if (tb.style === 'grey') fillRect(g, 0, 0, W, y0 + 44, '#ededed');
  else if (tb.style === 'dark') {
    fillRect(g, 0, 0, W, y0 + 44, '#161823');
    ink = '#ffffff';
  } else if (tb.style === 'brand') ink = '#ffffff';
  else if (tb.style === 'search' || tb.style === 'tabs') fillRect(g, 0, 0, W, y0 + 44, p.page.dark ? theme.card : '#ffffff');
  const overlay = tb.style === 'transparent';
  const iconBg = (cx: number) => overlay && circle(g, cx, mid, 15, 'rgba(0,0,0,0.32)');
  const fg = overlay ? '#ffffff' : ink;
  if (tb.back) {
    iconBg(24);
    chevron(g, 24, mid, 8, fg, 'left', 2.2);
  }
  // right items: icons for the usual ones, words otherwise
  let x = W - 20;
  for (const r of [...tb.right].reverse()) {
    const glyph = r === '…' ? 'dots' : r === '分享' ? 'share' : r === '购物车' ? 'cart' : r === '搜索' ? 'search' : r === '客服' && overlay ? 'chat' : null;
    if (glyph) {
      iconBg(x - 4);
      icon(g, glyph, x - 4, mid, 18, fg);
      x -= 38;
    } else {
      const w = text(g, r, x, mid + 5, 14, fg, 'regular', 'right');
      x -= w + 16;
    }
  }
  if (tb.style === 'search') {
    const sx = tb.back ? 46 : 14;
    roundRect(g, sx, mid - 16, x - sx - 4, 32, 16, p.page.dark ? '#2a2b33' : '#f2f2f2');
    icon(g, 'search', sx + 18, mid, 14, theme.muted);
    text(g, tb.search ?? '', sx + 32, mid + 5, 13.5, theme.muted, 'regular', 'left', x - sx - 50);
  } else if (tb.style === 'tabs' && tb.tabs?.length) {
    const n = tb.tabs.length;
    const span = Math.min(W - 140, n * 58);
    const x0 = W / 2 - span / 2;
    tb.tabs.forEach((t, i) => {
      const cx = x0 + span * ((i + 0.5) / n);
      text(g, t, cx, mid + 5, i === 0 ? 16 : 15, i === 0 ? theme.text : theme.muted, i === 0 ? 'bold' : 'regular', 'center');
      if (i === 0) roundRect(g, cx - 10, mid + 12, 20, 3, 1.5, theme.primary);
    });
  } else if (tb.title) {
    const hasSub = Boolean(tb.sub);
    text(g, tb.title, W / 2, mid + (hasSub ? 0 : 6) , 17 * p.fs, overlay ? '#ffffff' : ink, 'medium', 'center', W - 160);
    if (hasSub) text(g, tb.sub!, W / 2, mid + 15, 11, overlay ? '#eeeeee' : theme.muted, 'regular', 'center', W - 160);
  }
  if (tb.style === 'white' || tb.style === 'search' || tb.style === 'tabs') line(g, 0, y0 + 44, W, y0 + 44, theme.line, 0.6);
}

function fillRect(g: G, x: number, y: number, w: number, h: number, c: string): void {
  g.fillStyle = c;
  g.fillRect(x, y, w, h);
}

// ---------------------------------------------------------------- blocks

const MARGIN = 10;
const PAD = 12;

function drawBlock(p: Pen, b: Block, y: number, x0: number, width: number): number {
  const { g, theme } = p;
  const fs = p.fs;
  switch (b.type) {
    case 'banner': {
      if (b.tone === 'brand') {
        const h = 90;
        if (p.page.titleBar?.style !== 'brand') fillRect(g, x0, y, width, h, theme.primary);
        text(g, b.title, x0 + 20, y + 38, 21 * fs, '#ffffff', 'bold', 'left', width - 40);
        b.lines.forEach((l, i) => text(g, l, x0 + 20, y + 62 + i * 18, 13 * fs, 'rgba(255,255,255,0.9)', 'regular', 'left', width - 40));
        return y + h + 4;
      }
      if (b.tone === 'warning') {
        const h = 34 + b.lines.length * 20 + 14;
        roundRect(g, x0 + MARGIN, y + 8, width - 2 * MARGIN, h, 10, '#fff1ee');
        circle(g, x0 + MARGIN + 22, y + 34, 9, '#ff4d2d');
        text(g, '!', x0 + MARGIN + 22, y + 39, 13, '#fff', 'bold', 'center');
        text(g, b.title, x0 + MARGIN + 38, y + 40, 18 * fs, '#e8340c', 'bold', 'left', width - 70);
        let yy = y + 48;
        for (const l of b.lines) yy += paragraph(g, l, x0 + MARGIN + 16, yy, 13 * fs, '#a8471f', width - 2 * MARGIN - 32, 2);
        return y + h + 16;
      }
      let yy = y + 14;
      text(g, b.title, x0 + 20, yy + 22, 20 * fs, theme.text, 'bold', 'left', width - 40);
      yy += 32;
      for (const l of b.lines) yy += paragraph(g, l, x0 + 20, yy, 13 * fs, theme.muted, width - 40, 2);
      return yy + 10;
    }
    case 'card': {
      const inner = width - 2 * MARGIN - 2 * PAD;
      const headH = b.heading ? 34 : 0;
      const h = headH + rowsHeight(p, b.rows, inner) + PAD * 1.3;
      roundRect(g, x0 + MARGIN, y + 5, width - 2 * MARGIN, h, 10, theme.card);
      let yy = y + 5 + PAD * 0.6;
      if (b.heading) {
        text(g, b.heading, x0 + MARGIN + PAD, yy + 20, 15 * fs, theme.text, 'bold', 'left', inner * 0.7);
        if (b.headingRight) text(g, b.headingRight, x0 + width - MARGIN - PAD, yy + 20, 12.5 * fs, theme.muted, 'regular', 'right');
        yy += headH;
      }
      drawRows(p, b.rows, x0 + MARGIN + PAD, yy, inner);
      return y + 5 + h + 5;
    }
    case 'list': {
      let yy = y;
      if (b.heading) {
        text(g, b.heading, x0 + 16, yy + 24, 15 * fs, theme.text, 'bold');
        yy += 32;
      }
      for (const item of b.items) {
        if (yy > p.H) break;
        if (b.plain) {
          const inner = width - 2 * 16;
          const h = rowsHeight(p, item, inner) + 22;
          fillRect(g, x0, yy, width, h, theme.card);
          drawRows(p, item, x0 + 16, yy + 10, inner);
          line(g, x0 + 16, yy + h, x0 + width, yy + h, theme.line, 0.7);
          yy += h;
        } else {
          yy = drawBlock(p, { type: 'card', rows: item }, yy, x0, width);
        }
      }
      return yy + 4;
    }
    case 'timeline': {
      const inner = width - 2 * MARGIN - 2 * PAD - 30;
      const heights = b.events.map((e, i) => wrapLines(g, e.text, (i === 0 ? 14.5 : 13.5) * fs, inner, 3, i === 0 ? 'medium' : 'regular').length * 20 * fs + 26);
      const headH = b.heading ? 34 : 0;
      const addrH = b.address ? 44 : 0;
      const h = headH + addrH + heights.reduce((s, v) => s + v, 0) + PAD * 2;
      roundRect(g, x0 + MARGIN, y + 5, width - 2 * MARGIN, h, 10, theme.card);
      let yy = y + 5 + PAD;
      if (b.heading) {
        text(g, b.heading, x0 + MARGIN + PAD, yy + 16, 15 * fs, theme.text, 'bold');
        yy += headH;
      }
      if (b.address) {
        icon(g, 'pin', x0 + MARGIN + PAD + 8, yy + 12, 14, theme.muted);
        text(g, b.address, x0 + MARGIN + PAD + 30, yy + 17, 13 * fs, theme.muted, 'regular', 'left', inner);
        yy += addrH;
      }
      const lx = x0 + MARGIN + PAD + 8;
      b.events.forEach((e, i) => {
        const first = i === 0;
        const colour = first ? (b.warnFirst ? '#f5222d' : theme.accent) : theme.muted;
        if (i < b.events.length - 1) line(g, lx, yy + 10, lx, yy + heights[i] + 6, theme.line, 1.4);
        circle(g, lx, yy + 8, first ? 6 : 4, first ? colour : '#cfcfcf');
        const used = paragraph(g, e.text, lx + 22, yy - 4, (first ? 14.5 : 13.5) * fs, first ? (b.warnFirst ? '#f5222d' : theme.text) : '#666666', inner, 3, first ? 'medium' : 'regular', 1.4);
        text(g, e.time, lx + 22, yy + used + 10, 11.5 * fs, '#aaaaaa');
        yy += heights[i];
      });
      return y + 5 + h + 5;
    }
    case 'tabs': {
      const h = 44;
      fillRect(g, x0, y, width, h, theme.card);
      const n = b.items.length;
      const slot = Math.max(width / n, 0);
      b.items.forEach((t, i) => {
        const cx = x0 + slot * (i + 0.5);
        const active = i === b.active;
        text(g, t, cx, y + 27, (active ? 15 : 14) * fs, active ? theme.text : '#666666', active ? 'bold' : 'regular', 'center', slot - 6);
        if (active) roundRect(g, cx - 12, y + 36, 24, 3, 1.5, theme.primary);
      });
      line(g, x0, y + h, x0 + width, y + h, theme.line, 0.6);
      return y + h;
    }
    case 'chipsRow': {
      let x = x0 + 12;
      let yy = y + 8;
      b.items.forEach((t, i) => {
        const w = measure(g, t, 12.5 * fs) + 20;
        if (x + w > x0 + width - 10) {
          x = x0 + 12;
          yy += 36;
        }
        roundRect(g, x, yy, w, 28, 14, i === 0 ? hexAlpha(theme.primary, 0.12) : p.page.dark ? '#2a2b33' : '#f5f5f5', i === 0 ? theme.primary : undefined, 0.8);
        text(g, t, x + w / 2, yy + 19, 12.5 * fs, i === 0 ? theme.primary : theme.text, 'regular', 'center');
        x += w + 8;
      });
      return yy + 40;
    }
    case 'search': {
      roundRect(g, x0 + 12, y + 8, width - 24, 34, 17, p.page.dark ? '#2a2b33' : '#ffffff', theme.primary, 1);
      icon(g, 'search', x0 + 32, y + 25, 14, theme.muted);
      text(g, b.placeholder, x0 + 48, y + 30, 13.5 * fs, '#aaaaaa', 'regular', 'left', width - 90);
      return y + 50;
    }
    case 'hero': {
      const h = p.H * b.height;
      g.save();
      g.beginPath();
      g.rect(x0, y, width, h);
      g.clip();
      if (b.photo) {
        // A designed main image (render-photo.ts) in the picture area; on a backdrop (the image
        // viewer's black, a white margin) it is a centred square, otherwise it fills the area.
        if (b.backdrop) fillRect(g, x0, y, width, h, b.backdrop);
        const side = b.backdrop ? Math.min(width, h) : 0;
        const [px, py, pw, ph] = b.backdrop ? [x0 + (width - side) / 2, y + (h - side) / 2, side, side] : [x0, y, width, h];
        g.save();
        g.translate(px, py);
        g.beginPath();
        g.rect(0, 0, pw, ph);
        g.clip();
        drawPhoto(g, { scene: b.photo, texts: b.overlay, width: pw, height: ph }, p.rng);
        g.restore();
        if (b.counter) {
          roundRect(g, x0 + width - 56, y + h - 34, 42, 22, 11, 'rgba(0,0,0,0.35)');
          text(g, b.counter, x0 + width - 35, y + h - 18, 12, '#fff', 'regular', 'center');
        }
        g.restore();
        return y + h;
      }
      const seed = hashUnit(p.page.id);
      fillRect(g, x0, y, width, h, b.dark ? '#222222' : hsl(seed * 360, 20, 92));
      g.fillStyle = linear(g, x0, y, x0 + width, y + h, [hsl(seed * 360 + 20, 30, b.dark ? 25 : 95), hsl(seed * 360 + 60, 25, b.dark ? 15 : 80)]);
      g.fillRect(x0, y, width, h);
      thumbnailScene(p, x0, y, width, h);
      b.overlay.forEach((t, i) => {
        const size = i === 0 ? 26 : 15;
        const yy = y + h * 0.22 + i * 34;
        if (i === 0) text(g, t, x0 + 18, yy, size, '#ff2d2d', 'bold', 'left', width - 36);
        else {
          const w = measure(g, t, size, 'medium') + 18;
          roundRect(g, x0 + 16, yy - 20, w, 28, 14, 'rgba(255,255,255,0.85)');
          text(g, t, x0 + 25, yy - 1, size, '#333', 'medium');
        }
      });
      if (b.counter) {
        roundRect(g, x0 + width - 56, y + h - 34, 42, 22, 11, 'rgba(0,0,0,0.35)');
        text(g, b.counter, x0 + width - 35, y + h - 18, 12, '#fff', 'regular', 'center');
      }
      g.restore();
      return y + h;
    }
    case 'grid': {
      let yy = y;
      if (b.heading) {
        text(g, b.heading, x0 + width / 2, yy + 26, 15 * fs, theme.text, 'bold', 'center');
        yy += 38;
      }
      const gap = 8;
      const cw = (width - 2 * MARGIN - gap) / 2;
      const ch = cw + 96;
      b.items.forEach((it, i) => {
        const col = i % 2;
        const row = Math.floor(i / 2);
        const x = x0 + MARGIN + col * (cw + gap);
        const cy = yy + 6 + row * (ch + gap);
        if (cy > p.H) return;
        roundRect(g, x, cy, cw, ch, 10, theme.card);
        g.save();
        g.beginPath();
        g.roundRect(x, cy, cw, ch, 10);
        g.clip();
        thumbnail(g, x, cy, cw, cw, it.title, p.rng, 0);
        g.restore();
        paragraph(g, it.title, x + 8, cy + cw + 2, 13 * fs, theme.text, cw - 16, 2);
        text(g, it.price, x + 8, cy + cw + 64, 16 * fs, theme.price, 'bold', 'left', cw - 16);
        if (b.deal) {
          roundRect(g, x + cw - 62, cy + cw + 70, 54, 22, 11, theme.primary);
          text(g, '抢', x + cw - 35, cy + cw + 86, 12, '#fff', 'bold', 'center');
          text(g, it.sub, x + 8, cy + cw + 86, 11 * fs, theme.muted, 'regular', 'left', cw - 80);
        } else text(g, it.sub, x + 8, cy + cw + 86, 11 * fs, theme.muted, 'regular', 'left', cw - 16);
      });
      return yy + 6 + Math.ceil(b.items.length / 2) * (ch + gap);
    }
    case 'coupons': return drawCoupons(p, b, y, x0, width);
    case 'chat': return drawChat(p, b, y, x0, width);
    case 'options': {
      let yy = y + 6;
      const inner = width - 2 * 16;
      for (const grp of b.groups) {
        text(g, grp.name, x0 + 16, yy + 20, 14.5 * fs, theme.text, 'bold');
        yy += 32;
        if (grp.big) {
          const cols = 3;
          const tw = (inner - 2 * 8) / cols;
          grp.values.forEach((v, i) => {
            const x = x0 + 16 + (i % cols) * (tw + 8);
            const ty = yy + Math.floor(i / cols) * (tw + 34);
            thumbnail(g, x, ty, tw, tw, `${p.page.id}${v}`, p.rng, 8);
            if (i === grp.selected) roundRect(g, x, ty, tw, tw, 8, undefined, theme.primary, 2);
            text(g, v, x + tw / 2, ty + tw + 20, 12.5 * fs, i === grp.selected ? theme.primary : theme.text, 'regular', 'center', tw);
          });
          yy += Math.ceil(grp.values.length / cols) * (tw + 34) + 6;
          continue;
        }
        let x = x0 + 16;
        for (let i = 0; i < grp.values.length; i++) {
          const v = grp.values[i];
          const img = grp.images ? 26 : 0;
          const w = measure(g, v, 13 * fs) + 24 + img;
          if (x + w > x0 + width - 16) {
            x = x0 + 16;
            yy += 42;
          }
          const sel = i === grp.selected;
          const off = grp.disabled.includes(i);
          roundRect(g, x, yy, w, 34, 6, sel ? hexAlpha(theme.primary, 0.1) : p.page.dark ? '#2a2b33' : '#f5f5f5', sel ? theme.primary : undefined, 1.2);
          if (img) thumbnail(g, x + 4, yy + 4, 26, 26, `${p.page.id}${v}`, p.rng, 4);
          text(g, v, x + 12 + img, yy + 22, 13 * fs, off ? '#c4c4c4' : sel ? theme.primary : theme.text);
          if (off) line(g, x + 8 + img, yy + 17, x + w - 8, yy + 17, '#c4c4c4', 1);
          x += w + 10;
        }
        yy += 50;
      }
      return yy;
    }
    case 'skuHead': {
      const th = 96;
      thumbnail(g, x0 + 16, y - 30, th, th, p.page.id, p.rng, 8);
      text(g, b.price, x0 + 16 + th + 14, y + 14, 22 * fs, theme.price, 'bold', 'left', width - th - 60);
      b.lines.forEach((l, i) => text(g, l, x0 + 16 + th + 14, y + 38 + i * 19, 12.5 * fs, theme.muted, 'regular', 'left', width - th - 60));
      return y + th - 10;
    }
    case 'amount': {
      let yy = y + 24;
      if (b.check) {
        circle(g, x0 + width / 2, yy + 26, 26, p.page.app === 'wechat' ? '#07c160' : theme.primary);
        icon(g, 'check', x0 + width / 2, yy + 26, 28, '#ffffff', 3);
        yy += 66;
      }
      if (b.title) {
        text(g, b.title, x0 + width / 2, yy + 20, 18 * fs, theme.text, 'medium', 'center', width - 40);
        yy += 34;
      }
      text(g, b.amount, x0 + width / 2, yy + 36, 36 * fs, theme.text, 'bold', 'center', width - 40);
      yy += 52;
      for (const l of b.lines) {
        text(g, l, x0 + width / 2, yy + 14, 13 * fs, theme.muted, 'regular', 'center', width - 40);
        yy += 22;
      }
      return yy + 14;
    }
    case 'keypad': {
      const box = 42;
      const bx = x0 + (width - box * 6) / 2;
      roundRect(g, bx, y + 10, box * 6, box, 4, undefined, '#cccccc', 1);
      const filled = p.rng.int(6);
      for (let i = 0; i < 6; i++) {
        if (i) line(g, bx + i * box, y + 10, bx + i * box, y + 10 + box, '#dddddd', 1);
        if (i < filled) circle(g, bx + i * box + box / 2, y + 10 + box / 2, 5, '#111');
      }
      text(g, b.title, x0 + width - 24, y + box + 36, 13, '#3d7eff', 'regular', 'right');
      const top = y + box + 56;
      const kh = 52;
      const kw = width / 3;
      fillRect(g, x0, top, width, kh * 4 + 8, '#d1d4d9');
      const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '', '0', '⌫'];
      keys.forEach((k, i) => {
        const kx = x0 + (i % 3) * kw;
        const ky = top + 4 + Math.floor(i / 3) * kh;
        if (k) roundRect(g, kx + 4, ky + 3, kw - 8, kh - 6, 6, k === '⌫' ? '#bcc0c6' : '#ffffff');
        text(g, k, kx + kw / 2, ky + 34, 22, '#111', 'regular', 'center');
      });
      return top + kh * 4 + 8;
    }
    case 'promo': {
      const h = p.H * b.height;
      const palettes: Record<string, string[]> = {
        festival: ['#ff1f1f', '#ff6a00', '#ffb300'],
        game: ['#ffd23f', '#ff9f1c', '#3bceac'],
        brand: [theme.primary, theme.gradientTo],
        neutral: ['#f3efe8', '#e2d8c8'],
      };
      const pal = palettes[b.palette] ?? palettes.festival;
      g.fillStyle = linear(g, x0, y, x0 + width, y + h, pal);
      g.fillRect(x0, y, width, h);
      const ink = b.palette === 'neutral' ? '#4a3b2a' : '#fff7d6';
      for (let i = 0; i < 10; i++) circle(g, x0 + p.rng.next() * width, y + p.rng.next() * h, 4 + p.rng.next() * 30, 'rgba(255,255,255,0.12)');
      const used = paragraph(g, b.title, x0 + width / 2, y + h * 0.18, 28 * fs, ink, width - 40, 2, 'bold', 1.25, 'center');
      let yy = y + h * 0.18 + used + 8;
      for (const l of b.lines) {
        const w = Math.min(width - 60, measure(g, l, 14 * fs, 'medium') + 28);
        roundRect(g, x0 + (width - w) / 2, yy, w, 28, 14, b.palette === 'neutral' ? 'rgba(255,255,255,0.7)' : 'rgba(255,255,255,0.92)');
        text(g, l, x0 + width / 2, yy + 19, 14 * fs, b.palette === 'neutral' ? '#4a3b2a' : pal[0], 'medium', 'center', w - 16);
        yy += 36;
      }
      return y + Math.max(h, yy - y + 8);
    }
    case 'icons': {
      const n = b.items.length;
      const cols = Math.min(5, n);
      const cw = (width - 2 * MARGIN) / cols;
      const rows = Math.ceil(n / cols);
      roundRect(g, x0 + MARGIN, y + 5, width - 2 * MARGIN, rows * 74 + 10, 10, theme.card);
      b.items.forEach((t, i) => {
        const cx = x0 + MARGIN + cw * ((i % cols) + 0.5);
        const cy = y + 36 + Math.floor(i / cols) * 74;
        const hue = hashUnit(t) * 360;
        roundRect(g, cx - 17, cy - 20, 34, 34, 10, hsl(hue, 70, 60));
        text(g, [...t][0] ?? '', cx, cy + 3, 16, '#ffffff', 'bold', 'center');
        text(g, t, cx, cy + 34, 12 * fs, theme.text, 'regular', 'center', cw - 4);
      });
      return y + rows * 74 + 20;
    }
    case 'profile': {
      const h = 120;
      g.fillStyle = linear(g, x0, y, x0, y + h, [hexAlpha(theme.primary, 0.25), theme.page]);
      g.fillRect(x0, y, width, h);
      circle(g, x0 + 52, y + 58, 32, hsl(hashUnit(b.name) * 360, 40, 70), '#ffffff', 3);
      icon(g, 'user', x0 + 52, y + 58, 30, '#ffffff', 2);
      text(g, b.name, x0 + 98, y + 52, 20 * fs, theme.text, 'bold', 'left', width - 120);
      b.lines.forEach((l, i) => text(g, l, x0 + 98, y + 76 + i * 18, 12.5 * fs, theme.muted, 'regular', 'left', width - 120));
      return y + h;
    }
    case 'shopHeader': {
      const h = 112;
      g.fillStyle = linear(g, x0, y, x0 + width, y + h, ['#3a3a46', hexAlpha(theme.primary, 0.9)]);
      g.fillRect(x0, y, width, h);
      roundRect(g, x0 + 16, y + 22, 54, 54, 8, '#ffffff');
      text(g, [...b.name][0] ?? '', x0 + 43, y + 58, 24, theme.primary, 'bold', 'center');
      text(g, b.name, x0 + 82, y + 44, 17 * fs, '#ffffff', 'bold', 'left', width - 180);
      text(g, b.lines.join('  '), x0 + 82, y + 68, 12 * fs, 'rgba(255,255,255,0.85)', 'regular', 'left', width - 180);
      roundRect(g, x0 + width - 84, y + 32, 68, 30, 15, b.button.includes('已') ? 'rgba(255,255,255,0.25)' : theme.primary);
      text(g, b.button, x0 + width - 50, y + 52, 13, '#ffffff', 'medium', 'center');
      return y + h;
    }
    case 'map': {
      const h = p.H * 0.34;
      fillRect(g, x0, y, width, h, '#eef0e8');
      for (let i = 0; i < 14; i++) {
        const horizontal = p.rng.next() < 0.5;
        const c = p.rng.next() < 0.3 ? '#ffffff' : '#f9d97a';
        const w = 2 + p.rng.next() * 6;
        if (horizontal) { const yy = y + p.rng.next() * h; line(g, x0, yy, x0 + width, yy + (p.rng.next() - 0.5) * 60, c, w); }
        else { const xx = x0 + p.rng.next() * width; line(g, xx, y, xx + (p.rng.next() - 0.5) * 60, y + h, c, w); }
      }
      g.fillStyle = '#b9d8f2';
      g.beginPath();
      g.ellipse(x0 + p.rng.next() * width, y + p.rng.next() * h, 60, 25, p.rng.next(), 0, Math.PI * 2);
      g.fill();
      const ax = x0 + 60, ay = y + h * 0.75, bx = x0 + width - 60, by = y + h * 0.3;
      g.beginPath();
      g.moveTo(ax, ay);
      g.quadraticCurveTo(x0 + width / 2, y + h * 0.9, bx, by);
      g.strokeStyle = theme.primary;
      g.lineWidth = 4;
      g.setLineDash([8, 5]);
      g.stroke();
      g.setLineDash([]);
      for (const [x, yy, t] of [[ax, ay, b.from], [bx, by, b.to]] as const) {
        circle(g, x, yy, 8, theme.primary, '#fff', 2);
        roundRect(g, x - 30, yy - 36, 60, 22, 11, '#ffffff');
        text(g, t, x, yy - 20, 12, theme.text, 'medium', 'center', 56);
      }
      const tx = x0 + width * 0.55, ty = y + h * 0.7;
      circle(g, tx, ty, 16, '#ffffff', theme.primary, 2);
      icon(g, 'truck', tx, ty, 18, theme.primary);
      return y + h;
    }
    case 'notice': {
      const lines = wrapLines(g, b.text, 12.5 * fs, width - 64, 2);
      const h = 16 + lines.length * 18;
      fillRect(g, x0, y, width, h, '#fff7e6');
      icon(g, 'bell', x0 + 20, y + h / 2, 14, '#fa8c16');
      lines.forEach((l, i) => text(g, l, x0 + 36, y + 21 + i * 18, 12.5 * fs, '#d46b08'));
      return y + h;
    }
    case 'table': {
      let yy = y + 10;
      if (b.title) {
        text(g, b.title, x0 + width / 2, yy + 22, 18 * fs, theme.text, 'bold', 'center');
        yy += 38;
      }
      const cols = b.header.length;
      const cw = (width - 32) / cols;
      const rh = 32;
      fillRect(g, x0 + 16, yy, width - 32, rh, '#f0ebe3');
      b.header.forEach((h, i) => text(g, h, x0 + 16 + cw * (i + 0.5), yy + 21, 13 * fs, '#333', 'medium', 'center', cw - 4));
      b.rows.forEach((r, ri) => r.forEach((c, i) => text(g, c, x0 + 16 + cw * (i + 0.5), yy + rh * (ri + 1) + 21, 13 * fs, '#444', 'regular', 'center', cw - 4)));
      const total = rh * (b.rows.length + 1);
      for (let i = 0; i <= b.rows.length + 1; i++) line(g, x0 + 16, yy + i * rh, x0 + width - 16, yy + i * rh, '#d9d2c5', 0.8);
      for (let i = 0; i <= cols; i++) line(g, x0 + 16 + i * cw, yy, x0 + 16 + i * cw, yy + total, '#d9d2c5', 0.8);
      return yy + total + 14;
    }
    case 'commentSheet': {
      roundRect(g, x0, y, width, p.H - y + 20, [14, 14, 0, 0], '#ffffff');
      text(g, b.title, x0 + width / 2, y + 30, 14, '#222', 'medium', 'center');
      icon(g, 'close', x0 + width - 26, y + 25, 14, '#888');
      let yy = y + 52;
      for (const c of b.comments) {
        circle(g, x0 + 34, yy + 16, 16, hsl(hashUnit(c.name) * 360, 45, 70));
        text(g, c.name, x0 + 60, yy + 12, 12.5 * fs, '#8a8a8a', 'regular', 'left', width - 100);
        const used = paragraph(g, c.text, x0 + 60, yy + 16, 14.5 * fs, '#161823', width - 100, 3);
        text(g, c.meta, x0 + 60, yy + 30 + used, 11.5 * fs, '#a0a0a0', 'regular', 'left', width - 100);
        yy += used + 52;
      }
      return yy;
    }
  }
}

/** The product picture area of a hero block: a big drawn product. */
function thumbnailScene(p: Pen, x: number, y: number, w: number, h: number): void {
  thumbnail(p.g, x + w * 0.1, y + h * 0.08, w * 0.8, h * 0.84, `${p.page.id}-hero`, p.rng, 0);
}

function drawCoupons(p: Pen, b: Extract<Block, { type: 'coupons' }>, y: number, x0: number, width: number): number {
  const { g, theme } = p;
  const fs = p.fs;
  const red = theme.price;
  const tint = hexAlpha(red, 0.08);
  if (b.layout === 'row' || b.layout === 'grid') {
    const cols = b.layout === 'row' ? Math.min(3, b.items.length) : 2;
    const gap = 8;
    const cw = (width - 2 * MARGIN - gap * (cols - 1)) / cols;
    const ch = b.layout === 'row' ? 70 : 96;
    const shown = b.layout === 'row' ? b.items.slice(0, cols) : b.items;
    shown.forEach((c, i) => {
      const x = x0 + MARGIN + (i % cols) * (cw + gap);
      const cy = y + 8 + Math.floor(i / cols) * (ch + gap);
      roundRect(g, x, cy, cw, ch, 8, tint, hexAlpha(red, 0.3), 1);
      text(g, c.amount, x + 12, cy + 32, 22 * fs, red, 'bold', 'left', cw - 20);
      text(g, c.cond, x + 12, cy + 52, 11 * fs, red, 'regular', 'left', cw - 20);
      if (b.layout === 'grid') {
        text(g, c.name, x + 12, cy + 70, 11 * fs, theme.muted, 'regular', 'left', cw - 20);
        roundRect(g, x + cw - 70, cy + 76, 60, 16, 8, red);
        text(g, c.button, x + cw - 40, cy + 88, 10, '#fff', 'medium', 'center', 56);
      } else text(g, c.button, x + cw - 10, cy + 20, 11, red, 'medium', 'right');
    });
    return y + 8 + Math.ceil(shown.length / cols) * (ch + gap) + 4;
  }
  let yy = y + 4;
  for (const c of b.items) {
    if (yy > p.H) break;
    const h = b.withProduct ? 104 : 88;
    const x = x0 + MARGIN;
    const w = width - 2 * MARGIN;
    const lw = b.withProduct ? 96 : 104;
    roundRect(g, x, yy + 6, w, h, 8, theme.card);
    roundRect(g, x, yy + 6, lw, h, [8, 0, 0, 8], tint);
    if (b.withProduct) thumbnail(g, x + 8, yy + 14, lw - 16, lw - 16, c.name + c.amount, p.rng, 6);
    else {
      text(g, c.amount, x + lw / 2, yy + 50, 26 * fs, red, 'bold', 'center', lw - 8);
      text(g, c.cond, x + lw / 2, yy + 72, 11 * fs, red, 'regular', 'center', lw - 8);
    }
    // notches where the ticket is torn off
    circle(g, x + lw, yy + 6, 6, theme.page);
    circle(g, x + lw, yy + 6 + h, 6, theme.page);
    line(g, x + lw, yy + 14, x + lw, yy + h - 2, hexAlpha(red, 0.3), 1, [3, 3]);
    const tx = x + lw + 12;
    const tw = w - lw - 100;
    if (b.withProduct) {
      text(g, `${c.amount} ${c.cond}`, tx, yy + 34, 15 * fs, red, 'bold', 'left', tw);
      text(g, c.name, tx, yy + 56, 12.5 * fs, theme.text, 'regular', 'left', tw);
    } else text(g, c.name, tx, yy + 36, 14.5 * fs, theme.text, 'medium', 'left', tw);
    text(g, c.valid, tx, yy + (b.withProduct ? 78 : 62), 11 * fs, theme.muted, 'regular', 'left', tw);
    const claimed = /已|去使用|立即使用/.test(c.button);
    roundRect(g, x + w - 84, yy + 6 + h / 2 - 14, 72, 28, 14, claimed ? undefined : red, claimed ? red : undefined, 1);
    text(g, c.button, x + w - 48, yy + 6 + h / 2 + 5, 12.5, claimed ? red : '#ffffff', 'medium', 'center', 66);
    yy += h + 10;
  }
  return yy + 4;
}

function drawChat(p: Pen, b: Extract<Block, { type: 'chat' }>, y: number, x0: number, width: number): number {
  const { theme } = p;
  const fs = p.fs;
  const maxW = width * 0.62;
  let yy = y + 10;
  const rightBg = b.style === 'wechat' ? '#95ec69' : b.style === 'sms' ? '#3478f6' : hexAlpha(theme.primary, 0.18);
  const leftBg = b.style === 'sms' ? '#e9e9eb' : '#ffffff';
  for (const m of b.messages) {
    if (yy > p.H) break;
    yy = drawMessage(p, m, yy, x0, width, maxW, rightBg, leftBg, b.style, fs);
  }
  void theme;
  return yy + 8;
}

function drawMessage(p: Pen, m: ChatMessage, y: number, x0: number, width: number, maxW: number, rightBg: string, leftBg: string, style: string, fs: number): number {
  const { g, theme } = p;
  const avatar = style !== 'sms';
  if (m.side === 'time') {
    text(g, m.text ?? '', x0 + width / 2, y + 14, 11.5, '#a8a8a8', 'regular', 'center');
    return y + 28;
  }
  if (m.side === 'system') {
    const w = Math.min(width - 60, measure(g, m.text ?? '', 12) + 24);
    roundRect(g, x0 + (width - w) / 2, y, w, 24, 12, 'rgba(0,0,0,0.06)');
    text(g, m.text ?? '', x0 + width / 2, y + 16, 12, '#888888', 'regular', 'center', w - 12);
    return y + 36;
  }
  if (m.side === 'product' || m.side === 'order') {
    const w = width * 0.78;
    const x = x0 + width - w - (avatar ? 56 : 14);
    const h = m.order ? 124 : 96;
    roundRect(g, x, y, w, h, 10, '#ffffff');
    let yy = y;
    if (m.order) {
      text(g, `订单号：${m.order.orderNo}`, x + 12, y + 22, 12, theme.muted, 'regular', 'left', w - 80);
      text(g, m.order.status, x + w - 12, y + 22, 12, theme.accent, 'medium', 'right');
      yy += 28;
    }
    const pr = m.product!;
    thumbnail(g, x + 10, yy + 10, 72, 72, pr.title, p.rng, 6);
    paragraph(g, pr.title, x + 92, yy + 6, 13 * fs, theme.text, w - 104, 2);
    text(g, pr.price, x + 92, yy + 76, 15, theme.price, 'bold');
    if (!m.order) {
      roundRect(g, x + w - 62, yy + 58, 50, 24, 12, theme.primary);
      text(g, '发送', x + w - 37, yy + 75, 12, '#fff', 'medium', 'center');
    }
    if (avatar) drawAvatar(p, x0 + width - 32, y + 18, 'me');
    return y + h + 14;
  }
  if (m.side === 'image') {
    const w = 130;
    const h = 170;
    const x = x0 + width - w - 56;
    thumbnail(g, x, y, w, h, `${p.page.id}-img`, p.rng, 8);
    drawAvatar(p, x0 + width - 32, y + 18, 'me');
    return y + h + 14;
  }
  const right = m.side === 'right';
  const size = 15 * fs;
  const lines = wrapLines(g, m.text ?? '', size, maxW - 24, 8);
  const w = Math.max(...lines.map((l) => measure(g, l, size))) + 24;
  const h = lines.length * size * 1.45 + 18;
  const x = right ? x0 + width - w - (avatar ? 56 : 14) : x0 + (avatar ? 56 : 14);
  roundRect(g, x, y, w, h, style === 'sms' ? 16 : 8, right ? rightBg : leftBg);
  const ink = right && style === 'sms' ? '#ffffff' : '#1f1f1f';
  lines.forEach((l, i) => text(g, l, x + 12, y + 9 + size + i * size * 1.45 - 2, size, ink));
  if (avatar) drawAvatar(p, right ? x0 + width - 32 : x0 + 32, y + 18, right ? 'me' : 'shop');
  return y + h + 14;
}

function drawAvatar(p: Pen, cx: number, cy: number, who: 'me' | 'shop'): void {
  const hue = hashUnit(`${p.page.id}${who}`) * 360;
  if (p.page.app === 'wechat') roundRect(p.g, cx - 18, cy - 18, 36, 36, 5, hsl(hue, 40, 65));
  else circle(p.g, cx, cy, 18, who === 'shop' ? p.theme.primary : hsl(hue, 40, 65));
  icon(p.g, who === 'shop' ? 'shop' : 'user', cx, cy, 18, '#ffffff');
}

// ---------------------------------------------------------------- rows

function rowHeight(p: Pen, r: Row, width: number): number {
  const { g } = p;
  const fs = p.fs;
  switch (r.type) {
    case 'kv': {
      const lines = wrapLines(g, r.value, 13.5 * fs, width * 0.66, 2).length;
      return 12 + lines * 20 * fs;
    }
    case 'text': {
      const size = textSize(r.style) * fs;
      const indent = r.icon ? 26 : 0;
      return wrapLines(g, r.text, size, width - indent, maxLinesOf(r.style), weightOf(r.style)).length * size * 1.45 + 8;
    }
    case 'product': return (r.compact ? 64 : 90) + (r.deal ? 10 : 0) + 10;
    case 'total': return 36;
    case 'buttons': return 46;
    case 'chips': return 30;
    case 'input': case 'link': return 48;
    case 'textarea': return 96;
    case 'upload': return 96;
    case 'radio': return r.items.length * 48;
    case 'steps': return 64;
    case 'avatar': return 46;
    case 'photos': return (width - 16) / 3 + 10;
    case 'stepper': return 44;
    case 'bill': return 64;
    case 'avatarRow': return 64;
    case 'iconsRow': return 70;
    case 'switch': return 48;
  }
}

function rowsHeight(p: Pen, rows: Row[], width: number): number {
  return rows.reduce((s, r) => s + rowHeight(p, r, width), 0);
}

function drawRows(p: Pen, rows: Row[], x: number, y: number, width: number): number {
  let yy = y;
  for (const r of rows) {
    if (yy > p.H) break;
    drawRow(p, r, x, yy, width);
    yy += rowHeight(p, r, width);
  }
  return yy;
}

function textSize(style: TextStyle): number {
  return ({ normal: 14, muted: 12.5, strong: 15, accent: 13.5, link: 13.5, title: 18, big: 26, price: 22, right: 14, warn: 17, small: 11 } as const)[style];
}

function weightOf(style: TextStyle): Weight {
  return style === 'strong' || style === 'title' || style === 'big' || style === 'price' || style === 'warn' ? (style === 'strong' ? 'medium' : 'bold') : 'regular';
}

function maxLinesOf(style: TextStyle): number {
  return style === 'title' || style === 'big' || style === 'price' ? 1 : style === 'strong' ? 2 : 3;
}

function drawRow(p: Pen, r: Row, x: number, y: number, width: number): void {
  const { g, theme } = p;
  const fs = p.fs;
  switch (r.type) {
    case 'kv': {
      text(g, r.key, x, y + 20 * fs, 13.5 * fs, theme.muted, 'regular', 'left', width * 0.32);
      const lines = wrapLines(g, r.value, 13.5 * fs, width * 0.66, 2);
      lines.forEach((l, i) => text(g, l, x + width, y + 20 * fs + i * 20 * fs, 13.5 * fs, theme.text, 'regular', 'right'));
      return;
    }
    case 'text': {
      const size = textSize(r.style) * fs;
      const indent = r.icon ? 26 : 0;
      if (r.icon) icon(g, r.icon, x + 9, y + size * 0.8, 16, r.icon === 'truck' ? theme.accent : theme.text);
      const color = ({ normal: theme.text, muted: theme.muted, strong: theme.text, accent: theme.accent, link: '#3d7eff', title: theme.text, big: theme.text, price: theme.price, right: theme.text, warn: '#f5222d', small: theme.muted } as Record<TextStyle, string>)[r.style];
      paragraph(g, r.text, r.style === 'right' ? x + width : x + indent, y, size, color, width - indent, maxLinesOf(r.style), weightOf(r.style), 1.45, r.style === 'right' ? 'right' : 'left');
      return;
    }
    case 'product': return drawProductRow(p, r, x, y, width);
    case 'total': {
      const vw = measure(g, r.value, 18 * fs, 'bold');
      text(g, r.value, x + width, y + 25, 18 * fs, theme.price, 'bold', 'right');
      text(g, r.key, x + width - vw - 8, y + 24, 14 * fs, theme.text, 'regular', 'right');
      return;
    }
    case 'buttons': {
      let bx = x + width;
      r.items.slice().reverse().forEach((t, i) => {
        const w = measure(g, t, 13 * fs) + 26;
        const hot = i === 0;
        roundRect(g, bx - w, y + 8, w, 30, 15, undefined, hot ? theme.primary : '#cccccc', 1);
        text(g, t, bx - w / 2, y + 28, 13 * fs, hot ? theme.primary : theme.text, 'regular', 'center');
        bx -= w + 10;
      });
      return;
    }
    case 'chips': {
      let cx = x;
      for (const t of r.items) {
        const w = measure(g, t, 11 * fs) + 12;
        if (cx + w > x + width) break;
        roundRect(g, cx, y + 5, w, 19, 3, hexAlpha(theme.price, 0.08), hexAlpha(theme.price, 0.5), 0.8);
        text(g, t, cx + 6, y + 19, 11 * fs, theme.price);
        cx += w + 6;
      }
      return;
    }
    case 'input': case 'link': {
      text(g, r.key, x, y + 29, 14.5 * fs, theme.text, 'regular', 'left', width * 0.55);
      const placeholder = /^(请选择|请填写|请输入|选填)/.test(r.value);
      if (r.value) text(g, r.value, x + width - 18, y + 29, 13.5 * fs, placeholder ? '#b5b5b5' : r.type === 'link' ? theme.muted : theme.text, 'regular', 'right', width * 0.55);
      chevron(g, x + width - 4, y + 24, 5, '#b5b5b5', 'right', 1.5);
      line(g, x, y + 47, x + width, y + 47, theme.line, 0.6);
      return;
    }
    case 'textarea': {
      roundRect(g, x, y + 6, width, 82, 6, p.page.dark ? '#2a2b33' : '#f7f7f7');
      paragraph(g, r.placeholder, x + 10, y + 8, 13 * fs, '#b5b5b5', width - 20, 2);
      text(g, '0/200', x + width - 10, y + 80, 11, '#b5b5b5', 'regular', 'right');
      return;
    }
    case 'upload': {
      roundRect(g, x, y + 6, 76, 76, 6, p.page.dark ? '#2a2b33' : '#f7f7f7', '#d9d9d9', 1);
      icon(g, 'camera', x + 38, y + 36, 22, '#999999');
      text(g, r.text, x + 38, y + 70, 10.5, '#999999', 'regular', 'center', 72);
      return;
    }
    case 'radio': {
      r.items.forEach((t, i) => {
        const yy = y + i * 48;
        text(g, t, x, yy + 30, 14.5 * fs, theme.text, 'regular', 'left', width - 40);
        if (i === r.selected) {
          circle(g, x + width - 10, yy + 25, 10, theme.primary);
          icon(g, 'check', x + width - 10, yy + 25, 12, '#ffffff', 2);
        } else circle(g, x + width - 10, yy + 25, 10, undefined, '#cccccc', 1.2);
        if (i < r.items.length - 1) line(g, x, yy + 48, x + width, yy + 48, theme.line, 0.6);
      });
      return;
    }
    case 'steps': {
      const n = r.items.length;
      const step = width / n;
      r.items.forEach((t, i) => {
        const cx = x + step * (i + 0.5);
        const done = i <= r.active;
        if (i < n - 1) line(g, cx + 9, y + 20, cx + step - 9, y + 20, i < r.active ? theme.primary : '#dddddd', 2);
        circle(g, cx, y + 20, 8, done ? theme.primary : '#dddddd');
        text(g, t, cx, y + 50, 12 * fs, done ? theme.text : theme.muted, i === r.active ? 'medium' : 'regular', 'center', step - 2);
      });
      return;
    }
    case 'avatar': {
      circle(g, x + 16, y + 22, 16, hsl(hashUnit(r.name) * 360, 45, 70));
      icon(g, 'user', x + 16, y + 22, 16, '#ffffff');
      text(g, r.name, x + 42, y + 18, 13.5 * fs, theme.text, 'medium', 'left', width - 50);
      text(g, r.sub, x + 42, y + 37, 11.5 * fs, theme.muted, 'regular', 'left', width - 50);
      return;
    }
    case 'photos': {
      const s = (width - 16) / 3;
      for (let i = 0; i < r.n; i++) thumbnail(g, x + i * (s + 8), y + 4, s, s, `${p.page.id}-photo-${y}-${i}`, p.rng, 6);
      return;
    }
    case 'stepper': {
      text(g, r.key, x, y + 28, 14.5 * fs, theme.text);
      const sx = x + width - 96;
      roundRect(g, sx, y + 10, 96, 28, 4, undefined, '#dddddd', 1);
      line(g, sx + 30, y + 10, sx + 30, y + 38, '#dddddd', 1);
      line(g, sx + 66, y + 10, sx + 66, y + 38, '#dddddd', 1);
      text(g, '−', sx + 15, y + 30, 16, '#999', 'regular', 'center');
      text(g, String(r.value), sx + 48, y + 29, 14, theme.text, 'regular', 'center');
      text(g, '+', sx + 81, y + 30, 16, theme.text, 'regular', 'center');
      return;
    }
    case 'bill': {
      const hue = hashUnit(r.merchant) * 360;
      circle(g, x + 18, y + 30, 18, hsl(hue, 60, 55));
      text(g, [...r.merchant][0] ?? '', x + 18, y + 36, 15, '#fff', 'bold', 'center');
      text(g, r.merchant, x + 46, y + 26, 14.5 * fs, theme.text, 'regular', 'left', width - 150);
      text(g, `${r.time}  ${r.category}`, x + 46, y + 47, 11.5 * fs, theme.muted, 'regular', 'left', width - 150);
      text(g, r.amount, x + width, y + 32, 16 * fs, r.amount.startsWith('+') ? '#f5a623' : theme.text, 'medium', 'right');
      line(g, x + 46, y + 63, x + width, y + 63, theme.line, 0.6);
      return;
    }
    case 'avatarRow': {
      text(g, r.key, x, y + 37, 14.5 * fs, theme.text);
      circle(g, x + width - 44, y + 32, 22, hsl(hashUnit(p.page.id) * 360, 40, 68));
      icon(g, 'user', x + width - 44, y + 32, 22, '#fff');
      chevron(g, x + width - 4, y + 32, 5, '#b5b5b5', 'right', 1.5);
      line(g, x, y + 63, x + width, y + 63, theme.line, 0.6);
      return;
    }
    case 'iconsRow': {
      const n = r.items.length;
      const cw = width / n;
      const glyphs = ['chat', 'cart', 'truck', 'star', 'heart', 'pin', 'user', 'bell'];
      r.items.forEach((t, i) => {
        const cx = x + cw * (i + 0.5);
        icon(g, glyphs[Math.floor(hashUnit(t) * glyphs.length)], cx, y + 24, 24, theme.text);
        text(g, t, cx, y + 58, 11.5 * fs, theme.text, 'regular', 'center', cw - 2);
      });
      return;
    }
    case 'switch': {
      text(g, r.key, x, y + 29, 14.5 * fs, theme.text);
      roundRect(g, x + width - 50, y + 12, 50, 28, 14, r.on ? '#34c759' : '#e5e5ea');
      circle(g, x + width - (r.on ? 14 : 36), y + 26, 12, '#ffffff');
      return;
    }
  }
}

function drawProductRow(p: Pen, r: ProductRow, x: number, y: number, width: number): void {
  const { g, theme } = p;
  const fs = p.fs;
  let left = x;
  if (r.check) {
    circle(g, left + 10, y + 40, 10, p.rng.next() < 0.6 ? theme.primary : undefined, '#cccccc', 1.2);
    left += 28;
  }
  const th = r.compact ? 56 : 80;
  thumbnail(g, left, y + 6, th, th, r.title, p.rng, 6);
  const tx = left + th + 10;
  const tw = x + width - tx;
  // Leave room for the price drawn at the right of the title line.
  const used = paragraph(g, r.title, tx, y + 2, 13.5 * fs, theme.text, tw - (r.compact ? measure(g, r.price, 13.5 * fs) + 10 : 64), r.compact ? 1 : 2);
  if (!r.compact) {
    const sw = Math.min(tw, measure(g, r.spec, 11.5 * fs) + 14);
    roundRect(g, tx, y + used + 8, sw, 20, 3, p.page.dark ? '#2a2b33' : '#f5f5f5');
    text(g, `${r.spec}${r.stepper ? ' ▾' : ''}`, tx + 7, y + used + 22, 11.5 * fs, theme.muted, 'regular', 'left', sw - 10);
  }
  if (r.stepper) {
    text(g, r.price, tx, y + 84, 16 * fs, theme.price, 'bold');
    const sx = x + width - 84;
    roundRect(g, sx, y + 66, 84, 24, 3, undefined, '#dddddd', 1);
    text(g, '−', sx + 13, y + 83, 14, '#999', 'regular', 'center');
    text(g, String(r.qty), sx + 42, y + 83, 13, theme.text, 'regular', 'center');
    text(g, '+', sx + 71, y + 83, 14, theme.text, 'regular', 'center');
  } else if (r.deal) {
    text(g, r.price, tx, y + 78, 17 * fs, theme.price, 'bold');
    roundRect(g, tx, y + 86, tw - 90, 8, 4, hexAlpha(theme.price, 0.15));
    roundRect(g, tx, y + 86, (tw - 90) * (r.deal.percent / 100), 8, 4, theme.price);
    text(g, `已抢${r.deal.percent}%`, tx + tw - 86, y + 94, 10.5, theme.price);
    roundRect(g, x + width - 74, y + 56, 74, 30, 15, theme.price);
    text(g, r.deal.button, x + width - 37, y + 76, 13, '#fff', 'medium', 'center', 68);
  } else if (r.compact) {
    text(g, r.spec, tx, y + 42, 11.5 * fs, theme.muted, 'regular', 'left', tw - 70);
    text(g, r.price, x + width, y + 20, 13.5 * fs, theme.text, 'regular', 'right');
  } else {
    text(g, r.price, x + width, y + 18, 14 * fs, theme.text, 'medium', 'right');
    text(g, `x${r.qty}`, x + width, y + 38, 12 * fs, theme.muted, 'regular', 'right');
    if (r.tag) {
      const w = measure(g, r.tag, 12 * fs) + 20;
      roundRect(g, x + width - w, y + 64, w, 24, 12, undefined, '#cccccc', 1);
      text(g, r.tag, x + width - w / 2, y + 81, 12 * fs, theme.text, 'regular', 'center');
    }
  }
}

// ---------------------------------------------------------------- bottom bars

function bottomBarHeight(p: Pen, bb: BottomBar | null): number {
  const safe = p.page.statusBar?.platform === 'ios' ? 30 : 12;
  if (!bb) return 0;
  switch (bb.kind) {
    case 'tabbar': case 'iconBar': return 52 + safe;
    case 'total': return 56 + (bb.tabbar ? 52 : 0) + safe;
    case 'input': return 56 + (bb.chips.length ? 40 : 0) + safe;
    default: return 60 + safe;
  }
}

function drawBottomBar(p: Pen, bb: BottomBar, y: number, h: number): void {
  const { g, W, theme } = p;
  const dark = p.page.dark;
  const bg = dark ? theme.card : '#ffffff';
  if (bb.kind !== 'input' || !bb.chips.length) {
    fillRect(g, 0, y, W, h, bg);
    line(g, 0, y, W, y, theme.line, 0.7);
  }
  switch (bb.kind) {
    case 'buttons': {
      let x = W - 14;
      bb.items.slice().reverse().forEach((t, i) => {
        const w = measure(g, t, 13.5) + 28;
        const hot = i === 0;
        roundRect(g, x - w, y + 14, w, 32, 16, undefined, hot ? theme.primary : '#cccccc', 1);
        text(g, t, x - w / 2, y + 35, 13.5, hot ? theme.primary : theme.text, 'regular', 'center');
        x -= w + 10;
      });
      return;
    }
    case 'tabbar': case 'iconBar': return drawTabRow(p, bb.kind === 'tabbar' ? bb.items : bb.items, y, bb.kind === 'tabbar' ? bb.active : -1);
    case 'total': {
      text(g, bb.left, 16, y + 34, 13.5, theme.text);
      const bw = measure(g, bb.button, 15, 'medium') + 36;
      g.fillStyle = linear(g, W - bw - 12, 0, W - 12, 0, [theme.gradientTo, theme.primary]);
      g.beginPath();
      g.roundRect(W - bw - 12, y + 9, bw, 40, 20);
      g.fill();
      text(g, bb.button, W - bw / 2 - 12, y + 35, 15, '#ffffff', 'medium', 'center');
      text(g, bb.amount, W - bw - 22, y + (bb.sub ? 27 : 35), 15, theme.price, 'bold', 'right');
      if (bb.sub) text(g, bb.sub, W - bw - 22, y + 45, 11, theme.muted, 'regular', 'right');
      if (bb.tabbar) {
        line(g, 0, y + 56, W, y + 56, theme.line, 0.6);
        drawTabRow(p, bb.tabbar, y + 56, bb.tabbar.indexOf('购物车'));
      }
      return;
    }
    case 'buy': {
      const glyphs = ['shop', 'chat', 'star'];
      bb.icons.forEach((t, i) => {
        const cx = 26 + i * 44;
        icon(g, glyphs[i % glyphs.length], cx, y + 22, 20, theme.text);
        text(g, t, cx, y + 46, 10.5, theme.text, 'regular', 'center');
      });
      const left = 26 + bb.icons.length * 44 - 10;
      const total = W - 12 - left;
      const n = Math.max(1, bb.buttons.length);
      bb.buttons.forEach((t, i) => {
        const bx = left + (total / n) * i;
        const colours = i === 0 && n > 1 ? ['#ffcb00', '#ff9402'] : ['#ff7700', '#ff4900'];
        g.fillStyle = linear(g, bx, 0, bx + total / n, 0, colours);
        g.beginPath();
        g.roundRect(bx, y + 9, total / n, 40, n === 1 ? 20 : i === 0 ? [20, 0, 0, 20] : [0, 20, 20, 0]);
        g.fill();
        text(g, t, bx + total / n / 2, y + 35, 15, '#ffffff', 'medium', 'center');
      });
      return;
    }
    case 'input': {
      let yy = y;
      if (bb.chips.length) {
        let x = 10;
        for (const c of bb.chips) {
          const w = measure(g, c, 12.5) + 22;
          roundRect(g, x, yy + 6, w, 28, 14, '#ffffff', '#e0e0e0', 0.8);
          text(g, c, x + w / 2, yy + 25, 12.5, theme.text, 'regular', 'center');
          x += w + 8;
        }
        yy += 40;
        fillRect(g, 0, yy, W, h - 40, bg);
        line(g, 0, yy, W, yy, theme.line, 0.7);
      }
      icon(g, 'mic', 22, yy + 28, 20, theme.text);
      roundRect(g, 42, yy + 10, W - 130, 36, 8, dark ? '#2a2b33' : '#f4f4f4');
      text(g, bb.placeholder, 54, yy + 33, 13.5, '#aaaaaa', 'regular', 'left', W - 150);
      icon(g, 'smile', W - 68, yy + 28, 22, theme.text);
      icon(g, 'plus', W - 30, yy + 28, 22, theme.text);
      return;
    }
    case 'button': {
      g.fillStyle = linear(g, 16, 0, W - 16, 0, [theme.gradientTo, theme.primary]);
      g.beginPath();
      g.roundRect(16, y + 9, W - 32, 42, 21);
      g.fill();
      text(g, bb.text, W / 2, y + 36, 16, p.page.app === 'xianyu' || p.page.app === 'meituan' ? '#222' : '#ffffff', 'medium', 'center');
      return;
    }
  }
}

function drawTabRow(p: Pen, items: string[], y: number, active: number): void {
  const { g, W, theme } = p;
  const glyphs: Record<string, string> = { 首页: 'home', 消息: 'chat', 购物车: 'cart', 我的淘宝: 'user', 我的: 'user', 我: 'user', 客服: 'chat', 会员: 'star', 逛逛: 'heart' };
  const n = items.length;
  items.forEach((t, i) => {
    const cx = (W / n) * (i + 0.5);
    const colour = i === active ? theme.primary : theme.text;
    icon(g, glyphs[t] ?? 'default', cx, y + 20, 20, colour);
    text(g, t, cx, y + 44, 10.5, colour, 'regular', 'center', W / n - 4);
  });
}

// ---------------------------------------------------------------- pop-ups

function drawPopup(p: Pen, pop: Popup): void {
  const { g, W, H, theme } = p;
  if (pop.kind === 'toast') {
    const lines = wrapLines(g, pop.text, 14.5, W * 0.62, 3);
    const w = Math.max(...lines.map((l) => measure(g, l, 14.5))) + 36;
    const h = lines.length * 22 + 26;
    roundRect(g, (W - w) / 2, H * 0.45 - h / 2, w, h, 10, 'rgba(20,20,20,0.82)');
    lines.forEach((l, i) => text(g, l, W / 2, H * 0.45 - h / 2 + 30 + i * 22, 14.5, '#ffffff', 'regular', 'center'));
    return;
  }
  fillRect(g, 0, 0, W, H, `rgba(0,0,0,${(0.4 + p.rng.next() * 0.25).toFixed(2)})`);
  if (pop.kind === 'dialog') {
    const w = W * 0.76;
    const x = (W - w) / 2;
    const bodyLines = pop.lines.map((l) => wrapLines(g, l, 14, w - 40, 4));
    const bodyH = bodyLines.reduce((s, ls) => s + ls.length * 21 + 6, 0);
    const pill = p.rng.next() < 0.4;
    const h = (pop.title ? 52 : 24) + bodyH + (pop.buttons.length ? (pill ? 70 : 52) : 16);
    const y = H * 0.46 - h / 2;
    roundRect(g, x, y, w, h, 14, '#ffffff');
    let yy = y + 22;
    if (pop.title) {
      text(g, pop.title, W / 2, yy + 16, 17, '#1f1f1f', 'bold', 'center', w - 30);
      yy += 36;
    }
    for (const ls of bodyLines) {
      ls.forEach((l) => {
        text(g, l, W / 2, yy + 16, 14, '#555555', 'regular', 'center');
        yy += 21;
      });
      yy += 6;
    }
    if (!pop.buttons.length) return;
    const by = y + h - (pill ? 58 : 46);
    const n = pop.buttons.length;
    if (pill) {
      const bw = (w - 36 - (n - 1) * 10) / n;
      pop.buttons.forEach((t, i) => {
        const bx = x + 18 + i * (bw + 10);
        const hot = i === n - 1;
        if (hot) {
          g.fillStyle = linear(g, bx, 0, bx + bw, 0, [theme.gradientTo, theme.primary]);
          g.beginPath();
          g.roundRect(bx, by, bw, 40, 20);
          g.fill();
        } else roundRect(g, bx, by, bw, 40, 20, undefined, '#cccccc', 1);
        text(g, t, bx + bw / 2, by + 26, 15, hot ? '#ffffff' : '#333333', 'medium', 'center', bw - 8);
      });
    } else {
      line(g, x, by, x + w, by, '#e5e5e5', 0.8);
      const bw = w / n;
      pop.buttons.forEach((t, i) => {
        if (i) line(g, x + i * bw, by, x + i * bw, y + h, '#e5e5e5', 0.8);
        text(g, t, x + bw * (i + 0.5), by + 30, 16, i === n - 1 ? theme.primary : '#333333', i === n - 1 ? 'medium' : 'regular', 'center', bw - 8);
      });
    }
    return;
  }
  // bottom sheet
  const top = H * (1 - pop.height);
  roundRect(g, 0, top, W, H - top + 20, [14, 14, 0, 0], theme.dark ? theme.card : '#ffffff');
  let y = top + 16;
  if (pop.title) {
    text(g, pop.title, W / 2, y + 16, 16, theme.text, 'bold', 'center');
    y += 36;
  }
  icon(g, 'close', W - 26, top + 26, 14, '#999999');
  g.save();
  g.beginPath();
  g.rect(0, top, W, H - top);
  g.clip();
  const saved = theme.page;
  theme.page = '#ffffff';
  const btnH = pop.buttons.length ? 64 : 0;
  for (const b of pop.blocks) {
    if (y > H - btnH) break;
    y = drawBlock(p, b, y + (b.type === 'skuHead' ? 30 : 0), 0, W);
  }
  theme.page = saved;
  g.restore();
  if (pop.buttons.length) {
    const by = H - btnH - (p.page.statusBar?.platform === 'ios' ? 24 : 6);
    fillRect(g, 0, by - 6, W, H - by + 6, '#ffffff');
    const n = pop.buttons.length;
    const total = W - 32;
    pop.buttons.forEach((t, i) => {
      const bx = 16 + (total / n) * i;
      const colours = pop.title?.includes('付款') || pop.title?.includes('支付') || p.page.app === 'alipay' ? ['#1677ff', '#1677ff'] : i === 0 && n > 1 ? ['#ffcb00', '#ff9402'] : ['#ff7700', '#ff4900'];
      g.fillStyle = linear(g, bx, 0, bx + total / n, 0, colours);
      g.beginPath();
      g.roundRect(bx, by, total / n, 44, n === 1 ? 22 : i === 0 ? [22, 0, 0, 22] : [0, 22, 22, 0]);
      g.fill();
      text(g, t, bx + total / n / 2, by + 28, 16, '#ffffff', 'medium', 'center');
    });
  }
}

/** #rrggbb with an alpha, as an rgba() string. */
function hexAlpha(hex: string, a: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) return hex;
  const v = parseInt(m[1], 16);
  return `rgba(${(v >> 16) & 255},${(v >> 8) & 255},${v & 255},${a})`;
}
