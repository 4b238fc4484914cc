// test: serial (deadlines, and /healthz answering while a worker spins; scripts/test.ts runs it alone)
// The service with its recognisers in worker lanes (as `serve` runs them), with fake recognisers
// that can be told to sleep or to spin on the CPU forever: a deadline stops the worker and frees
// its slot, /healthz keeps answering, and text requests never wait behind image work.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { getPriority } from 'node:os';
import sharp from 'sharp';
import { FAKES_MODULE } from './fakes.js';
import { KEY, sleep, solidPng, startServer, type RunningServer } from './helpers.js';
import { SCHED_IDLE, SCHED_OTHER, workerThreads } from '../runtime/worker-processes.js';

const source = (args: object) => ({ module: FAKES_MODULE, export: 'createRecognizerSet', args });
const servers: RunningServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function start(args: object, limits: object): Promise<RunningServer> {
  const server = await startServer({ workers: { source: source(args), cache: { disabled: true } }, limits: { rateLimitPerMinute: 0, ...limits } });
  servers.push(server);
  return server;
}

/**
 * Polls /healthz every 25 ms until `until` settles: how many answers came back before it settled, and
 * the slowest, ms. A blocked event loop answers none until the work ends; a busy machine answers
 * slowly but still many times, so the count (not an absolute time) tells the two apart.
 */
async function healthzWhile(url: string, until: Promise<unknown>): Promise<{ answered: number; slowest: number }> {
  let done = false;
  void until.finally(() => (done = true));
  let slowest = 0;
  let answered = 0;
  while (!done) {
    const started = performance.now();
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    if (!done) answered++;
    slowest = Math.max(slowest, performance.now() - started);
    await sleep(25);
  }
  return { answered, slowest };
}

const lanes = async (url: string) => ((await (await fetch(`${url}/readyz`)).json()) as any).lanes;

test('a text call that spins forever gets 504 at its deadline; its worker is stopped and replaced; /healthz stays fast', { timeout: 60_000 }, async () => {
  const server = await start({ intent: { spinOn: 'SPIN' } }, { timeoutMs: 1500, textConcurrency: 1 });
  const started = performance.now();
  const stuck = server.post('/v1/intent', { dialogue: [{ role: 'user', text: '哦哦 SPIN' }] });
  const health = await healthzWhile(server.url, stuck);
  const answer = await stuck;
  assert.equal(answer.status, 504);
  assert.equal(answer.json.error.code, 'ECM_ERR_TIMEOUT');
  assert.ok(performance.now() - started < 5000, 'answered at the deadline');
  // The spin lasts the whole 1500 ms deadline: a blocked loop would answer /healthz once at most, after it.
  assert.ok(health.answered >= 3, `/healthz answered ${health.answered} times while a worker spun (slowest ${health.slowest.toFixed(0)} ms)`);
  assert.ok(health.slowest < 1500, `/healthz took ${health.slowest.toFixed(0)} ms while a worker spun`);
  assert.equal((await lanes(server.url)).text.terminated, 1);
  // The lane's only slot is free again: a new worker answers the next request.
  const next = await server.post('/v1/intent', { dialogue: [{ role: 'user', text: '这个会生锈吗' }] });
  assert.equal(next.status, 200);
  assert.equal(next.json.prediction.label, '是否会生锈');
});

test('text requests never wait behind image work; a dialogue with images its model may read takes the image lane', { timeout: 90_000 }, async () => {
  const server = await start({ scene: { delayMs: 2000 } }, { imageConcurrency: 1, textConcurrency: 1 });
  const png = (await solidPng(40, 40, [20, 40, 220])).toString('base64');
  // The dialogue is sent once the three scene requests wait in the lane: sent with them, it could reach
  // the lane first and be answered at once (its fake intent does not sleep), leaving one scene active and
  // two queued, which once failed this test in a fresh-clone CI (2026-12-05). Requests reach the lane as
  // fast as the service reads and checks them (a fixed 200 ms was too short on a slow machine), so each
  // step is waited for, all of it well inside the first scene's 2000 ms.
  const sent = performance.now();
  let busy = await lanes(server.url);
  const waitForImageLane = async (queued: number) => {
    while (!(busy.image.active === 1 && busy.image.queued >= queued) && performance.now() - sent < 1700) {
      await sleep(20);
      busy = await lanes(server.url);
    }
    return `${(performance.now() - sent).toFixed(0)} ms after sending: ${JSON.stringify(busy.image)}`;
  };
  const scenes = Array.from({ length: 3 }, () => server.post('/v1/scene', { image: png }));
  const scenesWaited = await waitForImageLane(2);
  assert.ok(busy.image.active === 1 && busy.image.queued >= 2, `the scene requests wait in the image lane (${scenesWaited})`);
  const withImage = server.post('/v1/intent', { dialogue: [{ role: 'user', text: '推荐一下', images: [png] }] });
  const waited = await waitForImageLane(3);
  assert.equal(busy.image.active, 1, waited);
  assert.ok(busy.image.queued >= 3, `the dialogue with an image waits in the image lane behind them (${waited})`);
  for (let i = 0; i < 10; i++) {
    const started = performance.now();
    const answer = await server.post('/v1/intent', { dialogue: [{ role: 'user', text: '怎么用' }] });
    assert.equal(answer.status, 200);
    assert.ok(performance.now() - started < 1000, `text request ${i} waited ${(performance.now() - started).toFixed(0)} ms`);
  }
  assert.deepEqual((await Promise.all(scenes)).map((a) => a.status), [200, 200, 200]);
  assert.equal((await withImage).status, 200);
});

