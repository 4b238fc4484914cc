// A small line chart as SVG text (no dependency): series of (x, mean ± sd) with a band for the
// spread, optional horizontal reference lines, axes with round ticks, a legend. For BENCHMARKS.md.

export interface PlotPoint {
  x: number;
  y: number;
  /** Spread drawn as a band around y (e.g. the standard deviation over seeds). */
  spread?: number;
}

export interface PlotSeries {
  name: string;
  color: string;
  points: readonly PlotPoint[];
  dashed?: boolean;
}

export interface LinePlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly PlotSeries[];
  /** Horizontal reference lines (e.g. the full-data score). */
  references?: readonly { y: number; label: string; color?: string }[];
  width?: number;
  height?: number;
}

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (x: number): string => (Math.round(x * 10) / 10).toString();

/** Round tick values covering [lo, hi] (1, 2 or 5 × a power of ten apart). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

export function linePlot(options: LinePlotOptions): string {
  const width = options.width ?? 720;
  const height = options.height ?? 420;
  const margin = { left: 64, right: 20, top: 40, bottom: 56 };
  const all = options.series.flatMap((s) => s.points);
  const refs = options.references ?? [];
  const xs = all.map((p) => p.x);
  const ys = [...all.flatMap((p) => [p.y - (p.spread ?? 0), p.y + (p.spread ?? 0)]), ...refs.map((r) => r.y)];
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const pad = (Math.max(...ys) - Math.min(...ys)) * 0.08 || 0.01;
  const [y0, y1] = [Math.min(...ys) - pad, Math.max(...ys) + pad];
  const px = (x: number): number => margin.left + ((x - x0) / (x1 - x0 || 1)) * (width - margin.left - margin.right);
  const py = (y: number): number => height - margin.bottom - ((y - y0) / (y1 - y0 || 1)) * (height - margin.top - margin.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escape(options.title)}</text>`,
  ];
  for (const t of niceTicks(y0, y1)) {
    parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${fmt(py(t))}" y2="${fmt(py(t))}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${fmt(py(t) + 4)}" text-anchor="end">${t.toFixed(2)}</text>`);
  }
  for (const t of niceTicks(x0, x1, 8)) {
    parts.push(`<line x1="${fmt(px(t))}" x2="${fmt(px(t))}" y1="${height - margin.bottom}" y2="${height - margin.bottom + 5}" stroke="#444"/>`);
    parts.push(`<text x="${fmt(px(t))}" y="${height - margin.bottom + 18}" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${height - margin.bottom}" y2="${height - margin.bottom}" stroke="#444"/>`);
  parts.push(`<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${height - margin.bottom}" stroke="#444"/>`);
  parts.push(`<text x="${(margin.left + width - margin.right) / 2}" y="${height - 14}" text-anchor="middle">${escape(options.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${(margin.top + height - margin.bottom) / 2}) rotate(-90)" text-anchor="middle">${escape(options.yLabel)}</text>`);
  for (const r of refs) {
    parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${fmt(py(r.y))}" y2="${fmt(py(r.y))}" stroke="${r.color ?? '#888'}" stroke-dasharray="6 4"/>`);
    parts.push(`<text x="${width - margin.right - 4}" y="${fmt(py(r.y) - 5)}" text-anchor="end" fill="${r.color ?? '#555'}">${escape(r.label)}</text>`);
  }
  for (const s of options.series) {
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    if (pts.some((p) => p.spread)) {
      const upper = pts.map((p) => `${fmt(px(p.x))},${fmt(py(p.y + (p.spread ?? 0)))}`);
      const lower = [...pts].reverse().map((p) => `${fmt(px(p.x))},${fmt(py(p.y - (p.spread ?? 0)))}`);
      parts.push(`<polygon points="${[...upper, ...lower].join(' ')}" fill="${s.color}" fill-opacity="0.15" stroke="none"/>`);
    }
    parts.push(`<polyline points="${pts.map((p) => `${fmt(px(p.x))},${fmt(py(p.y))}`).join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    for (const p of pts) parts.push(`<circle cx="${fmt(px(p.x))}" cy="${fmt(py(p.y))}" r="3" fill="${s.color}"/>`);
  }
  options.series.forEach((s, i) => {
    const y = margin.top + 8 + i * 18;
    parts.push(`<line x1="${margin.left + 12}" x2="${margin.left + 36}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    parts.push(`<text x="${margin.left + 42}" y="${y + 4}">${escape(s.name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
