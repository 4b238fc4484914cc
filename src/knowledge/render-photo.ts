// Procedural pictures for the labels that are not app screens: camera photos of goods and parcels
// (实物拍摄), designed product head images (商品头图), description panels and posters, and the
// grab-bag of 其他类别图片 (stickers, landscapes, QR posters, blank frames, documents). They do not
// try to look real to a person; they carry the statistics that separate photos from screenshots:
// no status bar, textures, uneven light, sensor noise, soft edges, objects, few large text lines.
import type { Rng } from '../learn/random.js';
import { circle, drawProduct, hsl, icon, line, linear, measure, paragraph, PRODUCT_SHAPES, roundRect, text, wrapLines, type G, type ProductShape, type Weight } from './draw-kit.js';

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
    case 'hero-frame': return heroFrame(g, w, h, p.texts, rng);
    case 'hero-collage': return heroCollage(g, w, h, p.texts, rng);
    case 'hero-points': return heroPoints(g, w, h, p.texts, rng);
    case 'hero-model': return heroModel(g, w, h, p.texts, rng);
    case 'hero-gift': return heroGift(g, w, h, p.texts, rng);
    case 'hero-compare': return heroCompare(g, w, h, p.texts, rng);
    case 'hero-share': return heroShare(g, w, h, p.texts, rng);
    case 'text-card': return textCard(g, w, h, p.texts, rng);
    case 'handwriting': return handwriting(g, w, h, p.texts, rng);
    case 'food': return food(g, w, h, rng);
    case 'person': return person(g, w, h, rng);
    case 'screen-photo': return screenPhoto(g, w, h, p.texts, rng);
    case 'cartoon': return cartoon(g, w, h, p.texts, rng);
    case 'chart': return chart(g, w, h, p.texts, rng);
    case 'card-photo': return cardPhoto(g, w, h, p.texts, rng);
    default: return cameraPhoto(g, w, h, p.scene, p.texts, rng);
  }
}

/** Scenes drawn as camera pictures (sensor noise, uneven light); the others are designed images. */
const PHOTO_CAMERA_SCENES = ['damaged', 'parcel', 'open-box', 'package-print', 'garment', 'in-hand', 'landscape', 'document', 'handwriting', 'food', 'person', 'screen-photo', 'card-photo'];

