// The page under faults and impatience, in headless Chromium (found by an audit of the page, 2026-12-07):
// an earlier upload's late answer is not drawn over a later image, an uploaded HTML or SVG file opened from
// its preview runs nothing, the file pickers are reached by Tab, replies the page cannot read are said in
// words; in the Review tab a second Enter sends nothing twice, Enter on a focused button does what the
// button says, and a queue that cannot be loaded is not called empty. Answers come from fake recognisers,
// and faults from the browser's request routing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, skipWithoutChromium } from './chromium.js';
import { FeedbackStore } from '../../src/feedback/store.js';
import { buildApp } from '../../src/server/app.js';
import { FakeIntentRecognizer, FakeSceneRecognizer } from '../server/fakes.js';
import { tinyPng } from '../data/helpers.js';
import sharp from 'sharp';

const skip = skipWithoutChromium;

const dir = mkdtempSync(join(tmpdir(), 'ecommir-page-faults-'));
let browser: Browser | undefined;
/** One context: a blob: URL opens only in the context that made it. */
let context: BrowserContext | undefined;
let closeApp: (() => Promise<void>) | undefined;
after(async () => {
  await browser?.close();
  await closeApp?.();
});

async function start(): Promise<{ url: string; page: Page; problems: string[] }> {
  if (!closeApp) {
    const feedback = FeedbackStore.open({ path: join(dir, 'feedback.db') });
    const app = await buildApp({ recognizers: { scene: new FakeSceneRecognizer(), intent: new FakeIntentRecognizer() }, feedback, auth: { apiKeys: [], anonymousLoopback: true } });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    closeApp = () => app.close();
    browser = await launchChromium();
    context = await browser.newContext();
    started = url;
  }
  const page = await context!.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto(started!);
  return { url: started!, page, problems };
}
let started: string | undefined;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const status = async (page: Page) => ((await page.textContent('#status')) ?? '').trim();

test('an upload\'s late answer is not drawn over a later image; its error stands alone; the same file can be sent again', { skip, timeout: 60_000 }, async () => {
  const { page, problems } = await start();
  const png = join(dir, 'shot.png');
  writeFileSync(png, await tinyPng());
  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'not an image');
  // The first upload's answer comes late; the second is refused at once.
  let sent = 0;
  await page.route('**/v1/scene', async (route) => {
    if (sent++ === 0) await sleep(800);
    await route.continue();
  });
  const firstAnswer = page.waitForResponse((r) => r.url().endsWith('/v1/scene') && r.status() === 200, { timeout: 30_000 });
  await page.setInputFiles('#scene-file', png);
  await sleep(100);
  await page.setInputFiles('#scene-file', text);
  for (let tries = 0; !(await status(page)).includes('ECM_ERR_'); tries++) {
    assert.ok(tries < 100, `no refusal shown: "${await status(page)}"`);
    await sleep(50);
  }
  // The first upload's answer has come (after the refusal of the second), and the page has had time to draw it.
  await (await firstAnswer).finished();
  await sleep(300);
  assert.equal(sent, 2);
  assert.equal(await page.isVisible('#scene-result'), false, 'the first image\'s answer is not shown beside the second');
  assert.match(await status(page), /ECM_ERR_/, 'the refusal of the second stays');
  assert.equal(await page.locator('#scene-boxes .ocr-box').count(), 0);
  // Picked again, the same file is sent again (the picker was cleared).
  await page.setInputFiles('#scene-file', png);
  await page.waitForSelector('#scene-result:not([hidden]) .label');
  assert.equal(sent, 3);
  assert.deepEqual(problems, []);
  await page.close();
});

