// Procedural pictures for the labels that are not app screens: camera photos of goods and parcels
// (实物拍摄), designed product head images (商品头图), description panels and posters, and the
// grab-bag of 其他类别图片 (stickers, landscapes, QR posters, blank frames, documents). They do not
// try to look real to a person; they carry the statistics that separate photos from screenshots:
// no status bar, textures, uneven light, sensor noise, soft edges, objects, few large text lines.
import type { Rng } from '../learn/random.js';
import { circle, drawProduct, hsl, line, linear, paragraph, PRODUCT_SHAPES, roundRect, text, wrapLines, type G, type ProductShape } from './draw-kit.js';

export interface PhotoInput {
  scene: string;
  texts: string[];
  width: number;
  height: number;
}

/** Draws the scene onto g (already sized width × height). */
export function drawPhoto(g: G, p: PhotoInput, rng: Rng): void {
  const { width: w, height: h } = p;
  switch (p.scene) {
    case 'hero': return heroImage(g, w, h, p.texts, rng, true);
    case 'hero-plain': return heroImage(g, w, h, p.texts, rng, false);
    case 'detail-panel': return detailPanel(g, w, h, p.texts, rng);
    case 'poster': return poster(g, w, h, p.texts, rng);
    case 'sticker': return sticker(g, w, h, p.texts, rng);
    case 'landscape': return landscape(g, w, h, rng);
    case 'qr': return qrPoster(g, w, h, p.texts, rng);
    case 'blank': return blank(g, w, h, rng);
    case 'document': return documentPage(g, w, h, p.texts, rng);
    default: return cameraPhoto(g, w, h, p.scene, p.texts, rng);
  }
}

/** Whether the renderer should add sensor noise and blur (camera pictures). */
export function isCameraScene(scene: string): boolean {
  return ['damaged', 'parcel', 'open-box', 'package-print', 'garment', 'in-hand', 'landscape', 'document'].includes(scene);
}

const pick = <T>(rng: Rng, items: readonly T[]): T => items[rng.int(items.length)];
const between = (rng: Rng, lo: number, hi: number): number => lo + rng.next() * (hi - lo);

// ---------------------------------------------------------------- surfaces

/** A table, floor, bed sheet or carpet filling the frame, lit unevenly. */
function surface(g: G, w: number, h: number, rng: Rng): void {
  const kind = pick(rng, ['wood', 'tile', 'fabric', 'carpet', 'desk']);
  if (kind === 'wood') {
    const hue = between(rng, 20, 38);
    g.fillStyle = hsl(hue, 45, between(rng, 35, 60));
    g.fillRect(0, 0, w, h);
    const vertical = rng.next() < 0.5;
    for (let i = 0; i < 140; i++) {
      const pos = rng.next() * (vertical ? w : h);
      const c = hsl(hue + between(rng, -6, 6), 45, between(rng, 25, 65), 0.18);
      if (vertical) line(g, pos, 0, pos + between(rng, -30, 30), h, c, between(rng, 1, 6));
      else line(g, 0, pos, w, pos + between(rng, -30, 30), c, between(rng, 1, 6));
    }
  } else if (kind === 'tile') {
    const l = between(rng, 70, 90);
    g.fillStyle = hsl(between(rng, 20, 60), 10, l);
    g.fillRect(0, 0, w, h);
    const step = between(rng, w / 5, w / 2);
    for (let x = rng.next() * step; x < w; x += step) line(g, x, 0, x + step * 0.2, h, hsl(0, 0, l - 20, 0.6), 2);
    for (let y = rng.next() * step; y < h; y += step) line(g, 0, y, w, y + step * 0.1, hsl(0, 0, l - 20, 0.6), 2);
  } else if (kind === 'fabric') {
    const hue = rng.next() * 360;
    g.fillStyle = hsl(hue, between(rng, 10, 40), between(rng, 60, 88));
    g.fillRect(0, 0, w, h);
    for (let i = 0; i < 12; i++) {
      // folds: long soft dark and light bands
      const y0 = rng.next() * h;
      g.fillStyle = linear(g, 0, y0 - 60, 0, y0 + 60, [hsl(hue, 20, 50, 0), hsl(hue, 20, between(rng, 40, 95), 0.25), hsl(hue, 20, 50, 0)]);
      g.save();
      g.translate(w / 2, y0);
      g.rotate(between(rng, -0.6, 0.6));
      g.fillRect(-w, -60, w * 2, 120);
      g.restore();
    }
  } else if (kind === 'carpet') {
    g.fillStyle = hsl(rng.next() * 360, between(rng, 5, 25), between(rng, 30, 60));
    g.fillRect(0, 0, w, h);
    for (let i = 0; i < 4000; i++) {
      g.fillStyle = `rgba(${rng.next() < 0.5 ? '0,0,0' : '255,255,255'},${between(rng, 0.03, 0.1)})`;
      g.fillRect(rng.next() * w, rng.next() * h, between(rng, 1, 4), between(rng, 1, 4));
    }
  } else {
    g.fillStyle = hsl(between(rng, 0, 360), between(rng, 0, 10), between(rng, 75, 95));
    g.fillRect(0, 0, w, h);
  }
}