/** Whether the renderer should add sensor noise and blur (camera pictures). */
export function isCameraScene(scene: string): boolean {
  return PHOTO_CAMERA_SCENES.includes(scene);
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

// ---------------------------------------------------------------- more head images (商品头图)
// Marketplace main images follow a few house styles beyond "product + slogan": a campaign frame
// around the picture (event banner on top, price bar below), a grid of the colours on sale, a
// product beside a column of selling points, a model wearing the item, the item with its gifts,
// an old-vs-new comparison, and the share poster (picture, title, price, QR code).

/** The largest size ≤ size at which s fits in maxWidth. */
function fit(g: G, s: string, size: number, maxWidth: number, weight: Weight = 'bold'): number {
  const w = measure(g, s, size, weight);
  return w > maxWidth ? Math.max(6, size * (maxWidth / w)) : size;
}

/** Centred or left text, shrunk to fit instead of cut. */
function fitted(g: G, s: string, x: number, y: number, size: number, color: string, maxWidth: number, weight: Weight = 'bold', align: 'left' | 'center' | 'right' = 'left'): number {
  const f = fit(g, s, size, maxWidth, weight);
  text(g, s, x, y, f, color, weight, align);
  return f;
}

function studioBackground(g: G, w: number, h: number, hue: number, rng: Rng): void {
  const kind = pick(rng, ['white', 'white', 'soft', 'gradient', 'floor']);
  if (kind === 'white') g.fillStyle = '#ffffff';
  else if (kind === 'soft') g.fillStyle = hsl(hue, 30, 94);
  else if (kind === 'gradient') g.fillStyle = linear(g, 0, 0, 0, h, [hsl(hue, 45, 96), hsl(hue + 30, 50, 80)]);
  else g.fillStyle = linear(g, 0, 0, 0, h, [hsl(hue, 15, 92), hsl(hue, 15, 92), hsl(hue, 20, 78)]);
  g.fillRect(0, 0, w, h);
}

/** A round or star-burst sticker with one to three short lines (爆款, 新品, 限时). */
function burst(g: G, cx: number, cy: number, r: number, lines: string[], fill: string, ink: string, rng: Rng): void {
  if (rng.next() < 0.5) circle(g, cx, cy, r, fill);
  else {
    g.beginPath();
    const spikes = 14;
    for (let i = 0; i <= spikes * 2; i++) {
      const a = (i / (spikes * 2)) * Math.PI * 2;
      const rr = i % 2 ? r * 0.84 : r;
      if (i === 0) g.moveTo(cx + rr * Math.cos(a), cy + rr * Math.sin(a));
      else g.lineTo(cx + rr * Math.cos(a), cy + rr * Math.sin(a));
    }
    g.fillStyle = fill;
    g.fill();
  }
  const size = r / (lines.length > 1 ? 2.6 : 2.1);
  lines.forEach((l, i) => fitted(g, l, cx, cy + size * 0.35 + (i - (lines.length - 1) / 2) * size * 1.25, size, ink, r * 1.5, 'bold', 'center'));
}

function heroFrame(g: G, w: number, h: number, texts: string[], rng: Rng): void {
  const [event = '', price = '', sub = '', badge = '', brand = ''] = texts;
  const hue = rng.next() * 360;
  const frame = pick(rng, [['#e60012', '#ff4d1a'], ['#d4001a', '#ffb400'], ['#7a1cff', '#ff3d8b'], ['#111111', '#c8a063'], ['#ff5000', '#ffb000'], ['#0a5cff', '#00c2ff']]);
  g.fillStyle = linear(g, 0, 0, w, h, frame);
  g.fillRect(0, 0, w, h);
  const m = Math.min(w, h);
  const b = m * between(rng, 0.03, 0.05);
  const top = h * between(rng, 0.12, 0.17);
  const bottom = h * between(rng, 0.17, 0.22);
  const inner = { x: b, y: top, w: w - 2 * b, h: h - top - bottom };
  roundRect(g, inner.x, inner.y, inner.w, inner.h, m * 0.03, '#ffffff');
  g.save();
  g.beginPath();
  g.roundRect(inner.x, inner.y, inner.w, inner.h, m * 0.03);
  g.clip();
  studioBackground(g, w, h, hue, rng);
  drawProduct(g, pick(rng, PRODUCT_SHAPES), w / 2, inner.y + inner.h * 0.52, Math.min(inner.w, inner.h) * between(rng, 0.6, 0.8), rng.next() * 360, rng);
  if (brand) text(g, brand, inner.x + m * 0.03, inner.y + m * 0.06, m / 26, '#333', 'bold');
  g.restore();
  if (event) fitted(g, event, w / 2, top * 0.68, top * 0.5, '#fff6d0', w - 2 * b - m * 0.05, 'bold', 'center');
  // the price bar: a white pill with the price and a line under it
  const py = h - bottom;
  if (price) {
    const f = fitted(g, price, w * 0.06, py + bottom * 0.62, bottom * 0.48, '#fff', w * 0.58);
    if (sub) text(g, sub, w * 0.06, py + bottom * 0.62 + f * 0.75, bottom * 0.2, 'rgba(255,255,255,0.9)', 'medium', 'left', w * 0.58);
  }
  if (badge) {
    const bw = w * 0.3;
    roundRect(g, w - bw - w * 0.05, py + bottom * 0.2, bw, bottom * 0.55, bottom * 0.27, '#fff3c4');
    fitted(g, badge, w - bw / 2 - w * 0.05, py + bottom * 0.57, bottom * 0.28, frame[0], bw * 0.85, 'bold', 'center');
  }
}

function heroCollage(g: G, w: number, h: number, texts: string[], rng: Rng): void {
  const [title = '', ...captions] = texts;
  const hue0 = rng.next() * 360;
  g.fillStyle = rng.next() < 0.6 ? '#ffffff' : hsl(hue0, 25, 95);
  g.fillRect(0, 0, w, h);
  const m = Math.min(w, h);
  const titleH = title ? h * 0.14 : 0;
  if (title) {
    roundRect(g, 0, 0, w, titleH, 0, hsl(hue0, 60, 45));
    fitted(g, title, w / 2, titleH * 0.68, titleH * 0.5, '#fff', w * 0.9, 'bold', 'center');
  }
  const [cols, rows] = pick(rng, [[2, 2], [3, 3], [2, 3], [3, 2]]);
  const gap = m * 0.015;
  const cw = (w - gap * (cols + 1)) / cols;
  const ch = (h - titleH - gap * (rows + 1)) / rows;
  const shape = pick(rng, PRODUCT_SHAPES);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const x = gap + c * (cw + gap);
      const y = titleH + gap + r * (ch + gap);
      roundRect(g, x, y, cw, ch, m * 0.015, hsl(hue0 + i * 7, 15, between(rng, 92, 98)));
      drawProduct(g, shape, x + cw / 2, y + ch * 0.46, Math.min(cw, ch) * 0.62, (hue0 + i * (360 / (cols * rows))) % 360, rng);
      const cap = captions[i % Math.max(1, captions.length)];
      if (cap) fitted(g, cap, x + cw / 2, y + ch * 0.93, Math.min(cw, ch) * 0.1, '#333', cw * 0.9, 'medium', 'center');
    }
  }
}