test('an uploaded HTML or SVG file opened from its preview runs nothing in the page\'s origin', { skip, timeout: 60_000 }, async () => {
  const { page } = await start();
  for (const [name, body] of [
    ['evil.svg', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'],
    ['evil.html', '<script>alert(1)</script>'],
  ] as const) {
    const file = join(dir, name);
    writeFileSync(file, body);
    await page.setInputFiles('#scene-file', file);
    const src = (await page.getAttribute('#scene-preview', 'src')) ?? '';
    assert.match(src, /^blob:/);
    const opened = await context!.newPage();
    let dialogs = 0;
    opened.on('dialog', (dialog) => {
      dialogs++;
      void dialog.dismiss();
    });
    // A blob typed as bytes is a download, not a document (goto then fails, as it should).
    await opened.goto(src).catch(() => {});
    await sleep(300);
    assert.equal(dialogs, 0, `${name}: a script ran from the preview`);
    await opened.close();
  }
  // A picture is still previewed as a picture.
  await page.setInputFiles('#scene-file', { name: 'shot.png', mimeType: 'image/png', buffer: await tinyPng() });
  await page.waitForSelector('#scene-result:not([hidden]) .label');
  const width = await page.$eval('#scene-preview', (img) => (img as unknown as { naturalWidth: number }).naturalWidth);
  assert.ok(width > 0);
  await page.close();
});

test('Tab reaches the file pickers; inputs are named; replies the page cannot read are said in words', { skip, timeout: 60_000 }, async () => {
  const { page } = await start();
  const reached = new Set<string>();
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => {
      const a = (globalThis as unknown as { document: { activeElement: { id?: string; type?: string; className?: string } | null } }).document.activeElement;
      return a ? `${a.id || ''}|${a.type ?? ''}` : '';
    });
    reached.add(id);
  }
  assert.ok(reached.has('scene-file|file'), `the screenshot picker is reached by Tab: ${[...reached].join(', ')}`);
  assert.ok([...reached].some((r) => r === '|file'), 'a turn\'s image picker is reached by Tab');
  for (const selector of ['#api-key', '#paste', '#turns select', '#turns input[type=text]', '#turns input[type=file]']) {
    assert.ok(((await page.getAttribute(selector, 'aria-label')) ?? '').length > 0, `${selector} has a name`);
  }

  await page.fill('#turns input[type=text]', '这个会生锈吗');
  // A proxy's page with 200, a JSON error without a message, a dropped connection.
  const replies: ((route: import('playwright-core').Route) => Promise<void>)[] = [
    (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<html>portal</html>' }),
    (route) => route.fulfill({ status: 500, contentType: 'application/json', body: '{"error":"boom"}' }),
    (route) => route.fulfill({ status: 429, contentType: 'application/json', headers: { 'retry-after': '7' }, body: '{"error":{"code":"ECM_ERR_RATE_LIMITED","message":"too many requests"}}' }),
    (route) => route.abort(),
  ];
  const expected = [/^服务的回复无法识别$/, /^Internal Server Error \[HTTP 500\]$/, /^too many requests \(请 7 秒后重试\) \[ECM_ERR_RATE_LIMITED\]$/, /^无法连接服务$/];
  for (const [i, reply] of replies.entries()) {
    await page.unroute('**/v1/intent');
    await page.route('**/v1/intent', reply);
    await page.click('#classify-intent');
    for (let tries = 0; !expected[i].test(await status(page)); tries++) {
      assert.ok(tries < 100, `reply ${i}: "${await status(page)}"`);
      await sleep(50);
    }
    assert.doesNotMatch(await status(page), /undefined|Cannot read/);
  }
  await page.close();
});

