// Drawing primitives shared by the screenshot and photo renderers: fonts, text with ellipsis and
// wrapping, rounded shapes, simple icons and procedurally drawn products (box, bottle, garment,
// shoe...), so thumbnails, head images and photos show objects rather than flat rectangles.
import { createRequire } from 'node:module';
import path from 'node:path';
import { GlobalFonts, type SKRSContext2D } from '@napi-rs/canvas';
import type { Rng } from '../learn/random.js';

export type G = SKRSContext2D;
export type Weight = 'light' | 'regular' | 'medium' | 'bold';

const FAMILY: Record<Weight, string> = { light: 'KnSc Light', regular: 'KnSc Regular', medium: 'KnSc Medium', bold: 'KnSc Bold' };
let fontsReady = false;

/** Registers Noto Sans SC (from @embedpdf/fonts-sc) in four weights, once per process. */
export function ensureFonts(): void {
  if (fontsReady) return;
  const require = createRequire(import.meta.url);
  // The package exports only its JS entry (dist/index.*); the .otf files sit in fonts/ beside dist/.
  const dir = path.join(path.dirname(require.resolve('@embedpdf/fonts-sc')), '..', 'fonts');
  const files: Record<Weight, string> = { light: 'NotoSansHans-Light.otf', regular: 'NotoSansHans-Regular.otf', medium: 'NotoSansHans-Medium.otf', bold: 'NotoSansHans-Bold.otf' };
  for (const w of Object.keys(files) as Weight[]) GlobalFonts.registerFromPath(path.join(dir, files[w]), FAMILY[w]);
  fontsReady = true;
}

export function setFont(g: G, size: number, weight: Weight = 'regular'): void {
  g.font = `${size.toFixed(2)}px "${FAMILY[weight]}"`;
}

/** One line, cut with … to fit maxWidth; returns the drawn width. */
export function text(g: G, s: string, x: number, y: number, size: number, color: string, weight: Weight = 'regular', align: 'left' | 'center' | 'right' = 'left', maxWidth = Infinity): number {
  setFont(g, size, weight);
  let t = s;
  if (g.measureText(t).width > maxWidth) {
    const chars = [...t];
    while (chars.length > 1 && g.measureText(`${chars.join('')}…`).width > maxWidth) chars.pop();
    t = `${chars.join('')}…`;
  }
  g.fillStyle = color;
  g.textAlign = align;
  g.textBaseline = 'alphabetic';
  g.fillText(t, x, y);
  g.textAlign = 'left';
  return g.measureText(t).width;
}

export function measure(g: G, s: string, size: number, weight: Weight = 'regular'): number {
  setFont(g, size, weight);
  return g.measureText(s).width;
}

/** Breaks text into lines of at most maxWidth (by character: Chinese has no spaces). */
export function wrapLines(g: G, s: string, size: number, maxWidth: number, maxLines: number, weight: Weight = 'regular'): string[] {
  setFont(g, size, weight);
  const lines: string[] = [];
  let line = '';
  for (const ch of s) {
    if (g.measureText(line + ch).width > maxWidth && line !== '') {
      lines.push(line);
      line = ch;
      if (lines.length === maxLines) break;
    } else line += ch;
  }
  if (lines.length < maxLines && line) lines.push(line);
  else if (lines.length === maxLines && line) {
    // Text was cut: mark the last line.
    const last = [...lines[maxLines - 1]];
    while (last.length > 1 && g.measureText(`${last.join('')}…`).width > maxWidth) last.pop();
    lines[maxLines - 1] = `${last.join('')}…`;
  }
  return lines;
}

/** Draws wrapped text; returns the height used. */
export function paragraph(g: G, s: string, x: number, y: number, size: number, color: string, maxWidth: number, maxLines = 3, weight: Weight = 'regular', lineHeight = 1.45, align: 'left' | 'center' | 'right' = 'left'): number {
  const lines = wrapLines(g, s, size, maxWidth, maxLines, weight);
  lines.forEach((l, i) => text(g, l, x, y + size + i * size * lineHeight, size, color, weight, align));
  return lines.length ? size * 0.3 + lines.length * size * lineHeight : 0;
}

export function roundRect(g: G, x: number, y: number, w: number, h: number, r: number | number[], fill?: string | CanvasGradientLike, stroke?: string, lineWidth = 1): void {
  g.beginPath();
  g.roundRect(x, y, w, h, r);
  if (fill) {
    g.fillStyle = fill as string;
    g.fill();
  }
  if (stroke) {
    g.strokeStyle = stroke;
    g.lineWidth = lineWidth;
    g.stroke();
  }
}