function heroPoints(g: G, w: number, h: number, texts: string[], rng: Rng): void {
  const [headline = '', ...rest] = texts;
  const brand = rest.length > 3 ? rest.pop()! : '';
  const hue = rng.next() * 360;
  studioBackground(g, w, h, hue, rng);
  const m = Math.min(w, h);
  const accent = pick(rng, PROMO_COLOURS);
  const left = rng.next() < 0.5;
  drawProduct(g, pick(rng, PRODUCT_SHAPES), left ? w * 0.34 : w * 0.66, h * 0.58, m * 0.55, rng.next() * 360, rng);
  if (brand) text(g, brand, w * 0.05, h * 0.07, m / 24, '#333', 'bold');
  if (headline) fitted(g, headline, w / 2, h * 0.18, m / 10, accent, w * 0.9, 'bold', 'center');
  const px = left ? w * 0.64 : w * 0.05;
  rest.slice(0, 4).forEach((t, i) => {
    const y = h * 0.34 + i * h * 0.14;
    circle(g, px + m * 0.045, y, m * 0.045, accent);
    icon(g, pick(rng, ['check', 'star', 'heart', 'bell']), px + m * 0.045, y, m * 0.05, '#fff', Math.max(1.5, m / 250));
    fitted(g, t, px + m * 0.11, y + m * 0.018, m / 22, '#222', w * 0.3, 'bold');
    line(g, px + m * 0.11, y + m * 0.045, px + w * 0.3, y + m * 0.045, hsl(hue, 10, 75), 1);
  });
}

function heroModel(g: G, w: number, h: number, texts: string[], rng: Rng): void {
  const [slogan = '', line2 = '', brand = ''] = texts;
  const hue = rng.next() * 360;
  g.fillStyle = linear(g, 0, 0, w, h, [hsl(hue, 20, between(rng, 80, 93)), hsl(hue + 20, 25, between(rng, 65, 85))]);
  g.fillRect(0, 0, w, h);
  const m = Math.min(w, h);
  const cx = w * between(rng, 0.55, 0.65);
  const skin = hsl(between(rng, 20, 32), between(rng, 35, 50), between(rng, 68, 80));
  const garmentHue = rng.next() * 360;
  const headR = m * 0.07;
  const top = h * 0.12;
  // hair, head, neck, a garment on the torso, arms, legs
  circle(g, cx, top + headR, headR * 1.12, hsl(25, 30, between(rng, 10, 30)));
  circle(g, cx, top + headR * 1.1, headR, skin);
  g.fillStyle = skin;
  g.fillRect(cx - headR * 0.3, top + headR * 1.9, headR * 0.6, headR * 0.6);
  // legs first, the garment over the hips
  g.fillStyle = hsl(220, 25, between(rng, 20, 45));
  g.fillRect(cx - m * 0.13, top + headR * 2.4 + m * 0.35, m * 0.12, h);
  g.fillRect(cx + m * 0.01, top + headR * 2.4 + m * 0.35, m * 0.12, h);
  drawProduct(g, 'tshirt', cx, top + headR * 2.4 + m * 0.2, m * 0.46, garmentHue, rng, false);
  if (slogan) {
    // a vertical or horizontal slogan on the free side
    if (rng.next() < 0.5) [...slogan].slice(0, 8).forEach((ch, i) => text(g, ch, w * 0.14, h * 0.2 + i * m * 0.085, m * 0.07, '#222', 'bold', 'center'));
    else fitted(g, slogan, w * 0.05, h * 0.2, m * 0.08, '#222', w * 0.42);
  }
  if (line2) fitted(g, line2, w * 0.05, h * 0.88, m * 0.04, '#333', w * 0.42, 'medium');
  if (brand) text(g, brand, w * 0.05, h * 0.07, m / 24, '#111', 'bold');
}