test('Review: a second Enter sends nothing twice, Enter on Skip skips, and a queue that cannot be loaded is not called empty', { skip, timeout: 60_000 }, async () => {
  const { url, page } = await start();
  const ids: string[] = [];
  for (const text of ['这个杯子会生锈吗', '台灯能调光吗', '推荐一款吧', '这个怎么用', '发几个']) {
    const r = await fetch(`${url}/v1/intent`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dialogue: [{ role: 'user', text }] }) });
    ids.push(((await r.json()) as { requestId: string }).requestId);
  }
  const queue = (await (await fetch(`${url}/v1/review?task=intent&limit=10`)).json()) as { items: { requestId: string }[] };
  const order = queue.items.map((i) => i.requestId);
  const posts: string[] = [];
  await page.route('**/v1/feedback', async (route) => {
    posts.push(route.request().postData() ?? '');
    await sleep(400);
    await route.continue();
  });
  await page.click('#tabs button[data-tab="review"]');
  await page.waitForSelector(`.review-item[data-request-id="${order[0]}"]`);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await page.waitForSelector(`.review-item[data-request-id="${order[1]}"]`);
  await sleep(600);
  assert.equal(posts.length, 1, `one correction sent: ${posts.join(' ')}`);
  assert.equal(await page.getAttribute('.review-item', 'data-request-id'), order[1], 'the next item is not skipped');
  assert.match((await page.textContent('#review-status')) ?? '', new RegExp(JSON.parse(posts[0]).label));

  // Enter on Skip reached with Tab skips, sending nothing.
  await page.focus('#review-send');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement.id), 'review-skip');
  await page.keyboard.press('Enter');
  await page.waitForSelector(`.review-item[data-request-id="${order[2]}"]`);
  assert.equal(posts.length, 1);
  // Enter on Undo reached with Tab undoes (a DELETE, no label sent).
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement.id), 'review-undo');
  await page.keyboard.press('Enter');
  await page.waitForSelector(`.review-item[data-request-id="${order[0]}"]`);
  assert.equal(posts.length, 1);
  // After a click on Skip, which leaves the focus there unseen, 1 then Enter sends (the page's keys say so).
  await page.click('#review-skip');
  await page.waitForSelector(`.review-item[data-request-id="${order[2]}"]`);
  await page.keyboard.press('1');
  await page.keyboard.press('Enter');
  // The queue then reloads: the first two were skipped, the third is labelled.
  await page.waitForSelector(`.review-item[data-request-id="${order[3]}"]`);
  assert.equal(posts.length, 2, 'the click left Enter sending');
  // Enter on a label's button reached with Tab sends that label, not the one picked before.
  const choices = await page.locator('.review-choices .choice').evaluateAll((nodes) => nodes.map((n) => (n as unknown as { dataset: { label: string } }).dataset.label));
  await page.focus('.review-choices .choice[data-key="1"]');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  for (let tries = 0; posts.length < 3; tries++) {
    assert.ok(tries < 100, 'nothing sent from the focused label');
    await sleep(50);
  }
  assert.equal(JSON.parse(posts[2]).label, choices[1]);
  await sleep(600);

  // A queue that cannot be read: said so, not "empty".
  await page.route('**/v1/review?*', (route) => route.fulfill({ status: 403, contentType: 'application/json', body: '{"error":{"code":"ECM_ERR_FORBIDDEN","message":"reviewers only"}}' }));
  await page.click('.review-tasks button[data-task="scene"]');
  await page.waitForSelector('.review-error');
  assert.equal(await page.locator('.review-empty').count(), 0);
  assert.match((await page.textContent('#review-status')) ?? '', /reviewers only \[ECM_ERR_FORBIDDEN\]/);
  await page.close();
});