// Gradients are passed through as fill styles; the canvas type is opaque here.
export type CanvasGradientLike = ReturnType<G['createLinearGradient']>;

export function linear(g: G, x0: number, y0: number, x1: number, y1: number, stops: string[]): CanvasGradientLike {
  const grad = g.createLinearGradient(x0, y0, x1, y1);
  stops.forEach((c, i) => grad.addColorStop(stops.length === 1 ? 0 : i / (stops.length - 1), c));
  return grad;
}

export function circle(g: G, cx: number, cy: number, r: number, fill?: string, stroke?: string, lineWidth = 1): void {
  g.beginPath();
  g.arc(cx, cy, r, 0, Math.PI * 2);
  if (fill) {
    g.fillStyle = fill;
    g.fill();
  }
  if (stroke) {
    g.strokeStyle = stroke;
    g.lineWidth = lineWidth;
    g.stroke();
  }
}

export function line(g: G, x0: number, y0: number, x1: number, y1: number, color: string, width = 1, dash?: number[]): void {
  g.beginPath();
  g.setLineDash(dash ?? []);
  g.moveTo(x0, y0);
  g.lineTo(x1, y1);
  g.strokeStyle = color;
  g.lineWidth = width;
  g.stroke();
  g.setLineDash([]);
}

export function chevron(g: G, x: number, y: number, size: number, color: string, dir: 'left' | 'right' | 'down' = 'left', width = 2): void {
  g.beginPath();
  if (dir === 'left') {
    g.moveTo(x + size / 2, y - size);
    g.lineTo(x - size / 2, y);
    g.lineTo(x + size / 2, y + size);
  } else if (dir === 'right') {
    g.moveTo(x - size / 2, y - size);
    g.lineTo(x + size / 2, y);
    g.lineTo(x - size / 2, y + size);
  } else {
    g.moveTo(x - size, y - size / 2);
    g.lineTo(x, y + size / 2);
    g.lineTo(x + size, y - size / 2);
  }
  g.strokeStyle = color;
  g.lineWidth = width;
  g.lineCap = 'round';
  g.lineJoin = 'round';
  g.stroke();
}