/** Uneven light: a bright spot and a darker rim, as a phone camera indoors shows. */
function lighting(g: G, w: number, h: number, rng: Rng): void {
  const cx = between(rng, 0.2, 0.8) * w;
  const cy = between(rng, 0.1, 0.6) * h;
  const r = Math.max(w, h);
  const spot = g.createRadialGradient(cx, cy, 0, cx, cy, r * between(rng, 0.5, 0.9));
  spot.addColorStop(0, `rgba(255,250,235,${between(rng, 0.1, 0.35)})`);
  spot.addColorStop(1, 'rgba(255,250,235,0)');
  g.fillStyle = spot;
  g.fillRect(0, 0, w, h);
  const vignette = g.createRadialGradient(w / 2, h / 2, Math.min(w, h) * 0.35, w / 2, h / 2, r * 0.75);
  vignette.addColorStop(0, 'rgba(0,0,0,0)');
  vignette.addColorStop(1, `rgba(0,0,0,${between(rng, 0.15, 0.45)})`);
  g.fillStyle = vignette;
  g.fillRect(0, 0, w, h);
}

function cardboard(g: G, x: number, y: number, w: number, h: number, rng: Rng, angle = 0): void {
  g.save();
  g.translate(x + w / 2, y + h / 2);
  g.rotate(angle);
  g.fillStyle = linear(g, -w / 2, -h / 2, w / 2, h / 2, [hsl(32, 45, between(rng, 55, 66)), hsl(30, 40, between(rng, 42, 52))]);
  g.fillRect(-w / 2, -h / 2, w, h);
  for (let i = 0; i < 40; i++) line(g, -w / 2, -h / 2 + rng.next() * h, w / 2, -h / 2 + rng.next() * h, 'rgba(90,60,30,0.05)', between(rng, 1, 3));
  // packing tape
  g.fillStyle = `rgba(${pick(rng, ['220,200,150', '235,235,225', '200,170,120'])},0.55)`;
  g.fillRect(-w / 2, -h * 0.08, w, h * 0.16);
  g.restore();
}

// ---------------------------------------------------------------- camera photos

