import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeIntentRecognizer, FakeSceneRecognizer } from './fakes.js';
import { KEY, solidPng, startServer } from './helpers.js';

const recognizers = () => ({ scene: new FakeSceneRecognizer(), intent: new FakeIntentRecognizer() });

test('POST /v1/intent returns ranked intents, coarse-fine, evidence and the uncertain flag', async () => {
  const server = await startServer({ recognizers: recognizers(), topK: 3 });
  try {
    const { status, json } = await server.post('/v1/intent', {
      id: 'd1',
      dialogue: [
        { role: 'user', text: '你好' },
        { role: 'agent', text: '亲，在的' },
        { role: 'user', text: '这个锅用久了会生锈吗' },
      ],
    });
    assert.equal(status, 200);
    const p = json.prediction;
    assert.equal(p.id, 'd1');
    assert.equal(p.label, '是否会生锈');
    assert.equal(p.fine, '是否会生锈');
    assert.equal(p.hierarchical, `${p.coarse}-${p.label}`);
    assert.equal(p.ranked.length, 3);
    assert.equal(p.uncertain, false);
    assert.deepEqual(p.evidence.map((e: { turn: number }) => e.turn), [2, 2]);
    assert.equal(typeof json.ms, 'number');
  } finally {
    await server.close();
  }
});

