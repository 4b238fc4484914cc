import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { loadSamples } from '../../src/data/load.js';
import { renderScenePage } from '../../src/knowledge/render-screenshot.js';
import { writeSyntheticScenes } from '../../src/knowledge/scene-dataset.js';
import { synthesizeScenePage, synthesizeScenePages, type ScenePage } from '../../src/knowledge/scene-pages.js';
import { loadSceneKnowledge } from '../../src/knowledge/scene-knowledge.js';
import { OcrEngine } from '../../src/vision/ocr.js';
import { linesByRegion } from '../../src/vision/layout.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The first page of a label (from index 0 up) that satisfies a condition. */
function firstPage(label: string, seed: number, ok: (p: ScenePage) => boolean): ScenePage {
  for (let i = 0; i < 200; i++) {
    const p = synthesizeScenePage(label, seed, i);
    if (ok(p)) return p;
  }
  throw new Error(`no page of ${label} satisfies the condition`);
}

test('rendering is deterministic for a page and differs across seeds', async () => {
  const page = synthesizeScenePage('订单详情页面', 21, 0);
  const [a, b] = [await renderScenePage(page), await renderScenePage(page)];
  assert.equal(sha(a.bytes), sha(b.bytes));
  const other = await renderScenePage(synthesizeScenePage('订单详情页面', 22, 0));
  assert.notEqual(sha(a.bytes), sha(other.bytes));
  const photo = synthesizeScenePage('实物拍摄(含售后)', 21, 0);
  assert.equal(sha((await renderScenePage(photo)).bytes), sha((await renderScenePage(photo)).bytes));
});

test('screens have the device size; photos look like photos, screenshots like screens', async () => {
  const screen = firstPage('购物车页面', 4, (p) => p.kind === 'screen' && p.crop === null);
  const photo = firstPage('实物拍摄(含售后)', 4, () => true);
  // Flat pixels (equal to their right neighbour within 1 grey level): screens are mostly flat,
  // camera photos carry sensor noise everywhere.
  const flatFraction = async (bytes: Buffer) => {
    const { data, info } = await sharp(bytes).greyscale().raw().toBuffer({ resolveWithObject: true });
    let flat = 0;
    let n = 0;
    for (let y = 0; y < info.height; y += 2) {
      for (let x = 0; x < info.width - 1; x++) {
        const i = y * info.width + x;
        if (Math.abs(data[i] - data[i + 1]) <= 1) flat++;
        n++;
      }
    }
    return flat / n;
  };
  const rs = await renderScenePage(screen, { format: 'png' });
  const rp = await renderScenePage(photo);
  const ms = await sharp(rs.bytes).metadata();
  assert.equal(ms.width, screen.device.width);
  assert.equal(ms.height, screen.device.height);
  assert.equal(ms.format, 'png');
  assert.equal((await sharp(rp.bytes).metadata()).format, 'jpeg');
  const [fs, fp] = [await flatFraction(rs.bytes), await flatFraction(rp.bytes)];
  assert.ok(fs > 0.7 && fp < 0.5, `flat pixels: screenshot ${fs.toFixed(3)}, photo ${fp.toFixed(3)}`);
  const cropped = firstPage('订单详情页面', 4, (p) => p.crop !== null);
  const rc = await renderScenePage(cropped);
  assert.equal(rc.width, cropped.device.width);
  assert.equal(rc.height, Math.round(cropped.crop!.height * cropped.device.height));
});

test('the real OCR reads the title of a rendered page in its title bar', async () => {
  const page = firstPage('订单详情页面', 8, (p) => p.kind === 'screen' && p.titleBar?.style === 'white' && p.titleBar.title === '订单详情' && p.popup === null && p.statusBar !== null);
  const image = await renderScenePage(page, { format: 'png' });
  const engine = await OcrEngine.create({ threads: 1 });
  const result = await engine.read({ name: page.id, bytes: image.bytes });
  const title = linesByRegion(result.lines).title.map((l) => l.text).join(' ');
  assert.ok(title.includes('订单详情'), `title-bar text read: ${title}`);
  assert.ok(result.lines.length >= 10, `only ${result.lines.length} lines read`);
});

test('writeSyntheticScenes writes a native data set that loads as labelled samples, and resumes', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ecommir-kn-scene-'));
  try {
    const labels = ['退款页面', '其他类别图片'];
    const first = await writeSyntheticScenes({ outDir: dir, perLabel: 2, seed: 3, labels, progress: false });
    assert.equal(first.pages, 4);
    assert.equal(first.rendered, 4);
    const { samples, format } = await loadSamples(first.dataFile, { checkImages: true });
    assert.equal(format, 'native');
    assert.deepEqual(samples.map((s) => s.label), ['退款页面', '退款页面', '其他类别图片', '其他类别图片']);
    for (const s of samples) assert.ok((await stat(s.images[0].path!)).size > 1000);
    const again = await writeSyntheticScenes({ outDir: dir, perLabel: 3, seed: 3, labels, progress: false });
    assert.equal(again.reused, 4);
    assert.equal(again.rendered, 2);
    assert.equal((await readdir(path.join(dir, 'images'))).length, 6);
    // Edited knowledge (here every app's price colour) draws new pictures instead of reusing the old ones by id.
    const edited = loadSceneKnowledge();
    for (const app of Object.values(edited.apps)) app.price = '#123456';
    const afterEdit = await writeSyntheticScenes({ outDir: dir, perLabel: 3, seed: 3, labels, progress: false, knowledge: edited });
    assert.equal(afterEdit.rendered, 6, 'every page is drawn again from the edited knowledge');
    assert.equal((await readdir(path.join(dir, 'images'))).length, 12);
    const unchanged = await writeSyntheticScenes({ outDir: dir, perLabel: 3, seed: 3, labels, progress: false });
    assert.equal(unchanged.reused, 6, 'the pictures of the unedited knowledge are still found');
    assert.deepEqual(synthesizeScenePages({ seed: 3, perLabel: 1, labels: ['退款页面'] })[0].id, samples[0].id.replace(/^synthetic-/, ''));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