function cameraPhoto(g: G, w: number, h: number, scene: string, texts: string[], rng: Rng): void {
  surface(g, w, h, rng);
  const m = Math.min(w, h);
  const shape: ProductShape = pick(rng, PRODUCT_SHAPES);
  const hue = rng.next() * 360;
  switch (scene) {
    case 'damaged': {
      const cx = between(rng, 0.35, 0.65) * w;
      const cy = between(rng, 0.4, 0.6) * h;
      const size = m * between(rng, 0.5, 0.85);
      drawProduct(g, shape, cx, cy, size, hue, rng);
      damage(g, cx, cy, size, rng);
      if (texts.length && rng.next() < 0.6) labelPatch(g, cx - size * 0.2, cy + size * 0.05, size * 0.45, texts.slice(0, 2), rng, size / 22);
      break;
    }
    case 'parcel': {
      const bw = w * between(rng, 0.75, 1.1);
      const bh = h * between(rng, 0.6, 0.95);
      cardboard(g, (w - bw) / 2, (h - bh) / 2, bw, bh, rng, between(rng, -0.15, 0.15));
      waybill(g, w, h, texts, rng);
      break;
    }
    case 'open-box': {
      cardboard(g, w * 0.05, h * 0.1, w * 0.9, h * 0.8, rng, between(rng, -0.08, 0.08));
      g.fillStyle = hsl(30, 35, between(rng, 25, 35));
      g.fillRect(w * 0.14, h * 0.2, w * 0.72, h * 0.6);
      for (let i = 0; i < 25; i++) {
        // packing material: bubbles of wrap or paper crumples
        circle(g, w * between(rng, 0.16, 0.84), h * between(rng, 0.22, 0.78), m * between(rng, 0.02, 0.06), `rgba(255,255,255,${between(rng, 0.15, 0.4)})`);
      }
      const n = 1 + rng.int(3);
      for (let i = 0; i < n; i++) drawProduct(g, pick(rng, PRODUCT_SHAPES), w * between(rng, 0.3, 0.7), h * between(rng, 0.35, 0.65), m * between(rng, 0.2, 0.4), rng.next() * 360, rng);
      if (texts.length) labelPatch(g, w * 0.2, h * 0.72, w * 0.35, texts.slice(0, 1), rng, m / 28);
      break;
    }
    case 'package-print': {
      // A close-up of a printed package face, slightly rotated.
      g.save();
      g.translate(w / 2, h / 2);
      g.rotate(between(rng, -0.2, 0.2));
      const pw = w * 1.1;
      const ph = h * 0.9;
      g.fillStyle = linear(g, -pw / 2, 0, pw / 2, 0, [hsl(hue, 50, 85), hsl(hue + 20, 55, 70)]);
      g.fillRect(-pw / 2, -ph / 2, pw, ph);
      g.fillStyle = hsl(hue, 60, 35);
      g.fillRect(-pw / 2, -ph / 2, pw, ph * 0.18);
      let y = -ph / 2 + ph * 0.26;
      const size = m / between(rng, 20, 28);
      for (const t of texts) {
        text(g, t, -pw / 2 + pw * 0.12, y, size, 'rgba(25,25,25,0.9)', rng.next() < 0.3 ? 'bold' : 'regular');
        y += size * 1.9;
      }
      // a barcode
      barcode(g, pw * 0.1, ph * 0.22, pw * 0.3, ph * 0.12, rng);
      g.restore();
      break;
    }
    case 'garment': {
      const size = m * between(rng, 0.7, 0.95);
      drawProduct(g, 'tshirt', w / 2, h / 2, size, hue, rng, false);
      if (rng.next() < 0.7) damage(g, w / 2 + between(rng, -0.2, 0.2) * size, h / 2 + between(rng, -0.1, 0.3) * size, size * 0.4, rng);
      break;
    }
    case 'in-hand': {
      const cx = w / 2;
      const cy = h * between(rng, 0.4, 0.55);
      const size = m * between(rng, 0.45, 0.7);
      drawProduct(g, shape, cx, cy, size, hue, rng, false);
      // fingers and palm: skin-coloured rounded shapes over the lower edge of the object
      const skin = hsl(between(rng, 20, 32), between(rng, 35, 55), between(rng, 62, 78));
      g.fillStyle = skin;
      g.beginPath();
      g.ellipse(cx + size * 0.1, cy + size * 0.75, size * 0.55, size * 0.4, -0.3, 0, Math.PI * 2);
      g.fill();
      for (let i = 0; i < 4; i++) roundRect(g, cx - size * 0.45 + i * size * 0.2, cy + size * 0.2, size * 0.16, size * 0.45, size * 0.08, skin);
      if (texts.length) labelPatch(g, cx - size * 0.25, cy - size * 0.2, size * 0.5, texts.slice(0, 1), rng, size / 16);
      break;
    }
  }
  lighting(g, w, h, rng);
}

