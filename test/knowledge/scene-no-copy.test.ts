// No generated scene text copies dev content. The knowledge was written without reading the dev
// images; this guards the knowledge files against future edits that paste dev OCR text in. It
// reads the dev images' OCR lines from the feature cache. A fresh machine (CI's clean clone) has
// no cache, and reading all 560 would take minutes, so there it adds to what the cache holds the 64
// uncached images whose content hash sorts first (about half a minute), and caches them: a narrower
// check, never a skipped one.
// It prints counts, never dev text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSamples } from '../../src/data/load.js';
import { FeatureCache, jsonCodec, sha256Hex } from '../../src/features/cache.js';
import { extractImageFeatures, ocrCacheKey } from '../../src/features/extract.js';
import { defaultSceneKnowledgeDir } from '../../src/knowledge/scene-knowledge.js';
import { pageText, synthesizeScenePages } from '../../src/knowledge/scene-pages.js';
import { readImageBytes } from '../../src/vision/decode.js';
import type { ImageRef } from '../../src/types.js';
import type { OcrResult } from '../../src/vision/ocr.js';

const DEV_JSON = fileURLToPath(new URL('../../../shared/data/www2025-mir/train.json', import.meta.url));
const MIN_CHARS = 12;
const COLD_CACHE_IMAGES = 64;
const norm = (s: string) => s.toLowerCase().replace(/[\s，。、：:；;,.!！?？·…"“”'‘’()（）【】\[\]<>《》|/\\-]+/g, '').replace(/￥/g, '¥');

async function devOcrLines(): Promise<{ lines: Set<string>; read: number; total: number }> {
  const { samples } = await loadSamples(DEV_JSON);
  const scene = samples.filter((s) => s.task === 'scene');
  const cache = new FeatureCache();
  const results: OcrResult[] = [];
  const missing: { ref: ImageRef; contentHash: string }[] = [];
  for (const s of scene) {
    const contentHash = sha256Hex(await readImageBytes(s.images[0]));
    const ocr = await cache.get(ocrCacheKey(contentHash), jsonCodec<OcrResult>());
    if (ocr) results.push(ocr);
    else missing.push({ ref: s.images[0], contentHash });
  }
  if (results.length < scene.length * 0.9) {
    // The cached ones are kept; of those the cache lacks, the first by content hash are read.
    const first = missing.sort((a, b) => (a.contentHash < b.contentHash ? -1 : 1)).slice(0, COLD_CACHE_IMAGES);
    for (const image of first) results.push((await extractImageFeatures(image.ref, { cache })).ocr);
  }
  const lines = new Set<string>();
  for (const ocr of results) {
    for (const l of ocr.lines) {
      const t = norm(l.text);
      if ([...t].length >= MIN_CHARS) lines.add(t);
    }
  }
  return { lines, read: results.length, total: scene.length };
}

/** Every string value in the knowledge files, placeholders cut out: the literal text written by hand. */
function knowledgeLiterals(): string[] {
  const dir = defaultSceneKnowledgeDir();
  const files = ['apps.json', 'fields.json', ...readdirSync(path.join(dir, 'vocab')).map((f) => `vocab/${f}`), ...readdirSync(path.join(dir, 'labels')).map((f) => `labels/${f}`)];
  const out: string[] = [];
  const walk = (v: unknown, key = ''): void => {
    if (typeof v === 'string') {
      if (!['about', 'shows', 'rule', 'structure', 'definition'].includes(key)) out.push(...v.split(/\{[^{}]*\}|@[A-Za-z]\w*/).map(norm));
    } else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  for (const f of files) walk(JSON.parse(readFileSync(path.join(dir, f), 'utf8')));
  return out.filter((s) => [...s].length >= 6);
}

test('no generated scene page repeats a dev screenshot line, and the knowledge holds no dev line', async (t) => {
  const dev = await devOcrLines();
  t.diagnostic(`dev screenshots read: ${dev.read} of ${dev.total}${dev.read < dev.total * 0.9 ? ' (cold feature cache: `ecommir features extract` makes this check whole)' : ''}`);
  const pages = synthesizeScenePages({ seed: 1, perLabel: 100 });
  const generated = new Set<string>();
  for (const p of pages) for (const line of pageText(p)) if ([...norm(line)].length >= MIN_CHARS) generated.add(norm(line));
  let shared = 0;
  for (const g of generated) if (dev.lines.has(g)) shared++;
  // Literal knowledge text that contains a whole long dev line would be a paste.
  const literals = knowledgeLiterals();
  let pasted = 0;
  for (const d of dev.lines) if (literals.some((l) => l.includes(d))) pasted++;
  // Common interface sentences may coincide by chance; a copy shows up as many shared long lines.
  assert.ok(shared <= 5, `${shared} of ${generated.size} distinct long generated lines equal a dev OCR line`);
  assert.ok(pasted <= 3, `${pasted} long dev OCR lines occur verbatim inside the knowledge files`);
  assert.ok(generated.size > 1000 && dev.lines.size > 100, `compared ${generated.size} generated and ${dev.lines.size} dev lines (${dev.read} dev screenshots)`);
});