/** A small line icon from a name (the apps' tab bars and toolbars use such glyphs). */
export function icon(g: G, name: string, cx: number, cy: number, size: number, color: string, lineWidth = 1.6): void {
  const s = size / 2;
  g.save();
  g.strokeStyle = color;
  g.fillStyle = color;
  g.lineWidth = lineWidth;
  g.lineCap = 'round';
  g.lineJoin = 'round';
  g.beginPath();
  switch (name) {
    case 'dots':
      for (const dx of [-s * 0.7, 0, s * 0.7]) {
        g.moveTo(cx + dx + 1.6, cy);
        g.arc(cx + dx, cy, 1.6, 0, Math.PI * 2);
      }
      g.fill();
      break;
    case 'search':
      g.arc(cx - s * 0.15, cy - s * 0.15, s * 0.6, 0, Math.PI * 2);
      g.moveTo(cx + s * 0.3, cy + s * 0.3);
      g.lineTo(cx + s * 0.85, cy + s * 0.85);
      g.stroke();
      break;
    case 'cart':
      g.moveTo(cx - s, cy - s * 0.8);
      g.lineTo(cx - s * 0.6, cy - s * 0.8);
      g.lineTo(cx - s * 0.3, cy + s * 0.4);
      g.lineTo(cx + s * 0.8, cy + s * 0.4);
      g.lineTo(cx + s, cy - s * 0.4);
      g.lineTo(cx - s * 0.45, cy - s * 0.4);
      g.stroke();
      g.beginPath();
      g.arc(cx - s * 0.2, cy + s * 0.8, s * 0.14, 0, Math.PI * 2);
      g.arc(cx + s * 0.6, cy + s * 0.8, s * 0.14, 0, Math.PI * 2);
      g.fill();
      break;
    case 'share':
      g.moveTo(cx - s * 0.8, cy + s * 0.1);
      g.lineTo(cx - s * 0.8, cy + s * 0.8);
      g.lineTo(cx + s * 0.8, cy + s * 0.8);
      g.lineTo(cx + s * 0.8, cy + s * 0.1);
      g.moveTo(cx, cy + s * 0.3);
      g.lineTo(cx, cy - s * 0.9);
      g.moveTo(cx - s * 0.4, cy - s * 0.5);
      g.lineTo(cx, cy - s * 0.9);
      g.lineTo(cx + s * 0.4, cy - s * 0.5);
      g.stroke();
      break;
    case 'home':
      g.moveTo(cx - s * 0.9, cy - s * 0.05);
      g.lineTo(cx, cy - s * 0.85);
      g.lineTo(cx + s * 0.9, cy - s * 0.05);
      g.moveTo(cx - s * 0.65, cy - s * 0.25);
      g.lineTo(cx - s * 0.65, cy + s * 0.85);
      g.lineTo(cx + s * 0.65, cy + s * 0.85);
      g.lineTo(cx + s * 0.65, cy - s * 0.25);
      g.stroke();
      break;
    case 'chat':
      g.roundRect(cx - s * 0.9, cy - s * 0.75, s * 1.8, s * 1.3, s * 0.35);
      g.moveTo(cx - s * 0.3, cy + s * 0.55);
      g.lineTo(cx - s * 0.55, cy + s * 0.95);
      g.lineTo(cx + s * 0.1, cy + s * 0.55);
      g.stroke();
      break;
    case 'user':
      g.arc(cx, cy - s * 0.35, s * 0.42, 0, Math.PI * 2);
      g.moveTo(cx - s * 0.85, cy + s * 0.9);
      g.quadraticCurveTo(cx, cy - s * 0.1, cx + s * 0.85, cy + s * 0.9);
      g.stroke();
      break;
    case 'shop':
      g.moveTo(cx - s * 0.9, cy - s * 0.3);
      g.lineTo(cx - s * 0.7, cy - s * 0.85);
      g.lineTo(cx + s * 0.7, cy - s * 0.85);
      g.lineTo(cx + s * 0.9, cy - s * 0.3);
      g.closePath();
      g.moveTo(cx - s * 0.75, cy - s * 0.3);
      g.lineTo(cx - s * 0.75, cy + s * 0.85);
      g.lineTo(cx + s * 0.75, cy + s * 0.85);
      g.lineTo(cx + s * 0.75, cy - s * 0.3);
      g.stroke();
      break;
    case 'star':
      for (let i = 0; i < 10; i++) {
        const r = i % 2 === 0 ? s : s * 0.45;
        const a = -Math.PI / 2 + (i * Math.PI) / 5;
        if (i === 0) g.moveTo(cx + r * Math.cos(a), cy + r * Math.sin(a));
        else g.lineTo(cx + r * Math.cos(a), cy + r * Math.sin(a));
      }
      g.closePath();
      g.stroke();
      break;
    case 'truck':
      g.rect(cx - s * 0.95, cy - s * 0.55, s * 1.1, s * 1.0);
      g.moveTo(cx + s * 0.15, cy - s * 0.2);
      g.lineTo(cx + s * 0.6, cy - s * 0.2);
      g.lineTo(cx + s * 0.95, cy + s * 0.15);
      g.lineTo(cx + s * 0.95, cy + s * 0.45);
      g.lineTo(cx + s * 0.15, cy + s * 0.45);
      g.stroke();
      g.beginPath();
      g.arc(cx - s * 0.5, cy + s * 0.6, s * 0.2, 0, Math.PI * 2);
      g.arc(cx + s * 0.55, cy + s * 0.6, s * 0.2, 0, Math.PI * 2);
      g.fill();
      break;
    case 'pin':
      g.moveTo(cx, cy + s * 0.95);
      g.bezierCurveTo(cx - s * 1.1, cy - s * 0.1, cx - s * 0.6, cy - s * 1.0, cx, cy - s * 0.95);
      g.bezierCurveTo(cx + s * 0.6, cy - s * 1.0, cx + s * 1.1, cy - s * 0.1, cx, cy + s * 0.95);
      g.moveTo(cx + s * 0.3, cy - s * 0.3);
      g.arc(cx, cy - s * 0.3, s * 0.3, 0, Math.PI * 2);
      g.stroke();
      break;
    case 'camera':
      g.roundRect(cx - s * 0.9, cy - s * 0.55, s * 1.8, s * 1.3, s * 0.2);
      g.moveTo(cx - s * 0.35, cy - s * 0.55);
      g.lineTo(cx - s * 0.2, cy - s * 0.8);
      g.lineTo(cx + s * 0.2, cy - s * 0.8);
      g.lineTo(cx + s * 0.35, cy - s * 0.55);
      g.moveTo(cx + s * 0.38, cy + s * 0.1);
      g.arc(cx, cy + s * 0.1, s * 0.38, 0, Math.PI * 2);
      g.stroke();
      break;
    case 'heart':
      g.moveTo(cx, cy + s * 0.85);
      g.bezierCurveTo(cx - s * 1.3, cy - s * 0.1, cx - s * 0.6, cy - s * 1.1, cx, cy - s * 0.4);
      g.bezierCurveTo(cx + s * 0.6, cy - s * 1.1, cx + s * 1.3, cy - s * 0.1, cx, cy + s * 0.85);
      g.stroke();
      break;
    case 'plus':
      g.arc(cx, cy, s * 0.9, 0, Math.PI * 2);
      g.moveTo(cx - s * 0.45, cy);
      g.lineTo(cx + s * 0.45, cy);
      g.moveTo(cx, cy - s * 0.45);
      g.lineTo(cx, cy + s * 0.45);
      g.stroke();
      break;
    case 'smile':
      g.arc(cx, cy, s * 0.9, 0, Math.PI * 2);
      g.moveTo(cx + s * 0.45, cy + s * 0.15);
      g.arc(cx, cy + s * 0.15, s * 0.45, 0, Math.PI);
      g.stroke();
      g.beginPath();
      g.arc(cx - s * 0.32, cy - s * 0.25, s * 0.1, 0, Math.PI * 2);
      g.arc(cx + s * 0.32, cy - s * 0.25, s * 0.1, 0, Math.PI * 2);
      g.fill();
      break;
    case 'mic':
      g.roundRect(cx - s * 0.3, cy - s * 0.9, s * 0.6, s * 1.2, s * 0.3);
      g.moveTo(cx - s * 0.65, cy - s * 0.05);
      g.quadraticCurveTo(cx, cy + s * 0.9, cx + s * 0.65, cy - s * 0.05);
      g.moveTo(cx, cy + s * 0.45);
      g.lineTo(cx, cy + s * 0.9);
      g.stroke();
      break;
    case 'close':
      g.moveTo(cx - s * 0.6, cy - s * 0.6);
      g.lineTo(cx + s * 0.6, cy + s * 0.6);
      g.moveTo(cx + s * 0.6, cy - s * 0.6);
      g.lineTo(cx - s * 0.6, cy + s * 0.6);
      g.stroke();
      break;
    case 'check':
      g.moveTo(cx - s * 0.55, cy);
      g.lineTo(cx - s * 0.1, cy + s * 0.45);
      g.lineTo(cx + s * 0.6, cy - s * 0.45);
      g.stroke();
      break;
    case 'bell':
      g.moveTo(cx - s * 0.75, cy + s * 0.5);
      g.quadraticCurveTo(cx - s * 0.6, cy - s * 0.9, cx, cy - s * 0.85);
      g.quadraticCurveTo(cx + s * 0.6, cy - s * 0.9, cx + s * 0.75, cy + s * 0.5);
      g.closePath();
      g.moveTo(cx - s * 0.2, cy + s * 0.75);
      g.lineTo(cx + s * 0.2, cy + s * 0.75);
      g.stroke();
      break;
    default:
      g.roundRect(cx - s * 0.8, cy - s * 0.8, s * 1.6, s * 1.6, s * 0.4);
      g.stroke();
  }
  g.restore();
}