test('an answer can be corrected from the page when the service keeps feedback (picked, then sent), and the correction taken back', { skip, timeout: 60_000 }, async () => {
  const { url, page } = await start();
  const reviewCalls: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/v1/review')) reviewCalls.push(r.url());
  });
  await page.fill('#turns input[type=text]', '这个杯子会生锈吗');
  const answered = page.waitForResponse((r) => r.url().endsWith('/v1/intent'));
  await page.click('#classify-intent');
  const answer = (await (await answered).json()) as { requestId: string; prediction: { label: string; ranked: { label: string }[] } };
  await page.waitForSelector('#intent-correct');
  const labelOf = async () => ((await (await fetch(`${url}/v1/feedback/${answer.requestId}`)).json()) as { label: string | null }).label;
  assert.deepEqual(reviewCalls, [], 'the label list is not asked for at page load');
  // Focused, the list gains the task's other labels (the review queue names them); the answer's own is left out.
  const all = ((await (await fetch(`${url}/v1/review?task=intent&limit=1`)).json()) as { labels: string[] }).labels;
  const outside = all.find((label) => label !== answer.prediction.label && !answer.prediction.ranked.some((r) => r.label === label))!;
  assert.ok(outside, 'a label outside the answer\'s ranked ones');
  await page.focus('#intent-correct');
  await page.waitForSelector(`#intent-correct option[value="${outside}"]`, { state: 'attached' });
  const offered = (await page.locator('#intent-correct option').allTextContents()).slice(1);
  assert.deepEqual([...offered].sort(), all.filter((label) => label !== answer.prediction.label).sort());
  // An arrow key only picks: nothing is stored until Send.
  await page.keyboard.press('ArrowDown');
  await sleep(300);
  assert.equal(await labelOf(), null);
  await page.selectOption('#intent-correct', outside);
  await page.click('#intent-send-correction');
  await page.waitForSelector('#intent-undo-correction');
  assert.equal(await labelOf(), outside);
  assert.match((await page.textContent('#intent-result .correction')) ?? '', new RegExp(`已记录更正：${outside}`));
  assert.equal(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement.id), 'intent-undo-correction');
  // In the other language the stored correction is still shown, and undone from there.
  await page.click('#lang-toggle');
  assert.match((await page.textContent('#intent-result .correction')) ?? '', new RegExp(`Correction stored: ${outside}`));
  await page.click('#intent-undo-correction');
  await page.waitForSelector('#intent-correct');
  assert.equal(await labelOf(), null);
  await page.click('#lang-toggle');
  await page.close();

  // A service that keeps no feedback: no control.
  const plain = await context!.newPage();
  await plain.route('**/readyz', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: '{"ready":true,"feedback":{"enabled":false}}' }));
  await plain.goto(url);
  await plain.fill('#turns input[type=text]', '这个杯子会生锈吗');
  await plain.click('#classify-intent');
  await plain.waitForSelector('#intent-result:not([hidden]) .label');
  assert.equal(await plain.locator('#intent-correct').count(), 0);
  await plain.close();
});

test('a turn takes several images, added to those it has, and each can be taken out (a second pick replaced the first)', { skip, timeout: 60_000 }, async () => {
  const { page } = await start();
  const png = await tinyPng();
  const files = (n: number) => Array.from({ length: n }, (_, k) => ({ name: `shot-${k}.png`, mimeType: 'image/png', buffer: png }));
  await page.fill('#turns input[type=text]', '这两个哪个好');
  await page.setInputFiles('#turns .turn[data-index="0"] input[type=file]', files(2));
  await page.waitForSelector('#turns .turn-image >> nth=1');
  await page.setInputFiles('#turns .turn[data-index="0"] input[type=file]', files(1));
  await page.waitForSelector('#turns .turn-image >> nth=2');
  assert.equal(await page.locator('#turns .turn-image').count(), 3);
  await page.locator('#turns .turn-image').nth(1).click();
  assert.equal(await page.locator('#turns .turn-image').count(), 2);
  const sent = page.waitForRequest((r) => r.url().endsWith('/v1/intent'));
  await page.click('#classify-intent');
  const body = JSON.parse((await sent).postData() ?? '{}') as { dialogue: { images?: string[] }[] };
  assert.equal(body.dialogue[0].images?.length, 2);
  await page.waitForSelector('#intent-result:not([hidden]) .label');
  assert.equal(await page.locator('#intent-result .shown-turn .thumb').count(), 2);
  await page.close();
});