/** Cracks, a dent shadow, a stain or a tear. */
function damage(g: G, cx: number, cy: number, size: number, rng: Rng): void {
  const kind = pick(rng, ['crack', 'stain', 'tear', 'crack']);
  g.save();
  if (kind === 'crack') {
    g.strokeStyle = 'rgba(25,20,15,0.85)';
    g.lineWidth = Math.max(1.5, size / 120);
    for (let b = 0; b < 3; b++) {
      let x = cx + between(rng, -0.2, 0.2) * size;
      let y = cy + between(rng, -0.2, 0.2) * size;
      g.beginPath();
      g.moveTo(x, y);
      for (let i = 0; i < 8; i++) {
        x += between(rng, -0.08, 0.08) * size;
        y += between(rng, -0.08, 0.08) * size;
        g.lineTo(x, y);
      }
      g.stroke();
    }
  } else if (kind === 'stain') {
    g.fillStyle = `rgba(${pick(rng, ['90,60,30', '40,40,40', '120,90,20'])},${between(rng, 0.3, 0.6)})`;
    g.beginPath();
    const r = size * between(rng, 0.06, 0.14);
    for (let i = 0; i <= 12; i++) {
      const a = (i / 12) * Math.PI * 2;
      const rr = r * between(rng, 0.6, 1.3);
      if (i === 0) g.moveTo(cx + rr * Math.cos(a), cy + rr * Math.sin(a));
      else g.lineTo(cx + rr * Math.cos(a), cy + rr * Math.sin(a));
    }
    g.fill();
  } else {
    g.fillStyle = 'rgba(30,25,20,0.8)';
    g.beginPath();
    g.moveTo(cx, cy);
    for (let i = 0; i < 6; i++) g.lineTo(cx + between(rng, -0.15, 0.15) * size, cy + between(rng, -0.15, 0.15) * size);
    g.closePath();
    g.fill();
  }
  g.restore();
}

function labelPatch(g: G, x: number, y: number, w: number, texts: string[], rng: Rng, size: number): void {
  const h = size * (1.8 * texts.length + 1);
  g.save();
  g.translate(x + w / 2, y + h / 2);
  g.rotate(between(rng, -0.15, 0.15));
  roundRect(g, -w / 2, -h / 2, w, h, size * 0.3, 'rgba(250,250,245,0.92)');
  texts.forEach((t, i) => text(g, t, -w / 2 + size * 0.6, -h / 2 + size * (1.6 + i * 1.8), size, '#222', 'medium', 'left', w - size));
  g.restore();
}

function barcode(g: G, x: number, y: number, w: number, h: number, rng: Rng): void {
  g.fillStyle = '#fff';
  g.fillRect(x - 4, y - 4, w + 8, h + 8);
  let cx = x;
  while (cx < x + w) {
    const bw = between(rng, 1, 4) * (w / 160);
    if (rng.next() < 0.55) {
      g.fillStyle = '#111';
      g.fillRect(cx, y, bw, h);
    }
    cx += bw;
  }
}

