// The web page end to end in headless Chromium: examples load, an image and a dialogue are
// classified, the answers shown match the API's, evidence is highlighted, the language toggles,
// and nothing is refused by the page's Content-Security-Policy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { chromium, type Browser } from 'playwright-core';
import { buildApp } from '../../src/server/app.js';
import { packageRoot } from '../../src/server/routes/page.js';
import { FakeIntentRecognizer, FakeSceneRecognizer } from '../server/fakes.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = !existsSync(CHROMIUM) && !process.env.CI ? `${CHROMIUM} is not installed (apt-get install -y chromium); skipped outside CI` : false;

test('the web page classifies an example screenshot and a dialogue', { skip, timeout: 60_000 }, async () => {
  // The local-page policy: no keys, loopback callers pass (what `ecommir serve` does on 127.0.0.1).
  const app = await buildApp({
    recognizers: { scene: new FakeSceneRecognizer(), intent: new FakeIntentRecognizer() },
    auth: { apiKeys: [], anonymousLoopback: true },
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(msg.text());
    });
    page.on('pageerror', (err) => problems.push(err.message));
    await page.goto(url);
    assert.equal(await page.textContent('#scene-title'), '图片场景分类');

    // Scene: the example button → the label and bars the API gives for the same bytes.
    const png = await readFile(`${packageRoot()}/examples/screenshots/logistics.png`);
    const expected = (await (await fetch(`${url}/v1/scene`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ image: png.toString('base64') }),
    })).json()) as { prediction: { label: string; ranked: unknown[] } };
    await page.click('button[data-example="screenshots/logistics.png"]');
    await page.waitForSelector('#scene-result .label');
    assert.equal(await page.textContent('#scene-result .label'), expected.prediction.label);
    assert.equal(await page.locator('#scene-result .bar').count(), expected.prediction.ranked.length);
    assert.ok(await page.isVisible('#scene-preview'));

    // Intent: the example dialogue → label, coarse–fine, evidence highlighted in the user's turn.
    await page.click('button[data-example="dialogues/rust.json"]');
    await page.waitForSelector('#intent-result .label');
    assert.equal(await page.textContent('#intent-result .label'), '是否会生锈');
    assert.match((await page.textContent('#intent-result .meta')) ?? '', /商品信息咨询-是否会生锈/);
    const marks = await page.locator('#intent-result .shown-turn[data-index="2"] mark').allTextContents();
    assert.ok(marks.includes('生锈'), `marks: ${marks.join(',')}`);

    // A pasted `用户:/客服:` dialogue goes through the turn editor.
    await page.click('#intent details summary');
    await page.fill('#paste', '用户: 你好\n客服: 在的\n用户: 这个面霜怎么用，用量多少');
    await page.click('#paste-apply');
    assert.equal(await page.locator('#turns .turn').count(), 3);
    await page.click('#classify-intent');
    await page.locator('#intent-result .label', { hasText: '用法用量' }).waitFor();

    // English.
    await page.click('#lang-toggle');
    assert.equal(await page.textContent('#scene-title'), 'Image scene');
    assert.equal(await page.textContent('button[data-example="dialogues/rust.json"]'), 'Will it rust?');

    assert.deepEqual(problems, [], 'console errors (CSP violations show up here)');
  } finally {
    await browser?.close();
    await app.close();
  }
});