/** A stable pseudo-random number in [0,1) from a string (colours that follow content, not draw order). */
export function hashUnit(s: string): number {
  let h = 2166136261;
  for (const ch of s) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 16777619) >>> 0;
  }
  return (h >>> 8) / 16777216;
}

export function hsl(h: number, s: number, l: number, a = 1): string {
  return `hsla(${Math.round(((h % 360) + 360) % 360)}, ${Math.round(s)}%, ${Math.round(l)}%, ${a})`;
}

export const PRODUCT_SHAPES = ['box', 'bottle', 'jar', 'tshirt', 'shoe', 'bag', 'appliance', 'phone', 'cup', 'pillow', 'tube', 'pack'] as const;
export type ProductShape = (typeof PRODUCT_SHAPES)[number];

/** A product drawn from simple shapes with shading: centred at (cx, cy), about `size` tall. */
export function drawProduct(g: G, shape: ProductShape, cx: number, cy: number, size: number, hue: number, rng: Rng, shadow = true): void {
  const base = hsl(hue, 35 + rng.next() * 45, 40 + rng.next() * 35);
  const dark = hsl(hue, 40, 22 + rng.next() * 15);
  const light = hsl(hue, 30, 78 + rng.next() * 15);
  const s = size / 2;
  g.save();
  if (shadow) {
    g.fillStyle = 'rgba(0,0,0,0.16)';
    g.beginPath();
    g.ellipse(cx, cy + s * 0.98, s * 0.75, s * 0.12, 0, 0, Math.PI * 2);
    g.fill();
  }
  const body = linear(g, cx - s, cy - s, cx + s, cy + s, [light, base, dark]);
  g.fillStyle = body;
  g.strokeStyle = dark;
  g.lineWidth = Math.max(1, size / 90);
  g.beginPath();
  switch (shape) {
    case 'box':
      g.moveTo(cx - s * 0.7, cy - s * 0.45);
      g.lineTo(cx + s * 0.1, cy - s * 0.75);
      g.lineTo(cx + s * 0.8, cy - s * 0.5);
      g.lineTo(cx + s * 0.8, cy + s * 0.6);
      g.lineTo(cx, cy + s * 0.95);
      g.lineTo(cx - s * 0.7, cy + s * 0.65);
      g.closePath();
      g.fill();
      g.stroke();
      g.beginPath();
      g.moveTo(cx - s * 0.7, cy - s * 0.45);
      g.lineTo(cx, cy - s * 0.15);
      g.lineTo(cx + s * 0.8, cy - s * 0.5);
      g.moveTo(cx, cy - s * 0.15);
      g.lineTo(cx, cy + s * 0.95);
      g.stroke();
      break;
    case 'bottle':
      g.roundRect(cx - s * 0.35, cy - s * 0.45, s * 0.7, s * 1.4, s * 0.15);
      g.fill();
      g.stroke();
      g.beginPath();
      g.fillStyle = dark;
      g.roundRect(cx - s * 0.14, cy - s * 0.95, s * 0.28, s * 0.5, s * 0.05);
      g.fill();
      g.fillStyle = light;
      g.fillRect(cx - s * 0.35, cy - s * 0.05, s * 0.7, s * 0.45);
      break;
    case 'jar':
      g.roundRect(cx - s * 0.6, cy - s * 0.4, s * 1.2, s * 1.3, s * 0.25);
      g.fill();
      g.stroke();
      g.beginPath();
      g.fillStyle = dark;
      g.roundRect(cx - s * 0.62, cy - s * 0.65, s * 1.24, s * 0.3, s * 0.08);
      g.fill();
      break;
    case 'tshirt':
      g.moveTo(cx - s * 0.35, cy - s * 0.85);
      g.lineTo(cx - s * 0.95, cy - s * 0.5);
      g.lineTo(cx - s * 0.75, cy - s * 0.1);
      g.lineTo(cx - s * 0.55, cy - s * 0.2);
      g.lineTo(cx - s * 0.55, cy + s * 0.9);
      g.lineTo(cx + s * 0.55, cy + s * 0.9);
      g.lineTo(cx + s * 0.55, cy - s * 0.2);
      g.lineTo(cx + s * 0.75, cy - s * 0.1);
      g.lineTo(cx + s * 0.95, cy - s * 0.5);
      g.lineTo(cx + s * 0.35, cy - s * 0.85);
      g.quadraticCurveTo(cx, cy - s * 0.55, cx - s * 0.35, cy - s * 0.85);
      g.fill();
      g.stroke();
      break;
    case 'shoe':
      g.moveTo(cx - s * 0.95, cy + s * 0.35);
      g.lineTo(cx - s * 0.9, cy - s * 0.2);
      g.quadraticCurveTo(cx - s * 0.55, cy - s * 0.45, cx - s * 0.2, cy - s * 0.2);
      g.quadraticCurveTo(cx + s * 0.5, cy - s * 0.05, cx + s * 0.95, cy + s * 0.2);
      g.lineTo(cx + s * 0.95, cy + s * 0.45);
      g.closePath();
      g.fill();
      g.stroke();
      g.fillStyle = 'rgba(255,255,255,0.85)';
      g.fillRect(cx - s * 0.95, cy + s * 0.35, s * 1.9, s * 0.12);
      break;
    case 'bag':
      g.roundRect(cx - s * 0.75, cy - s * 0.35, s * 1.5, s * 1.25, s * 0.15);
      g.fill();
      g.stroke();
      g.beginPath();
      g.lineWidth = size / 30;
      g.arc(cx, cy - s * 0.35, s * 0.4, Math.PI, 0);
      g.stroke();
      break;
    case 'appliance':
      g.roundRect(cx - s * 0.7, cy - s * 0.8, s * 1.4, s * 1.7, s * 0.2);
      g.fill();
      g.stroke();
      g.beginPath();
      g.fillStyle = 'rgba(20,20,20,0.75)';
      g.roundRect(cx - s * 0.45, cy - s * 0.5, s * 0.9, s * 0.45, s * 0.08);
      g.fill();
      for (const dx of [-0.3, 0, 0.3]) circle(g, cx + dx * s, cy + s * 0.3, s * 0.08, light);
      break;
    case 'phone':
      g.roundRect(cx - s * 0.45, cy - s * 0.9, s * 0.9, s * 1.8, s * 0.15);
      g.fill();
      g.stroke();
      g.beginPath();
      g.fillStyle = 'rgba(15,20,30,0.9)';
      g.roundRect(cx - s * 0.38, cy - s * 0.8, s * 0.76, s * 1.6, s * 0.1);
      g.fill();
      break;
    case 'cup':
      g.moveTo(cx - s * 0.55, cy - s * 0.6);
      g.lineTo(cx + s * 0.55, cy - s * 0.6);
      g.lineTo(cx + s * 0.42, cy + s * 0.9);
      g.lineTo(cx - s * 0.42, cy + s * 0.9);
      g.closePath();
      g.fill();
      g.stroke();
      g.beginPath();
      g.lineWidth = size / 22;
      g.arc(cx + s * 0.6, cy + s * 0.1, s * 0.28, -Math.PI / 2, Math.PI / 2);
      g.stroke();
      break;
    case 'pillow':
      g.moveTo(cx - s * 0.9, cy - s * 0.5);
      g.quadraticCurveTo(cx, cy - s * 0.7, cx + s * 0.9, cy - s * 0.5);
      g.quadraticCurveTo(cx + s * 0.75, cy, cx + s * 0.9, cy + s * 0.5);
      g.quadraticCurveTo(cx, cy + s * 0.7, cx - s * 0.9, cy + s * 0.5);
      g.quadraticCurveTo(cx - s * 0.75, cy, cx - s * 0.9, cy - s * 0.5);
      g.fill();
      g.stroke();
      break;
    case 'tube':
      g.moveTo(cx - s * 0.3, cy - s * 0.8);
      g.lineTo(cx + s * 0.3, cy - s * 0.8);
      g.lineTo(cx + s * 0.22, cy + s * 0.7);
      g.lineTo(cx - s * 0.22, cy + s * 0.7);
      g.closePath();
      g.fill();
      g.stroke();
      g.fillStyle = dark;
      g.fillRect(cx - s * 0.15, cy + s * 0.7, s * 0.3, s * 0.22);
      break;
    case 'pack':
      g.moveTo(cx - s * 0.6, cy - s * 0.85);
      g.lineTo(cx + s * 0.6, cy - s * 0.85);
      g.quadraticCurveTo(cx + s * 0.75, cy, cx + s * 0.6, cy + s * 0.85);
      g.lineTo(cx - s * 0.6, cy + s * 0.85);
      g.quadraticCurveTo(cx - s * 0.75, cy, cx - s * 0.6, cy - s * 0.85);
      g.fill();
      g.stroke();
      g.fillStyle = 'rgba(255,255,255,0.8)';
      g.beginPath();
      g.ellipse(cx, cy, s * 0.35, s * 0.25, 0, 0, Math.PI * 2);
      g.fill();
      break;
  }
  // A soft highlight: studio pictures and phone photos both show one.
  g.globalAlpha = 0.25;
  g.fillStyle = '#ffffff';
  g.beginPath();
  g.ellipse(cx - s * 0.25, cy - s * 0.3, s * 0.12, s * 0.35, 0.3, 0, Math.PI * 2);
  g.fill();
  g.restore();
}

/** A small square picture of a product (list thumbnails, grids). */
export function thumbnail(g: G, x: number, y: number, w: number, h: number, seedText: string, rng: Rng, radius = 6): void {
  const u = hashUnit(seedText);
  const hue = u * 360;
  g.save();
  g.beginPath();
  g.roundRect(x, y, w, h, radius);
  g.clip();
  g.fillStyle = linear(g, x, y, x + w, y + h, [hsl(hue + 30, 25, 93), hsl(hue + 50, 20, 84)]);
  g.fillRect(x, y, w, h);
  const shape = PRODUCT_SHAPES[Math.floor(hashUnit(`${seedText}#`) * PRODUCT_SHAPES.length)];
  drawProduct(g, shape, x + w / 2, y + h / 2, Math.min(w, h) * 0.72, hue, rng);
  g.restore();
}