function heroGift(g: G, w: number, h: number, texts: string[], rng: Rng): void {
  const [title = '', gift1 = '', gift2 = '', price = ''] = texts;
  const hue = rng.next() * 360;
  studioBackground(g, w, h, hue, rng);
  const m = Math.min(w, h);
  const accent = pick(rng, PROMO_COLOURS);
  if (title) {
    roundRect(g, w * 0.06, h * 0.05, w * 0.88, h * 0.12, h * 0.06, accent);
    fitted(g, title, w / 2, h * 0.135, h * 0.065, '#fff', w * 0.8, 'bold', 'center');
  }
  drawProduct(g, pick(rng, PRODUCT_SHAPES), w * 0.32, h * 0.5, m * 0.4, rng.next() * 360, rng);
  text(g, '+', w * 0.57, h * 0.53, m * 0.1, accent, 'bold', 'center');
  const gifts = [gift1, gift2].filter(Boolean);
  gifts.forEach((t, i) => {
    const gy = h * (gifts.length === 1 ? 0.48 : 0.36 + i * 0.26);
    drawProduct(g, pick(rng, PRODUCT_SHAPES), w * 0.78, gy, m * 0.18, rng.next() * 360, rng);
    roundRect(g, w * 0.64, gy + m * 0.1, w * 0.3, m * 0.055, m * 0.027, 'rgba(255,255,255,0.92)', accent, 1.5);
    fitted(g, t, w * 0.79, gy + m * 0.14, m * 0.032, accent, w * 0.27, 'bold', 'center');
  });
  if (price) burst(g, w * 0.2, h * 0.82, m * 0.13, [price], accent, '#fff', rng);
}

function heroCompare(g: G, w: number, h: number, texts: string[], rng: Rng): void {
  const [headline = '', leftLabel = '', rightLabel = '', point = ''] = texts;
  const m = Math.min(w, h);
  const hue = rng.next() * 360;
  g.fillStyle = '#e9e9e9';
  g.fillRect(0, 0, w / 2, h);
  g.fillStyle = linear(g, w / 2, 0, w, h, [hsl(hue, 55, 92), hsl(hue, 55, 78)]);
  g.fillRect(w / 2, 0, w / 2, h);
  const shape = pick(rng, PRODUCT_SHAPES);
  drawProduct(g, shape, w * 0.25, h * 0.55, m * 0.32, 0, rng);
  g.fillStyle = 'rgba(200,200,200,0.45)';
  g.fillRect(0, 0, w / 2, h);
  drawProduct(g, shape, w * 0.75, h * 0.55, m * 0.4, hue, rng);
  circle(g, w / 2, h * 0.55, m * 0.07, '#ff2d2d', '#fff', m / 120);
  text(g, 'VS', w / 2, h * 0.57, m * 0.05, '#fff', 'bold', 'center');
  if (headline) fitted(g, headline, w / 2, h * 0.13, m * 0.075, '#222', w * 0.9, 'bold', 'center');
  if (leftLabel) fitted(g, leftLabel, w * 0.25, h * 0.86, m * 0.045, '#777', w * 0.4, 'medium', 'center');
  if (rightLabel) fitted(g, rightLabel, w * 0.75, h * 0.86, m * 0.05, hsl(hue, 70, 35), w * 0.4, 'bold', 'center');
  if (point) fitted(g, point, w * 0.75, h * 0.93, m * 0.035, '#333', w * 0.42, 'medium', 'center');
}