test('a dialogue whose model reads no pixels is answered in the text lane while screenshots hold the image lane; a cut image is still refused; a large or progressive one still goes to the image lane', { timeout: 90_000 }, async () => {
  const server = await start({ scene: { delayMs: 4000 }, intent: { readsImages: false } }, { imageConcurrency: 1, textConcurrency: 1 });
  const png = (await solidPng(40, 40, [20, 40, 220])).toString('base64');
  const sent = performance.now();
  const scenes = Array.from({ length: 2 }, () => server.post('/v1/scene', { image: png }));
  let busy = await lanes(server.url);
  while (!(busy.image.active === 1 && busy.image.queued >= 1) && performance.now() - sent < 3000) {
    await sleep(20);
    busy = await lanes(server.url);
  }
  assert.ok(busy.image.active === 1 && busy.image.queued >= 1, `the scene requests hold the image lane: ${JSON.stringify(busy.image)}`);
  let scenesDone = false;
  void Promise.all(scenes).finally(() => (scenesDone = true));

  const small = await server.post('/v1/intent', { dialogue: [{ role: 'user', text: '会生锈吗 <image>', images: [png] }] });
  assert.equal(small.status, 200, JSON.stringify(small.json));
  assert.equal(small.json.prediction.label, '是否会生锈');
  assert.equal(scenesDone, false, 'answered before the screenshots ahead of it in the image lane');

  // The text lane decodes the images it answers for: a JPEG cut off in its scan data is named. (A cut
  // PNG is not judged cheap to decode, its chunks not tiling the file: the image lane refuses it.)
  const noise = Buffer.alloc(64 * 64 * 3).map((_, i) => (i * 2654435761) >>> 24);
  const whole = await sharp(noise, { raw: { width: 64, height: 64, channels: 3 } }).jpeg().toBuffer();
  const cut = whole.subarray(0, Math.floor(whole.length * 0.6)).toString('base64');
  const refused = await server.post('/v1/intent', { dialogue: [{ role: 'user', text: '会生锈吗', images: [cut] }] });
  assert.equal(refused.status, 400, JSON.stringify(refused.json));
  assert.match(refused.json.error.message, /turn1-image1/);
  assert.equal(refused.json.error.code, 'ECM_ERR_IMAGE_CORRUPT');
  assert.equal(scenesDone, false, 'refused before the screenshots ahead of it in the image lane');

  // More pixels than the text lane checks (TEXT_LANE_IMAGE_LOAD: 8 MP), or a coding whose decode can
  // cost far more than its size says (a progressive JPEG), are checked in the image lane: answered only
  // after the screenshots ahead of them (each takes 4 s there; in the text lane these take milliseconds).
  const large = (await solidPng(3000, 3000, [20, 40, 220])).toString('base64');
  const progressive = (await sharp({ create: { width: 40, height: 40, channels: 3, background: { r: 20, g: 40, b: 220 } } }).jpeg({ progressive: true }).toBuffer()).toString('base64');
  const imageLane = await Promise.all(
    [large, progressive].map(async (image) => {
      const answer = await server.post('/v1/intent', { dialogue: [{ role: 'user', text: '会生锈吗', images: [image] }] });
      return { status: answer.status, afterScreenshots: scenesDone };
    }),
  );
  assert.deepEqual(imageLane, [{ status: 200, afterScreenshots: true }, { status: 200, afterScreenshots: true }]);
  assert.deepEqual((await Promise.all(scenes)).map((a) => a.status), [200, 200]);
});

test('a client that leaves stops its image work at once: the process is killed and the next request is served', { timeout: 90_000 }, async () => {
  const server = await start({ scene: { spinOn: 'red' } }, { imageConcurrency: 1, timeoutMs: 60_000 });
  const red = (await solidPng(30, 30, [250, 5, 5])).toString('base64');
  const blue = (await solidPng(30, 30, [5, 5, 250])).toString('base64');
  const controller = new AbortController();
  const gone = fetch(`${server.url}/v1/scene`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify({ image: red }),
    signal: controller.signal,
  }).catch(() => undefined);
  await sleep(800);
  controller.abort();
  await gone;
  const started = performance.now();
  const next = await server.post('/v1/scene', { image: blue });
  assert.equal(next.status, 200, JSON.stringify(next.json));
  assert.ok(performance.now() - started < 30_000, 'served by a fresh worker, not after the deadline of the one that left');
  assert.equal((await lanes(server.url)).image.terminated, 1);
});

test('the image lane runs under SCHED_IDLE at nice 10 by default; imageIdle false keeps the normal policy', { timeout: 90_000 }, async () => {
  for (const [imageIdle, policy] of [[undefined, SCHED_IDLE], [false, SCHED_OTHER]] as const) {
    const before = new Set(workerThreads().keys());
    const server = await startServer({ workers: { source: source({}), cache: { disabled: true }, imageIdle }, limits: { rateLimitPerMinute: 0, imageConcurrency: 1 } });
    servers.push(server);
    const started = [...workerThreads()].filter(([pid]) => !before.has(pid));
    assert.equal(started.length, 1, 'one image process (the text lane runs on threads)');
    assert.ok(started[0][1].every((t) => t.policy === policy && t.nice === Math.min(19, getPriority() + 10)), `imageIdle ${imageIdle}: ${JSON.stringify(started[0][1])}`);
    assert.equal((await server.post('/v1/scene', { image: (await solidPng(30, 30, [5, 5, 250])).toString('base64') })).status, 200);
  }
});