test('the page holds a request to the limits the service publishes: an image over them is named and never sent', { skip, timeout: 60_000 }, async () => {
  const limits = { maxImageBytes: 4096, maxImages: 3, maxBodyBytes: 15_000, maxTurnChars: 50 };
  const app = await buildApp({ recognizers: { scene: new FakeSceneRecognizer(), intent: new FakeIntentRecognizer() }, auth: { apiKeys: [], anonymousLoopback: true }, limits });
  try {
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    browser ??= await launchChromium();
    context ??= await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    const sent: string[] = [];
    page.on('request', (r) => { if (r.url().includes('/v1/')) sent.push(new URL(r.url()).pathname); });
    const ready = page.waitForResponse((r) => r.url().endsWith('/readyz'));
    await page.goto(url);
    await ready;
    // Under 4 KiB each, incompressible (noise), and valid, so the service takes them.
    const shot = async (name: string, side: number) => ({ name, mimeType: 'image/png', buffer: await sharp({ create: { width: side, height: side, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer() });
    const big = { name: 'big.png', mimeType: 'image/png', buffer: Buffer.alloc(5000, 7) };

    // A screenshot over the image limit, picked while another is being read: named with its size (rounded up)
    // and the limit, no request, and the upload in flight still shown when it is answered (a refused file
    // took a ticket, so that answer was dropped and the example buttons stayed off).
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/v1/scene', async (route) => {
      await held;
      await route.continue();
    });
    await page.setInputFiles('#scene-file', await shot('ok.png', 34));
    await page.setInputFiles('#scene-file', big);
    await page.waitForSelector('#status:has-text("big.png")');
    assert.match(await status(page), /“big\.png”有 5 KiB，超过服务的单张上限 4 KiB/);
    release();
    await page.waitForSelector('#scene-result:not([hidden]) .label');
    const examples = await page.locator('#scene-examples button').all();
    assert.ok(examples.length > 0, 'the example buttons are on the page');
    for (const button of examples) assert.equal(await button.isDisabled(), false);

    // A turn's box takes no more than a turn may carry.
    assert.equal(await page.locator('#turns input[type=text]').getAttribute('maxlength'), '50');
    await page.fill('#turns input[type=text]', '这几张图里的东西怎么用');
    const picker = '#turns .turn[data-index="0"] input[type=file]';
    // The image over the limit is left out and named; the others are added.
    await page.setInputFiles(picker, [await shot('a.png', 36), big, await shot('b.png', 36)]);
    await page.waitForSelector('#turns .turn-image >> nth=1');
    assert.equal(await page.locator('#turns .turn-image').count(), 2);
    assert.match(await status(page), /big\.png/);
    // Past the images a dialogue may carry: the one over is named and not added.
    await page.setInputFiles(picker, [await shot('c.png', 36), await shot('d.png', 36)]);
    await page.waitForSelector('#turns .turn-image >> nth=2');
    assert.equal(await page.locator('#turns .turn-image').count(), 3);
    assert.match(await status(page), /一段对话最多 3 张图片，“d\.png”未添加/);
    // Three such images as base64 are over the 15,000-byte body: said (the size rounded up, the limit down), and not sent.
    await page.click('#classify-intent');
    assert.match(await status(page), /^这段对话连同图片共 16 KiB，超过服务的上限 14 KiB，未发送/);
    // One image out, it fits and is answered.
    await page.locator('#turns .turn-image').nth(0).click();
    await page.click('#classify-intent');
    await page.waitForSelector('#intent-result:not([hidden]) .label');
    // The service counts an <image> marker and a space for each image the text does not mark: 45 typed
    // characters and two images are 61, over the turn's 50 (the box let them through).
    await page.fill('#turns input[type=text]', '问'.repeat(45));
    await page.click('#classify-intent');
    assert.match(await status(page), /^第 1 轮有 61 字，超过服务的单轮上限 50 字，未发送/);
    assert.deepEqual(sent, ['/v1/scene', '/v1/intent']);
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    await app.close();
  }
});