/** A courier waybill (面单) stuck on the parcel, printed in black. */
function waybill(g: G, w: number, h: number, texts: string[], rng: Rng): void {
  const lw = w * between(rng, 0.5, 0.8);
  const lh = lw * between(rng, 1.1, 1.5);
  g.save();
  g.translate(w * between(rng, 0.4, 0.6), h * between(rng, 0.4, 0.6));
  g.rotate(between(rng, -0.35, 0.35));
  g.fillStyle = '#f7f7f2';
  g.fillRect(-lw / 2, -lh / 2, lw, lh);
  g.strokeStyle = '#222';
  g.lineWidth = Math.max(1, lw / 250);
  g.strokeRect(-lw / 2 + lw * 0.03, -lh / 2 + lw * 0.03, lw * 0.94, lh - lw * 0.06);
  const size = lw / 16;
  let y = -lh / 2 + size * 2;
  texts.forEach((t, i) => {
    text(g, t, -lw / 2 + lw * 0.07, y, i === 0 ? size * 1.5 : size, '#151515', i === 0 ? 'bold' : 'medium', 'left', lw * 0.86);
    y += (i === 0 ? size * 1.5 : size) * 1.7;
    if (i === 0) {
      barcode(g, -lw / 2 + lw * 0.08, y - size * 0.6, lw * 0.84, size * 2.2, rng);
      y += size * 2.6;
    }
    line(g, -lw / 2 + lw * 0.03, y - size * 0.9, lw / 2 - lw * 0.03, y - size * 0.9, '#444', 1);
  });
  g.restore();
}

// ---------------------------------------------------------------- designed images

const PROMO_COLOURS = ['#ff2d2d', '#ff5000', '#e4007f', '#7b2cff', '#00a862', '#0a66ff', '#111111'];

function heroImage(g: G, w: number, h: number, texts: string[], rng: Rng, promo: boolean): void {
  const hue = rng.next() * 360;
  const bg = pick(rng, ['white', 'gradient', 'scene', 'solid']);
  if (!promo || bg === 'white') {
    g.fillStyle = '#ffffff';
    g.fillRect(0, 0, w, h);
  } else if (bg === 'gradient') {
    g.fillStyle = linear(g, 0, 0, w, h, [hsl(hue, 60, 92), hsl(hue + 40, 55, 75)]);
    g.fillRect(0, 0, w, h);
  } else if (bg === 'scene') {
    surface(g, w, h, rng);
    g.fillStyle = 'rgba(255,255,255,0.25)';
    g.fillRect(0, 0, w, h);
  } else {
    g.fillStyle = hsl(hue, 45, 85);
    g.fillRect(0, 0, w, h);
  }
  const m = Math.min(w, h);
  drawProduct(g, pick(rng, PRODUCT_SHAPES), w * between(rng, 0.42, 0.62), h * between(rng, 0.48, 0.62), m * between(rng, 0.45, 0.7), rng.next() * 360, rng);
  if (!promo) {
    if (texts[0]) text(g, texts[0], w * 0.06, h * 0.08, m / 22, '#333', 'medium');
    return;
  }
  const accent = pick(rng, PROMO_COLOURS);
  const [brand, slogan, point1, point2, price, badge] = [texts[texts.length - 1], texts[0], texts[1], texts[2], texts[3], texts[4]];
  if (brand) text(g, brand, w * 0.05, h * 0.07, m / 20, '#222', 'bold');
  if (slogan) {
    const size = m / between(rng, 8, 11);
    const y = h * between(rng, 0.16, 0.24);
    if (rng.next() < 0.5) {
      g.save();
      setStroke(g, size);
      g.strokeText(slogan, w * 0.05, y);
      g.restore();
    }
    text(g, slogan, w * 0.05, y, size, accent, 'bold', 'left', w * 0.9);
  }
  const pill = (t: string, x: number, y: number) => {
    const size = m / 26;
    const tw = t.length * size + size;
    roundRect(g, x, y - size * 1.2, tw, size * 1.7, size * 0.85, 'rgba(255,255,255,0.85)', accent, 1.5);
    text(g, t, x + size / 2, y, size, '#333', 'medium');
  };
  if (point1) pill(point1, w * 0.05, h * 0.32);
  if (point2) pill(point2, w * 0.05, h * 0.4);
  if (price) {
    // price strip across the bottom, or a round burst
    if (rng.next() < 0.6) {
      g.fillStyle = linear(g, 0, h * 0.84, w, h, [accent, hsl(hue, 80, 45)]);
      g.fillRect(0, h * 0.84, w, h * 0.16);
      text(g, price, w * 0.06, h * 0.94, m / 13, '#fff', 'bold', 'left', w * 0.6);
      if (badge) text(g, badge, w * 0.95, h * 0.935, m / 24, '#fff6c4', 'medium', 'right');
    } else {
      circle(g, w * 0.8, h * 0.78, m * 0.14, accent);
      text(g, price, w * 0.8, h * 0.79, m / 22, '#fff', 'bold', 'center', m * 0.26);
      if (badge) pill(badge, w * 0.05, h * 0.92);
    }
  }
}