/** The picture a shopper shares out of the app: main image, title, price, a QR code. */
function heroShare(g: G, w: number, h: number, texts: string[], rng: Rng): void {
  const [title = '', price = '', qr = '', brand = ''] = texts;
  g.fillStyle = '#ffffff';
  g.fillRect(0, 0, w, h);
  const m = Math.min(w, h);
  const imgH = Math.min(w, h * 0.66);
  g.save();
  g.beginPath();
  g.rect(0, 0, w, imgH);
  g.clip();
  heroImage(g, w, imgH, [title.slice(0, 6), '', '', '', '', brand], rng, rng.next() < 0.5);
  g.restore();
  const y = imgH + m * 0.03;
  paragraph(g, title, w * 0.05, y, m * 0.038, '#222', w * 0.58, 2, 'medium');
  if (price) fitted(g, price, w * 0.05, y + m * 0.19, m * 0.06, '#ff2d2d', w * 0.58);
  const qs = Math.min(w * 0.28, h - imgH - m * 0.1);
  const qx = w - qs - w * 0.05;
  const qy = imgH + (h - imgH - qs) / 2 - m * 0.015;
  qrCode(g, qx, qy, qs, rng);
  if (qr) fitted(g, qr, qx + qs / 2, qy + qs + m * 0.035, m * 0.025, '#888', qs * 1.2, 'regular', 'center');
}

function qrCode(g: G, x0: number, y0: number, size: number, rng: Rng): void {
  const n = 25;
  const cell = size / n;
  g.fillStyle = '#fff';
  g.fillRect(x0, y0, size, size);
  g.fillStyle = '#111';
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (rng.next() < 0.5) g.fillRect(x0 + c * cell, y0 + r * cell, cell, cell);
  for (const [fr, fc] of [[0, 0], [0, n - 7], [n - 7, 0]]) {
    g.fillStyle = '#111';
    g.fillRect(x0 + fc * cell, y0 + fr * cell, 7 * cell, 7 * cell);
    g.fillStyle = '#fff';
    g.fillRect(x0 + (fc + 1) * cell, y0 + (fr + 1) * cell, 5 * cell, 5 * cell);
    g.fillStyle = '#111';
    g.fillRect(x0 + (fc + 2) * cell, y0 + (fr + 2) * cell, 3 * cell, 3 * cell);
  }
}

// ---------------------------------------------------------------- more other pictures (其他类别图片)

/** A picture made of words: a quote or notice typed on a plain or gradient card. */
function textCard(g: G, w: number, h: number, texts: string[], rng: Rng): void {
  const hue = rng.next() * 360;
  const dark = rng.next() < 0.3;
  g.fillStyle = dark ? hsl(hue, 25, 15) : rng.next() < 0.5 ? '#ffffff' : linear(g, 0, 0, w, h, [hsl(hue, 40, 92), hsl(hue + 50, 40, 85)]);
  g.fillRect(0, 0, w, h);
  const m = Math.min(w, h);
  const ink = dark ? '#f2f2f2' : '#222';
  const size = m / between(rng, 14, 20);
  let y = h * between(rng, 0.15, 0.3);
  texts.forEach((t, i) => {
    y += paragraph(g, t, i === 0 ? w / 2 : w * 0.08, y, i === 0 ? size * 1.2 : size, ink, w * 0.84, 4, i === 0 ? 'bold' : 'regular', 1.6, i === 0 ? 'center' : 'left') + size * 0.8;
  });
}