test('POST /v1/scene accepts base64, a data URL and a multipart upload, with the same answer', async () => {
  const server = await startServer({ recognizers: recognizers() });
  try {
    const png = await solidPng(60, 120, [30, 90, 230]);
    const a = await server.post('/v1/scene', { image: png.toString('base64') });
    const b = await server.post('/v1/scene', { id: 's1', image: `data:image/png;base64,${png.toString('base64')}` });
    const form = new FormData();
    form.append('id', 'up1');
    form.append('file', new Blob([png], { type: 'image/png' }), 'shot.png');
    const c = await fetch(`${server.url}/v1/scene`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` }, body: form });
    const cj = (await c.json()) as any;
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal(c.status, 200);
    assert.equal(a.json.prediction.label, '物流页面-物流跟踪页面');
    assert.equal(b.json.prediction.id, 's1');
    assert.equal(cj.prediction.id, 'up1');
    assert.equal(cj.prediction.label, a.json.prediction.label);
    assert.equal(b.json.prediction.confidence, a.json.prediction.confidence);
  } finally {
    await server.close();
  }
});

test('POST /v1/batch answers in order; one bad item fails alone with its own code', async () => {
  const server = await startServer({ recognizers: recognizers() });
  try {
    const png = await solidPng(20, 20, [240, 20, 20]);
    const { status, json } = await server.post('/v1/batch', {
      samples: [
        { id: 'a', dialogue: [{ role: 'user', text: '会褪色吗' }] },
        { id: 'b', image: Buffer.from('not an image at all').toString('base64') },
        { id: 'c', image: png.toString('base64') },
        { id: 'd', dialogue: [{ role: 'robot', text: 'x' }] },
        { id: 'e', nothing: true },
      ],
    });
    assert.equal(status, 200);
    assert.deepEqual(json.results.map((r: { id: string }) => r.id), ['a', 'b', 'c', 'd', 'e']);
    assert.deepEqual(json.results.map((r: { ok: boolean }) => r.ok), [true, false, true, false, false]);
    assert.equal(json.results[0].prediction.label, '是否易褪色');
    assert.equal(json.results[1].error.code, 'ECM_ERR_IMAGE_CORRUPT');
    assert.match(json.results[1].error.message, /record #1, id b/);
    assert.equal(json.results[3].error.code, 'ECM_ERR_BAD_RECORD');
    assert.equal(json.results[4].error.code, 'ECM_ERR_UNKNOWN_TASK');
  } finally {
    await server.close();
  }
});

test('POST /v1/batch refuses more samples than the limit as a whole', async () => {
  const server = await startServer({ recognizers: recognizers(), limits: { maxBatch: 2 } });
  try {
    const item = { dialogue: [{ role: 'user', text: '推荐一下' }] };
    const { status, json } = await server.post('/v1/batch', { samples: [item, item, item] });
    assert.equal(status, 400);
    assert.equal(json.error.code, 'ECM_ERR_BAD_RECORD');
  } finally {
    await server.close();
  }
});

test('without models: /readyz and the classify endpoints answer 503 ECM_ERR_NO_MODEL; /healthz is up', async () => {
  const server = await startServer({ recognizers: { intent: new FakeIntentRecognizer() } });
  try {
    const ready = await fetch(`${server.url}/readyz`);
    assert.equal(ready.status, 503);
    const body = (await ready.json()) as any;
    assert.deepEqual(body.tasks, { scene: false, intent: true });
    assert.equal(body.error.code, 'ECM_ERR_NO_MODEL');
    const png = await solidPng(8, 8, [0, 0, 0]);
    const scene = await server.post('/v1/scene', { image: png.toString('base64') });
    assert.equal(scene.status, 503);
    assert.equal(scene.json.error.code, 'ECM_ERR_NO_MODEL');
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  } finally {
    await server.close();
  }
});

test('/openapi.json is built from the schemas the routes enforce', async () => {
  const server = await startServer({ recognizers: recognizers(), limits: { maxTurns: 7, maxBatch: 5 } });
  try {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as any;
    assert.equal(doc.openapi, '3.1.0');
    for (const path of ['/v1/scene', '/v1/intent', '/v1/batch']) assert.ok(doc.paths[path].post, path);
    const intent = doc.paths['/v1/intent'].post;
    // Sample sizes are the library's input limits (the CLI's too): documented here, enforced by one check.
    assert.match(intent.requestBody.content['application/json'].schema.properties.dialogue.description, /At most 7 turns/);
    assert.equal(doc.paths['/v1/batch'].post.requestBody.content['application/json'].schema.properties.samples.maxItems, 5);
    assert.ok(doc.paths['/v1/scene'].post.requestBody.content['multipart/form-data']);
    assert.ok(intent.responses['401'] && intent.responses['413']);
    // The enforcement side of the same number: 8 turns are refused.
    const turns = Array.from({ length: 8 }, () => ({ role: 'user', text: '用法' }));
    const refused = await server.post('/v1/intent', { dialogue: turns });
    assert.equal(refused.status, 413);
    assert.equal(refused.json.error.code, 'ECM_ERR_INPUT_TOO_LARGE');
    assert.match(refused.json.error.message, /8 turns, over the limit of 7/);
  } finally {
    await server.close();
  }
});

test('/openapi.json is usable by a code generator: {name} paths, path and query parameters, 415 listed, no page files', async () => {
  const server = await startServer({ recognizers: recognizers() });
  try {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as any;
    const paths = Object.keys(doc.paths);
    assert.deepEqual(paths.filter((p) => p.includes(':')), [], 'Fastify\'s :name syntax');
    // The page's static files (three of them fonts that answer 404) are not API operations.
    assert.deepEqual(paths.filter((p) => !p.startsWith('/v1/') && !['/healthz', '/readyz'].includes(p)), []);
    for (const method of ['get', 'delete']) {
      const [requestId, ...others] = doc.paths['/v1/feedback/{requestId}'][method].parameters;
      assert.deepEqual([requestId.name, requestId.in, requestId.required, others.length], ['requestId', 'path', true, 0], method);
    }
    const review = Object.fromEntries(doc.paths['/v1/review'].get.parameters.map((p: any) => [p.name, p]));
    assert.deepEqual(Object.keys(review).sort(), ['by', 'limit', 'task']);
    assert.equal(review.task.in, 'query');
    assert.equal(review.task.required, true);
    assert.equal(review.limit.required, false);
    assert.deepEqual(review.task.schema.enum, ['scene', 'intent']);
    assert.equal(doc.paths['/v1/admin/reload'].post.requestBody.required, false, 'a reload without a body reloads from where the models are');
    for (const path of ['/v1/scene', '/v1/intent', '/v1/batch', '/v1/feedback']) assert.ok(doc.paths[path].post.responses['415'], `415 for ${path}`);
  } finally {
    await server.close();
  }
});

test('unknown routes and malformed JSON answer with an ECM_ERR code', async () => {
  const server = await startServer({ recognizers: recognizers() });
  try {
    const missing = await fetch(`${server.url}/v1/nothing`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as any).error.code, 'ECM_ERR_NOT_FOUND');
    const bad = await fetch(`${server.url}/v1/intent`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: '{"dialogue": [',
    });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as any).error.code, 'ECM_ERR_BAD_JSON');
  } finally {
    await server.close();
  }
});

test('the page and the examples are served from the package, with a strict CSP', async () => {
  const server = await startServer({ recognizers: recognizers() });
  try {
    const page = await fetch(`${server.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    assert.match(page.headers.get('permissions-policy') ?? '', /camera=\(\)/);
    assert.match(await page.text(), /<script type="module" src="\/app.js">/);
    assert.equal((await fetch(`${server.url}/app.js`)).status, 200);
    const index = (await (await fetch(`${server.url}/examples/index.json`)).json()) as { examples: { kind: string; file: string }[] };
    assert.ok(index.examples.some((e) => e.kind === 'scene') && index.examples.some((e) => e.kind === 'intent'));
    for (const example of index.examples) assert.equal((await fetch(`${server.url}/examples/${example.file}`)).status, 200, example.file);
    // Every example dialogue is a valid /v1/intent body as it stands.
    for (const example of index.examples.filter((e) => e.kind === 'intent')) {
      const body = await (await fetch(`${server.url}/examples/${example.file}`)).json();
      assert.equal((await server.post('/v1/intent', body)).status, 200, example.file);
    }
    assert.equal((await fetch(`${server.url}/examples/../package.json`)).status, 404);
    // The page's fallback Chinese fonts, and nothing else of that folder.
    const font = await fetch(`${server.url}/fonts/NotoSansHans-Regular.otf`);
    assert.equal(font.status, 200);
    assert.ok((await font.arrayBuffer()).byteLength > 1_000_000);
    assert.equal((await fetch(`${server.url}/fonts/NotoSansHans-Light.otf`)).status, 404);
    assert.equal((await fetch(`${server.url}/fonts/../package.json`)).status, 404);
  } finally {
    await server.close();
  }
});