function setStroke(g: G, size: number): void {
  g.font = `${size.toFixed(1)}px "KnSc Bold"`;
  g.strokeStyle = '#ffffff';
  g.lineWidth = size / 6;
  g.lineJoin = 'round';
}

function detailPanel(g: G, w: number, h: number, texts: string[], rng: Rng): void {
  const hue = rng.next() * 360;
  g.fillStyle = linear(g, 0, 0, 0, h, [hsl(hue, 25, 96), hsl(hue, 30, 88)]);
  g.fillRect(0, 0, w, h);
  const m = Math.min(w, h);
  const [title, ...rest] = texts;
  if (title) {
    text(g, title, w / 2, h * 0.09, m / 14, hsl(hue, 40, 25), 'bold', 'center', w * 0.9);
    line(g, w * 0.3, h * 0.12, w * 0.7, h * 0.12, hsl(hue, 40, 40), 2);
  }
  drawProduct(g, pick(rng, PRODUCT_SHAPES), w / 2, h * 0.36, m * 0.42, hue, rng);
  let y = h * 0.62;
  for (const t of rest) {
    roundRect(g, w * 0.08, y - m / 22, w * 0.84, m / 11, m / 60, 'rgba(255,255,255,0.75)');
    text(g, t, w * 0.12, y + m / 60, m / 26, '#333', 'medium', 'left', w * 0.76);
    y += m / 8.5;
  }
}

function poster(g: G, w: number, h: number, texts: string[], rng: Rng): void {
  const palette = pick(rng, [['#ff2a2a', '#ff8a00'], ['#c1121f', '#ffd166'], ['#6a00f4', '#ff4d9d'], ['#ff4e00', '#ec9f05']]);
  g.fillStyle = linear(g, 0, 0, w, h, palette);
  g.fillRect(0, 0, w, h);
  for (let i = 0; i < 30; i++) circle(g, rng.next() * w, rng.next() * h, between(rng, 2, w / 12), `rgba(255,240,200,${between(rng, 0.05, 0.25)})`);
  const m = Math.min(w, h);
  const [title, ...rest] = texts;
  if (title) paragraph(g, title, w / 2, h * 0.12, m / 9, '#fff7d6', w * 0.9, 2, 'bold', 1.2, 'center');
  let y = h * 0.42;
  for (const t of rest) {
    roundRect(g, w * 0.1, y - m / 16, w * 0.8, m / 9, m / 18, 'rgba(255,255,255,0.92)');
    text(g, t, w / 2, y + m / 60, m / 20, palette[0], 'bold', 'center', w * 0.75);
    y += m / 6;
  }
}