/** Hand-written notes on paper or a sticky note, photographed. */
function handwriting(g: G, w: number, h: number, texts: string[], rng: Rng): void {
  surface(g, w, h, rng);
  const m = Math.min(w, h);
  g.save();
  g.translate(w / 2, h / 2);
  g.rotate(between(rng, -0.12, 0.12));
  const sticky = rng.next() < 0.4;
  const pw = sticky ? m * 0.75 : w * 0.85;
  const ph = sticky ? m * 0.75 : h * 0.85;
  g.fillStyle = sticky ? pick(rng, ['#fff27a', '#ffc8dd', '#bde0fe', '#caffbf']) : '#fbfbf6';
  g.fillRect(-pw / 2, -ph / 2, pw, ph);
  if (!sticky) for (let y = -ph / 2 + ph * 0.1; y < ph / 2; y += ph / 18) line(g, -pw / 2, y, pw / 2, y, 'rgba(80,120,200,0.25)', 1);
  const ink = pick(rng, ['#1a2a6c', '#111111', '#3a3a3a', '#8b1a1a']);
  const size = m / between(rng, 14, 20);
  let y = -ph / 2 + size * 2;
  for (const t of texts) {
    // jitter every character: a hand, not a font
    let x = -pw / 2 + size;
    for (const ch of t) {
      if (x > pw / 2 - size) break;
      g.save();
      g.translate(x, y + between(rng, -size * 0.08, size * 0.08));
      g.rotate(between(rng, -0.12, 0.12));
      text(g, ch, 0, 0, size * between(rng, 0.9, 1.1), ink, 'light');
      g.restore();
      x += size * between(rng, 0.95, 1.15);
    }
    y += size * 1.9;
  }
  for (let i = 0; i < 3; i++) {
    // doodles and crossings-out
    g.beginPath();
    g.moveTo(between(rng, -pw / 2, pw / 3), between(rng, 0, ph / 2.5));
    for (let j = 0; j < 6; j++) g.lineTo(between(rng, -pw / 2, pw / 2), between(rng, 0, ph / 2.5));
    g.strokeStyle = ink;
    g.lineWidth = Math.max(1, m / 300);
    g.globalAlpha = 0.5;
    g.stroke();
    g.globalAlpha = 1;
  }
  g.restore();
  lighting(g, w, h, rng);
}

function food(g: G, w: number, h: number, rng: Rng): void {
  surface(g, w, h, rng);
  const m = Math.min(w, h);
  const cx = w * between(rng, 0.4, 0.6);
  const cy = h * between(rng, 0.4, 0.6);
  const r = m * between(rng, 0.3, 0.42);
  circle(g, cx + r * 0.05, cy + r * 0.08, r, 'rgba(0,0,0,0.2)');
  circle(g, cx, cy, r, '#f7f7f2', '#dcdcd4', m / 150);
  circle(g, cx, cy, r * 0.75, '#ffffff');
  const n = 6 + rng.int(14);
  for (let i = 0; i < n; i++) {
    const a = rng.next() * Math.PI * 2;
    const d = rng.next() * r * 0.55;
    g.fillStyle = hsl(pick(rng, [10, 25, 40, 90, 120, 0]), between(rng, 40, 75), between(rng, 30, 60));
    g.beginPath();
    g.ellipse(cx + d * Math.cos(a), cy + d * Math.sin(a), r * between(rng, 0.08, 0.2), r * between(rng, 0.06, 0.14), rng.next() * 3, 0, Math.PI * 2);
    g.fill();
  }
  if (rng.next() < 0.6) {
    // chopsticks or a cup beside the plate
    line(g, cx + r * 1.1, cy - r * 0.8, cx + r * 1.25, cy + r * 0.9, '#8b5a2b', m / 60);
    line(g, cx + r * 1.2, cy - r * 0.8, cx + r * 1.35, cy + r * 0.9, '#8b5a2b', m / 60);
  }
  lighting(g, w, h, rng);
}

