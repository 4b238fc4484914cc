// The Review tab in headless Chromium with the shipped models: the queue's least certain item
// first, its top labels, keys 1–9 / Enter / s / u, progress, a screenshot in the scene queue,
// and no console error (the page's Content-Security-Policy included).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium, skipWithoutChromium } from './chromium.js';
import { buildApp } from '../../src/server/app.js';
import { FeedbackStore } from '../../src/feedback/store.js';
import { loadRecognizers } from '../../src/tasks/default-models.js';

const skip = skipWithoutChromium;

test('the Review tab labels the least certain predictions from the keyboard, with undo and progress', { skip, timeout: 180_000 }, async () => {
  const { scene, intent } = await loadRecognizers();
  const feedback = FeedbackStore.open({ path: join(mkdtempSync(join(tmpdir(), 'ecommir-review-page-')), 'feedback.db') });
  const app = await buildApp({ recognizers: { scene, intent }, feedback, auth: { apiKeys: [], anonymousLoopback: true } });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const api = async (method: string, path: string, body?: unknown): Promise<any> => {
    const r = await fetch(url + path, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
    return r.json();
  };
  let browser: Browser | undefined;
  try {
    for (const text of ['这个杯子用久了会生锈吗', '你好', '台灯的亮度可以调节吗', '这个东西怎么样啊']) await api('POST', '/v1/intent', { dialogue: [{ role: 'user', text }] });
    await api('POST', '/v1/scene', { image: readFileSync(new URL('../../examples/screenshots/refund.png', import.meta.url)).toString('base64') });
    const queue = await api('GET', '/v1/review?task=intent&limit=10');
    assert.equal(queue.items.length, 4);

    browser = await launchChromium();
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(msg.text());
    });
    page.on('pageerror', (err) => problems.push(err.message));
    await page.goto(url);
    assert.ok(await page.isVisible('#scene'), 'the classify panels first');
    await page.click('#tabs button[data-tab="review"]');
    assert.equal(await page.isVisible('#scene'), false, 'the review tab replaces them');

    // The first item is the queue's first: the least certain dialogue, with the model's top labels.
    const first = queue.items[0];
    await page.waitForSelector(`.review-item[data-request-id="${first.requestId}"]`);
    assert.equal(await page.textContent('.review-dialogue .shown-turn'), `用户${first.dialogue[0].text}`);
    const shown = await page.locator('.review-choices .choice .name').allTextContents();
    assert.deepEqual(shown, first.prediction.ranked.slice(0, 9).map((r: { label: string }) => r.label));
    assert.match((await page.textContent('#review-count')) ?? '', /本次已标注 0 · 待审核 4/);
    await page.screenshot({ path: join(tmpdir(), 'ecommir-review-item.png'), fullPage: true });

    // 2 then Enter: the model's second label is sent for this request.
    await page.keyboard.press('2');
    assert.equal(await page.getAttribute('.choice.picked', 'data-label'), first.prediction.ranked[1].label);
    await page.keyboard.press('Enter');
    const second = queue.items[1];
    await page.waitForSelector(`.review-item[data-request-id="${second.requestId}"]`);
    assert.equal((await api('GET', `/v1/feedback/${first.requestId}`)).label, first.prediction.ranked[1].label);
    assert.match((await page.textContent('#review-count')) ?? '', /本次已标注 1 · 待审核 3/);

    // s skips (nothing stored), u undoes the last answer: the first item is back, unlabelled.
    await page.keyboard.press('s');
    await page.waitForSelector(`.review-item[data-request-id="${queue.items[2].requestId}"]`);
    assert.equal((await api('GET', `/v1/feedback/${second.requestId}`)).label, null);
    await page.keyboard.press('u');
    await page.waitForSelector(`.review-item[data-request-id="${first.requestId}"]`);
    assert.equal((await api('GET', `/v1/feedback/${first.requestId}`)).label, null);
    assert.match((await page.textContent('#review-count')) ?? '', /本次已标注 0 · 待审核 4/);

    // A label outside the top ones, from the list of all labels, then Enter.
    const outside = queue.labels.find((l: string) => !first.prediction.ranked.slice(0, 9).some((r: { label: string }) => r.label === l));
    await page.selectOption('#review-other', outside);
    await page.click('#review-send');
    await page.waitForSelector(`.review-item[data-request-id="${queue.items[2].requestId}"]`);
    assert.equal((await api('GET', `/v1/feedback/${first.requestId}`)).label, outside);

    // The scene queue shows the stored screenshot, fetched with the page's credentials.
    await page.click('.review-tasks button[data-task="scene"]');
    await page.waitForSelector('.review-shot');
    // Polled from here: a string predicate is evaluated in the page, which the page's CSP refuses
    // (no 'unsafe-eval') whenever the image is not already loaded at the first check.
    // (This file is type-checked without the DOM's types, hence the structural cast.)
    for (let tries = 0; (await page.$eval('.review-shot', (img) => (img as unknown as { naturalWidth: number }).naturalWidth)) === 0; tries++) {
      assert.ok(tries < 200, 'the stored screenshot never loaded');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await page.keyboard.press('1');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.review-empty');
    const labelled = (await api('GET', '/v1/review?task=scene&limit=5')).counts.labelled;
    assert.equal(labelled, 1);

    // English.
    await page.click('#lang-toggle');
    assert.equal(await page.textContent('#tabs button[data-tab="review"]'), 'Review');
    await page.screenshot({ path: join(tmpdir(), 'ecommir-review-tab.png') });
    assert.deepEqual(problems, [], 'console errors (CSP violations show up here)');
  } finally {
    await browser?.close();
    await app.close();
  }
});