function sticker(g: G, w: number, h: number, texts: string[], rng: Rng): void {
  g.fillStyle = pick(rng, ['#ffffff', '#fdf6e3', hsl(rng.next() * 360, 50, 90)]);
  g.fillRect(0, 0, w, h);
  const m = Math.min(w, h);
  const cx = w / 2;
  const cy = h * 0.42;
  const r = m * between(rng, 0.22, 0.32);
  const skin = pick(rng, ['#ffd54f', '#ffe0b2', '#ffffff', '#f8bbd0']);
  circle(g, cx, cy, r, skin, '#222', m / 60);
  if (rng.next() < 0.5) {
    // ears: a cat or bear head
    circle(g, cx - r * 0.75, cy - r * 0.8, r * 0.3, skin, '#222', m / 60);
    circle(g, cx + r * 0.75, cy - r * 0.8, r * 0.3, skin, '#222', m / 60);
    circle(g, cx, cy, r, skin);
  }
  circle(g, cx - r * 0.35, cy - r * 0.15, r * 0.09, '#222');
  circle(g, cx + r * 0.35, cy - r * 0.15, r * 0.09, '#222');
  g.beginPath();
  g.arc(cx, cy + r * 0.15, r * 0.35, 0.15 * Math.PI, 0.85 * Math.PI);
  g.strokeStyle = '#222';
  g.lineWidth = m / 60;
  g.stroke();
  circle(g, cx - r * 0.6, cy + r * 0.2, r * 0.12, 'rgba(255,120,120,0.5)');
  circle(g, cx + r * 0.6, cy + r * 0.2, r * 0.12, 'rgba(255,120,120,0.5)');
  const caption = texts[0] ?? '';
  if (caption) {
    const size = Math.min(m / 7, (w * 0.9) / Math.max(1, [...caption].length));
    g.save();
    setStroke(g, size);
    g.textAlign = 'center';
    g.strokeText(caption, w / 2, h * 0.9);
    g.restore();
    text(g, caption, w / 2, h * 0.9, size, '#111', 'bold', 'center');
  }
}

function landscape(g: G, w: number, h: number, rng: Rng): void {
  const dusk = rng.next() < 0.4;
  g.fillStyle = linear(g, 0, 0, 0, h * 0.6, dusk ? ['#2b3a67', '#f08a5d', '#f9d976'] : ['#5b9bd5', '#a9d3f5', '#e8f4fd']);
  g.fillRect(0, 0, w, h);
  circle(g, w * between(rng, 0.2, 0.8), h * between(rng, 0.12, 0.3), Math.min(w, h) * 0.06, dusk ? '#ffd56b' : 'rgba(255,255,240,0.9)');
  for (let layer = 0; layer < 3; layer++) {
    const base = h * (0.45 + layer * 0.12);
    g.beginPath();
    g.moveTo(0, h);
    g.lineTo(0, base);
    for (let x = 0; x <= w; x += w / 12) g.lineTo(x, base - between(rng, 0, h * 0.15));
    g.lineTo(w, h);
    g.closePath();
    g.fillStyle = hsl(dusk ? 260 - layer * 20 : 120 + layer * 15, 25 + layer * 10, 45 - layer * 10);
    g.fill();
  }
  if (rng.next() < 0.4) {
    // a pet in front
    const cx = w * between(rng, 0.3, 0.7);
    const cy = h * 0.8;
    const r = Math.min(w, h) * 0.15;
    const fur = pick(rng, ['#d9a066', '#f2f2f2', '#5a4636', '#9e9e9e']);
    g.fillStyle = fur;
    g.beginPath();
    g.ellipse(cx, cy + r * 0.8, r * 1.1, r * 0.8, 0, 0, Math.PI * 2);
    g.fill();
    circle(g, cx, cy - r * 0.2, r * 0.7, fur);
    circle(g, cx - r * 0.25, cy - r * 0.3, r * 0.09, '#111');
    circle(g, cx + r * 0.25, cy - r * 0.3, r * 0.09, '#111');
  }
}

function qrPoster(g: G, w: number, h: number, texts: string[], rng: Rng): void {
  const hue = rng.next() * 360;
  g.fillStyle = linear(g, 0, 0, 0, h, [hsl(hue, 50, 94), hsl(hue, 45, 80)]);
  g.fillRect(0, 0, w, h);
  const m = Math.min(w, h);
  const size = m * 0.6;
  const x0 = (w - size) / 2;
  const y0 = h * 0.5 - size / 2;
  g.fillStyle = '#fff';
  g.fillRect(x0 - size * 0.05, y0 - size * 0.05, size * 1.1, size * 1.1);
  const n = 29;
  const cell = size / n;
  g.fillStyle = '#111';
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (rng.next() < 0.5) g.fillRect(x0 + c * cell, y0 + r * cell, cell, cell);
  for (const [fr, fc] of [[0, 0], [0, n - 7], [n - 7, 0]]) {
    g.fillStyle = '#fff';
    g.fillRect(x0 + fc * cell, y0 + fr * cell, 7 * cell, 7 * cell);
    g.fillStyle = '#111';
    g.fillRect(x0 + fc * cell, y0 + fr * cell, 7 * cell, 7 * cell);
    g.fillStyle = '#fff';
    g.fillRect(x0 + (fc + 1) * cell, y0 + (fr + 1) * cell, 5 * cell, 5 * cell);
    g.fillStyle = '#111';
    g.fillRect(x0 + (fc + 2) * cell, y0 + (fr + 2) * cell, 3 * cell, 3 * cell);
  }
  if (texts[0]) text(g, texts[0], w / 2, y0 + size * 1.2, m / 16, '#222', 'bold', 'center', w * 0.9);
  if (texts[1]) text(g, texts[1], w / 2, y0 - size * 0.15, m / 14, hsl(hue, 60, 30), 'bold', 'center', w * 0.9);
}