/** A selfie or a snapshot of someone: head and shoulders against a room or the sky. */
function person(g: G, w: number, h: number, rng: Rng): void {
  if (rng.next() < 0.5) surface(g, w, h, rng);
  else {
    g.fillStyle = linear(g, 0, 0, 0, h, ['#7fb3e6', '#d8ecfb']);
    g.fillRect(0, 0, w, h);
  }
  const m = Math.min(w, h);
  const cx = w * between(rng, 0.4, 0.6);
  const headR = m * between(rng, 0.14, 0.22);
  const cy = h * between(rng, 0.35, 0.5);
  const skin = hsl(between(rng, 20, 32), between(rng, 35, 55), between(rng, 62, 80));
  g.fillStyle = hsl(rng.next() * 360, between(rng, 20, 60), between(rng, 25, 60));
  g.beginPath();
  g.ellipse(cx, cy + headR * 2.6, headR * 2.1, headR * 1.5, 0, Math.PI, 0);
  g.fillRect(cx - headR * 2.1, cy + headR * 2.6, headR * 4.2, h);
  g.fill();
  g.fillStyle = skin;
  g.fillRect(cx - headR * 0.35, cy + headR * 0.8, headR * 0.7, headR);
  circle(g, cx, cy - headR * 0.12, headR * 1.08, hsl(25, 30, between(rng, 8, 30)));
  g.fillStyle = skin;
  g.beginPath();
  g.ellipse(cx, cy + headR * 0.05, headR * 0.85, headR, 0, 0, Math.PI * 2);
  g.fill();
  circle(g, cx - headR * 0.32, cy, headR * 0.08, '#222');
  circle(g, cx + headR * 0.32, cy, headR * 0.08, '#222');
  g.beginPath();
  g.arc(cx, cy + headR * 0.35, headR * 0.3, 0.2 * Math.PI, 0.8 * Math.PI);
  g.strokeStyle = '#8a3b3b';
  g.lineWidth = m / 200;
  g.stroke();
  lighting(g, w, h, rng);
}

/** A phone photo of a computer or TV screen: bright rectangle, blurred UI, moiré bands. */
function screenPhoto(g: G, w: number, h: number, texts: string[], rng: Rng): void {
  surface(g, w, h, rng);
  const m = Math.min(w, h);
  g.save();
  g.translate(w / 2, h / 2);
  g.rotate(between(rng, -0.1, 0.1));
  const sw = w * 0.95;
  const sh = h * between(rng, 0.6, 0.85);
  roundRect(g, -sw / 2 - m * 0.02, -sh / 2 - m * 0.02, sw + m * 0.04, sh + m * 0.04, m * 0.02, '#111');
  g.fillStyle = '#f4f6fa';
  g.fillRect(-sw / 2, -sh / 2, sw, sh);
  g.fillStyle = hsl(rng.next() * 360, 50, 50);
  g.fillRect(-sw / 2, -sh / 2, sw, sh * 0.08);
  let y = -sh / 2 + sh * 0.16;
  const size = m / 32;
  for (const t of texts) {
    text(g, t, -sw / 2 + sw * 0.05, y, size, '#333', 'regular', 'left', sw * 0.9);
    y += size * 1.9;
  }
  for (let i = 0; i < 10 && y < sh / 2 - size; i++) {
    g.fillStyle = 'rgba(120,120,130,0.35)';
    g.fillRect(-sw / 2 + sw * 0.05, y - size * 0.6, sw * between(rng, 0.3, 0.85), size * 0.7);
    y += size * 1.7;
  }
  // moiré: fine interfering bands over the screen
  for (let x = -sw / 2; x < sw / 2; x += m / between(rng, 60, 110)) line(g, x, -sh / 2, x + sh * 0.3, sh / 2, 'rgba(140,60,200,0.06)', m / 200);
  g.restore();
  lighting(g, w, h, rng);
}

/** A flat illustration: shapes, a character, stars, an optional caption. */
function cartoon(g: G, w: number, h: number, texts: string[], rng: Rng): void {
  const hue = rng.next() * 360;
  g.fillStyle = linear(g, 0, 0, w, h, [hsl(hue, 60, 85), hsl(hue + 60, 60, 75)]);
  g.fillRect(0, 0, w, h);
  const m = Math.min(w, h);
  for (let i = 0; i < 12; i++) circle(g, rng.next() * w, rng.next() * h, m * between(rng, 0.01, 0.08), hsl(hue + between(rng, 90, 270), 70, between(rng, 60, 90), 0.7));
  const cx = w / 2;
  const cy = h * 0.5;
  const body = hsl(hue + 180, 60, 60);
  g.fillStyle = body;
  g.beginPath();
  g.ellipse(cx, cy + m * 0.12, m * 0.18, m * 0.22, 0, 0, Math.PI * 2);
  g.fill();
  circle(g, cx, cy - m * 0.12, m * 0.14, body);
  circle(g, cx - m * 0.05, cy - m * 0.14, m * 0.03, '#fff');
  circle(g, cx + m * 0.05, cy - m * 0.14, m * 0.03, '#fff');
  circle(g, cx - m * 0.05, cy - m * 0.14, m * 0.014, '#111');
  circle(g, cx + m * 0.05, cy - m * 0.14, m * 0.014, '#111');
  if (texts[0]) {
    const size = fit(g, texts[0], m / 9, w * 0.9);
    g.save();
    setStroke(g, size);
    g.textAlign = 'center';
    g.strokeText(texts[0], w / 2, h * 0.9);
    g.restore();
    text(g, texts[0], w / 2, h * 0.9, size, hsl(hue + 180, 70, 30), 'bold', 'center');
  }
}