function blank(g: G, w: number, h: number, rng: Rng): void {
  const kind = pick(rng, ['black', 'white', 'blur', 'grey']);
  if (kind === 'blur') {
    for (let i = 0; i < 8; i++) {
      const grad = g.createRadialGradient(rng.next() * w, rng.next() * h, 0, rng.next() * w, rng.next() * h, Math.max(w, h) * 0.6);
      grad.addColorStop(0, hsl(rng.next() * 360, 40, 50, 0.8));
      grad.addColorStop(1, hsl(rng.next() * 360, 40, 50, 0));
      g.fillStyle = grad;
      g.fillRect(0, 0, w, h);
    }
    return;
  }
  g.fillStyle = kind === 'black' ? '#050505' : kind === 'white' ? '#fbfbfb' : '#8a8a8a';
  g.fillRect(0, 0, w, h);
}

function documentPage(g: G, w: number, h: number, texts: string[], rng: Rng): void {
  // A sheet on a desk, photographed slightly rotated.
  surface(g, w, h, rng);
  g.save();
  g.translate(w / 2, h / 2);
  g.rotate(between(rng, -0.08, 0.08));
  const pw = w * 0.88;
  const ph = h * 0.9;
  g.fillStyle = 'rgba(0,0,0,0.25)';
  g.fillRect(-pw / 2 + 8, -ph / 2 + 10, pw, ph);
  g.fillStyle = '#fdfdfb';
  g.fillRect(-pw / 2, -ph / 2, pw, ph);
  const m = Math.min(pw, ph);
  const size = m / 30;
  let y = -ph / 2 + size * 3;
  texts.forEach((t, i) => {
    text(g, t, i === 0 ? 0 : -pw / 2 + size * 2, y, i === 0 ? size * 1.6 : size, i === 0 ? '#8b1a1a' : '#222', i === 0 ? 'bold' : 'regular', i === 0 ? 'center' : 'left', pw - size * 4);
    y += (i === 0 ? size * 1.6 : size) * 2;
  });
  for (let i = 0; i < 8 && y < ph / 2 - size * 3; i++) {
    line(g, -pw / 2 + size * 2, y, -pw / 2 + size * 2 + between(rng, 0.4, 0.9) * (pw - size * 4), y, 'rgba(60,60,60,0.35)', size * 0.5);
    y += size * 1.8;
  }
  // table grid and a red seal
  line(g, -pw / 2 + size, ph * 0.1, pw / 2 - size, ph * 0.1, '#8b1a1a', 1.2);
  line(g, -pw / 2 + size, ph * 0.25, pw / 2 - size, ph * 0.25, '#8b1a1a', 1.2);
  circle(g, pw * 0.25, ph * 0.32, m * 0.09, undefined, 'rgba(220,30,30,0.75)', m / 80);
  const seal = wrapLines(g, '发票专用章', m / 45, m * 0.15, 1);
  if (seal[0]) text(g, seal[0], pw * 0.25, ph * 0.33, m / 45, 'rgba(220,30,30,0.75)', 'bold', 'center');
  g.restore();
  lighting(g, w, h, rng);
}