/** A chart cut out of a report or an app: bars or a line, axes, a title. */
function chart(g: G, w: number, h: number, texts: string[], rng: Rng): void {
  const [title = '', ...labels] = texts;
  g.fillStyle = '#ffffff';
  g.fillRect(0, 0, w, h);
  const m = Math.min(w, h);
  if (title) fitted(g, title, w / 2, h * 0.1, m / 18, '#222', w * 0.9, 'bold', 'center');
  const x0 = w * 0.12;
  const y0 = h * 0.82;
  const cw = w * 0.8;
  const ch = h * 0.6;
  line(g, x0, y0, x0 + cw, y0, '#888', 1.5);
  line(g, x0, y0, x0, y0 - ch, '#888', 1.5);
  for (let i = 1; i <= 4; i++) line(g, x0, y0 - (ch * i) / 4, x0 + cw, y0 - (ch * i) / 4, '#eee', 1);
  const n = Math.max(4, Math.min(8, labels.length || 6));
  const colour = hsl(rng.next() * 360, 65, 50);
  const bars = rng.next() < 0.5;
  g.beginPath();
  for (let i = 0; i < n; i++) {
    const v = between(rng, 0.15, 0.95) * ch;
    const x = x0 + (cw * (i + 0.5)) / n;
    if (bars) {
      g.fillStyle = colour;
      g.fillRect(x - cw / n / 3, y0 - v, (cw / n) * 0.66, v);
    } else if (i === 0) g.moveTo(x, y0 - v);
    else g.lineTo(x, y0 - v);
    const l = labels[i % Math.max(1, labels.length)];
    if (l) fitted(g, l, x, y0 + m * 0.05, m / 32, '#666', cw / n, 'regular', 'center');
  }
  if (!bars) {
    g.strokeStyle = colour;
    g.lineWidth = m / 150;
    g.stroke();
  }
}

/** A card photographed on a table: membership, bank or transport card, an ID with masked fields. */
function cardPhoto(g: G, w: number, h: number, texts: string[], rng: Rng): void {
  surface(g, w, h, rng);
  const m = Math.min(w, h);
  g.save();
  g.translate(w / 2, h / 2);
  g.rotate(between(rng, -0.25, 0.25));
  const cw = Math.min(w * 0.85, h * 1.2);
  const ch = cw * 0.63;
  g.fillStyle = 'rgba(0,0,0,0.25)';
  g.beginPath();
  g.roundRect(-cw / 2 + 6, -ch / 2 + 8, cw, ch, cw * 0.04);
  g.fill();
  const hue = rng.next() * 360;
  roundRect(g, -cw / 2, -ch / 2, cw, ch, cw * 0.04, linear(g, -cw / 2, -ch / 2, cw / 2, ch / 2, [hsl(hue, 45, 65), hsl(hue + 40, 50, 40)]));
  const size = cw / 22;
  texts.forEach((t, i) => text(g, t, -cw / 2 + cw * 0.07, -ch / 2 + ch * 0.2 + i * size * 1.9, i === 0 ? size * 1.3 : size, '#ffffff', i === 0 ? 'bold' : 'medium', 'left', cw * 0.86));
  roundRect(g, -cw / 2 + cw * 0.07, ch * 0.1, cw * 0.13, ch * 0.16, cw * 0.015, '#e6c36a');
  g.restore();
  lighting(g, w, h, rng);
  void m;
}
