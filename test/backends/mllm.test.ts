// The mllm backend against a local scripted server: what it sends (model, messages, images as data
// URLs, the constraint, the token limit) and how it handles each kind of answer and failure. Tests
// named "wiring only" script the server to echo the gold label: they check plumbing, not recognition.
// The "recorded response" tests serve responses in the documented format of a real engine (vLLM's
// OpenAI-compatible server, test/fixtures/mllm/) and check prompt, constraint and parsing against them.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadSamples } from '../../src/data/load.js';
import { EcommirError } from '../../src/errors.js';
import { Taxonomy } from '../../src/labels/taxonomy.js';
import { MAX_ANSWER_CHARS, MllmRecognizer, OffLabelAnswerError, type MllmOptions } from '../../src/backends/mllm/recognizer.js';
import { MAX_RESPONSE_BYTES } from '../../src/backends/mllm/client.js';
import type { Sample } from '../../src/types.js';
import { DEV_JSON } from '../data/helpers.js';
import { deadEndpoint, startChatServer, type RecordedRequest, type TestServer } from './mllm-server.js';
import { until } from '../until.js';

const intentTaxonomy = Taxonomy.default('intent');
const sceneTaxonomy = Taxonomy.default('scene');
let intents: Sample[] = [];
let scene: Sample;
const servers: TestServer[] = [];

before(async () => {
  const all = (await loadSamples(DEV_JSON)).samples;
  intents = all.filter((s) => s.task === 'intent' && s.images.length === 1).slice(0, 5);
  scene = all.find((s) => s.task === 'scene')!;
});
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function serve(script: Parameters<typeof startChatServer>[0]): Promise<TestServer> {
  const server = await startChatServer(script);
  servers.push(server);
  return server;
}

function recognizer(server: TestServer | string, options: Partial<MllmOptions> = {}): MllmRecognizer {
  return new MllmRecognizer({ task: 'intent', endpoint: typeof server === 'string' ? server : server.endpoint, model: 'minicpm-v-lora', backoffMs: 5, ...options });
}

/** The checks every request must pass; returns the problems found (empty when fine). */
function requestProblems(r: RecordedRequest, choices: readonly string[]): string[] {
  const problems: string[] = [];
  const b = r.body;
  if (r.url !== '/v1/chat/completions') problems.push(`url ${r.url}`);
  if (b.model !== 'minicpm-v-lora') problems.push(`model ${b.model}`);
  if (!(b.max_tokens >= 1 && b.max_tokens <= 100)) problems.push(`max_tokens ${b.max_tokens}`);
  if (b.messages[0]?.role !== 'system' || typeof b.messages[0].content !== 'string') problems.push('no system message first');
  else for (const c of choices) if (!b.messages[0].content.includes(c)) problems.push(`label ${c} missing from the prompt`);
  const user = b.messages[1];
  if (user?.role !== 'user' || !Array.isArray(user.content)) problems.push('user content is not a list of parts');
  else {
    const images = user.content.filter((p) => p.type === 'image_url');
    if (images.length === 0) problems.push('no image part');
    for (const p of images) if (!/^data:image\/(jpeg|png|webp|gif);base64,[A-Za-z0-9+/]{100,}={0,2}$/.test(p.image_url?.url ?? '')) problems.push('image part is not a data URL');
  }
  return problems;
}

test('wiring only (the scripted server echoes the gold label): request shape, guided_choice = the label set, logprobs as confidence', async () => {
  const sample = intents[0];
  const server = await serve(() => ({ content: sample.label!, logprobs: [-0.1, -0.05] }));
  const prediction = await recognizer(server).predict(sample);
  assert.equal(server.requests.length, 1);
  const [request] = server.requests;
  assert.deepEqual(requestProblems(request, intentTaxonomy.labels), []);
  assert.deepEqual(request.body.guided_choice, [...intentTaxonomy.labels]);
  assert.equal(request.body.temperature, 0);
  // The dialogue went in cleaned: the "cannot read images" agent line of the dev sample is gone.
  const userText = (request.body.messages[1].content as { type: string; text?: string }[]).map((p) => p.text ?? '').join('');
  assert.match(userText, /用户: /);
  assert.doesNotMatch(userText, /不能识别图片/);
  assert.equal(prediction.label, sample.label);
  assert.equal(prediction.coarse, intentTaxonomy.coarseOf(sample.label!));
  assert.ok(Math.abs(prediction.confidence - Math.exp(-0.15)) < 1e-9);
  assert.equal(prediction.ranked.length, intentTaxonomy.labels.length);
  assert.ok(Math.abs(prediction.ranked.reduce((s, r) => s + r.confidence, 0) - 1) < 1e-9);
});

test('wiring only (scripted answer = the gold pair): hierarchical choices are 粗类-细类 and the answer maps back to the fine label', async () => {
  const sample = intents[1];
  const pair = intentTaxonomy.hierarchical(sample.label!);
  const server = await serve(() => ({ content: pair }));
  const prediction = await recognizer(server, { hierarchical: true }).predict(sample);
  assert.deepEqual(server.requests[0].body.guided_choice, intentTaxonomy.labels.map((l) => intentTaxonomy.hierarchical(l)));
  assert.equal(prediction.label, sample.label);
  assert.equal(prediction.hierarchical, pair);
  assert.equal(prediction.confidence, 1, 'no logprobs: confidence 1 for the answer');
});

test('wiring only (scripted answer = the gold label): scene samples, json_schema constraint: the enum is the label set and {"label"} is read', async () => {
  const server = await serve(() => ({ content: JSON.stringify({ label: scene.label }) }));
  const prediction = await recognizer(server, { task: 'scene', constrain: 'json_schema' }).predict(scene);
  const body = server.requests[0].body;
  assert.deepEqual(requestProblems(server.requests[0], sceneTaxonomy.labels), []);
  assert.deepEqual(body.response_format?.json_schema.schema.properties.label.enum, [...sceneTaxonomy.labels]);
  assert.equal(body.guided_choice, undefined);
  assert.equal(prediction.label, scene.label);
});

test('wiring only (scripted answer = the gold label): grammar constraint, one GBNF alternative per label', async () => {
  const server = await serve(() => ({ content: intents[0].label! }));
  await recognizer(server, { constrain: 'grammar', logprobs: false }).predict(intents[0]);
  const grammar = server.requests[0].body.grammar!;
  assert.match(grammar, /^root ::= "/);
  assert.equal(grammar.split(' | ').length, intentTaxonomy.labels.length);
  assert.equal(server.requests[0].body.logprobs, undefined);
});

test('wiring only (scripted answers): an off-label answer, then the gold label: the retry carries the answer and a reminder', async () => {
  const sample = intents[2];
  const server = await serve((_, n) => ({ content: n === 1 ? '我不知道呢' : `分类标签：“${sample.label}”。` }));
  const prediction = await recognizer(server, { constrain: 'none' }).predict(sample);
  assert.equal(server.requests.length, 2);
  const retry = server.requests[1].body.messages;
  assert.deepEqual(retry.map((m) => m.role), ['system', 'user', 'assistant', 'user']);
  assert.equal(retry[2].content, '我不知道呢');
  assert.equal(prediction.label, sample.label);
});

test('an answer off the label set on all 3 calls: ECM_ERR_NO_ANSWER naming the sample', async () => {
  const sample = intents[0];
  const server = await serve(() => ({ content: '天气不错' }));
  await assert.rejects(recognizer(server, { constrain: 'none' }).predict(sample), (err: unknown) => {
    assert.ok(err instanceof OffLabelAnswerError);
    assert.equal(err.code, 'ECM_ERR_NO_ANSWER');
    assert.match(err.message, new RegExp(`id ${sample.id}`));
    assert.match(err.message, /天气不错/);
    return true;
  });
  assert.equal(server.requests.length, 3, 'never more than 3 calls a sample');
});

test('wiring only (scripted answer = the gold label): HTTP 500 then success, retried after a backoff', async () => {
  const server = await serve((_, n) => (n === 1 ? { status: 500 } : { content: intents[0].label! }));
  const started = performance.now();
  const prediction = await recognizer(server, { backoffMs: 50 }).predict(intents[0]);
  assert.ok(performance.now() - started >= 45, 'waited the backoff');
  assert.equal(server.requests.length, 2);
  assert.equal(prediction.label, intents[0].label);
});

test('a server that always answers 503: ECM_ERR_BACKEND after exactly 3 calls', async () => {
  const server = await serve(() => ({ status: 503 }));
  await assert.rejects(recognizer(server).predict(intents[0]), (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_BACKEND' && /503/.test(err.message) && /3 calls/.test(err.message));
  assert.equal(server.requests.length, 3);
});

test('a server that is down: ECM_ERR_BACKEND naming the endpoint and the sample', async () => {
  const endpoint = await deadEndpoint();
  await assert.rejects(recognizer(endpoint).predict(intents[0]), (err: unknown) => {
    assert.ok(err instanceof EcommirError);
    assert.equal(err.code, 'ECM_ERR_BACKEND');
    assert.ok(err.message.includes(`${endpoint}/v1/chat/completions`), err.message);
    assert.ok(err.message.includes(intents[0].id));
    return true;
  });
});

test('a slow server: each call times out, ECM_ERR_TIMEOUT after 3 calls', async () => {
  // 400 ms a call, not less: on a loaded machine a 100 ms limit could end a call before the server
  // had read it, and the count below came out 2. Counted as the headers arrive, not once the body is read.
  const server = await serve(() => ({ content: intents[0].label!, delayMs: 6000 }));
  const started = performance.now();
  await assert.rejects(recognizer(server, { timeoutMs: 400 }).predict(intents[0]), (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_TIMEOUT');
  assert.ok(performance.now() - started < 4000, 'did not wait for the slow answers');
  // A call given up may reach the server's handler after the client has moved on.
  await until('the third call reaches the server', () => server.arrived >= 3, 5_000);
  assert.equal(server.arrived, 3);
});

test('a key that cannot go in a header is refused when the recogniser is made, without being shown; so is a timeout past what a timer holds', async () => {
  for (const key of ['sk-SECRET-xyz\nX-Evil: 1', 'sk-SECRET 1', 'sk-SECRET-é']) {
    assert.throws(() => recognizer('http://127.0.0.1:9/v1', { apiKey: key }), (err: Error & { code?: string }) => err.code === 'ECM_ERR_BAD_OPTION' && !err.message.includes('SECRET') && /ECOMMIR_MLLM_API_KEY/.test(err.message));
  }
  assert.throws(() => recognizer('http://127.0.0.1:9/v1', { timeoutMs: 3_000_000_000 }), /--mllm-timeout-ms must be an integer from 1 to 2147483647/);
});

test('a redirect to a location that is no URL is named as such, still as the endpoint\'s fault', async () => {
  const server = await serve(() => ({ status: 302, raw: '', headers: { location: 'http://[' } }));
  await assert.rejects(recognizer(server).predict(intents[0]), (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_BACKEND' && /HTTP 302, a redirect to an invalid location/.test(err.message));
});

test('a redirect is not followed: the request would go to another server', async () => {
  const elsewhere = await serve(() => ({ content: intents[0].label! }));
  const server = await serve(() => ({ status: 307, raw: '', headers: { location: `${elsewhere.endpoint}/chat/completions?token=SECRET` } }));
  await assert.rejects(recognizer(server).predict(intents[0]), (err: unknown) => {
    assert.ok(err instanceof EcommirError && err.code === 'ECM_ERR_BACKEND', String(err));
    assert.match(err.message, /HTTP 307, a redirect to http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions: redirects are not followed/);
    assert.ok(!err.message.includes('SECRET'), err.message);
    return true;
  });
  assert.equal(server.requests.length, 1, 'not retried');
  assert.equal(elsewhere.requests.length, 0, 'nothing sent to the other server');
});

test('a body over the cap is refused at once, not read whole and not retried; a long answer is cut before it is matched and sent back', async () => {
  const huge = await serve(() => ({ raw: JSON.stringify({ choices: [{ message: { content: 'x'.repeat(MAX_RESPONSE_BYTES) } }] }) }));
  await assert.rejects(recognizer(huge).predict(intents[0]), (err: unknown) => err instanceof EcommirError && /more than 4194304 bytes/.test(err.message) && err.message.length < 1000);
  assert.equal(huge.requests.length, 1);
  // A body that never ends: refused once past the cap, long before the call's deadline (read whole, it never would be).
  const endless = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = () => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  });
  await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve));
  try {
    const started = performance.now();
    const endpoint = `http://127.0.0.1:${(endless.address() as AddressInfo).port}/v1`;
    await assert.rejects(recognizer(endpoint, { timeoutMs: 20_000 }).predict(intents[0]), (err: unknown) => err instanceof EcommirError && /more than 4194304 bytes/.test(err.message));
    assert.ok(performance.now() - started < 10_000, 'refused at the cap, not at the deadline');
  } finally {
    endless.closeAllConnections();
    await new Promise<void>((resolve) => endless.close(() => resolve()));
  }
  const long = 'y'.repeat(100_000);
  const chatty = await serve(() => ({ content: long }));
  const started = performance.now();
  await assert.rejects(recognizer(chatty, { constrain: 'none' }).predict(intents[0]), (err: unknown) => err instanceof OffLabelAnswerError && err.message.length < 1000);
  assert.ok(performance.now() - started < 5000);
  assert.equal(chatty.requests[1].body.messages[2].content, long.slice(0, MAX_ANSWER_CHARS), 'the reminder carries the answer cut');
});

test('a 4xx is not retried: a 400 saying the request is too long is about this sample (ECM_ERR_NO_ANSWER); another 400, or a 401, about the endpoint (ECM_ERR_BACKEND)', async () => {
  const tooLong = await serve(() => ({ status: 400, raw: JSON.stringify({ message: "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens." }) }));
  await assert.rejects(recognizer(tooLong).predict(intents[0]), (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_NO_ANSWER' && /HTTP 400/.test(err.message));
  assert.equal(tooLong.requests.length, 1);
  const server = await serve(() => ({ status: 400, raw: JSON.stringify({ message: 'Unrecognized request argument supplied: guided_choice' }) }));
  await assert.rejects(recognizer(server).predict(intents[0]), (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_BACKEND' && /HTTP 400/.test(err.message));
  assert.equal(server.requests.length, 1);
  const locked = await serve(() => ({ status: 401 }));
  await assert.rejects(recognizer(locked).predict(intents[0]), (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_BACKEND' && /HTTP 401/.test(err.message));
  assert.equal(locked.requests.length, 1);
});

test('wiring only (the scripted server answers each sample with its gold label): predictMany keeps at most `concurrency` requests in flight and the input order', async () => {
  // The server tells the samples apart by their image bytes and answers each with its gold label.
  const byImage = await Promise.all(intents.map(async (s) => ({ base64: (await readFile(s.images[0].path!)).toString('base64'), label: s.label! })));
  const server = await serve((r) => {
    const parts = r.body.messages[1].content as { type: string; image_url?: { url: string } }[];
    const url = parts.find((p) => p.type === 'image_url')!.image_url!.url;
    return { content: byImage.find((x) => url.endsWith(`base64,${x.base64}`))?.label ?? 'unknown', delayMs: 40 };
  });
  const predictions = await recognizer(server, { concurrency: 2 }).predictMany(intents);
  assert.deepEqual(predictions.map((p) => p.id), intents.map((s) => s.id));
  assert.deepEqual(predictions.map((p) => p.label), intents.map((s) => s.label));
  assert.equal(server.maxInFlight, 2);
});

test('calls to predict() one by one, not through predictMany, are held to `concurrency` requests in flight too', async () => {
  const server = await serve(() => ({ content: intents[0].label!, delayMs: 150 }));
  const r = recognizer(server, { concurrency: 2 });
  await Promise.all(intents.map((s) => r.predict(s)));
  assert.equal(server.requests.length, intents.length);
  assert.equal(server.maxInFlight, 2);
});

test('a predict whose signal aborts drops its call: one waiting for a slot is never sent, one in flight is given up at once', async () => {
  // Before, a request past its deadline that waited for the slot made its call when its turn came.
  // Text-only copies: encoding an image takes long enough to change which call takes the slot first.
  const [a, b, c] = intents.map((s) => ({ ...s, images: [], turns: s.turns.map((t) => ({ ...t, images: [] })) }));
  const server = await serve(() => ({ content: a.label!, delayMs: 3000 }));
  const r = recognizer(server, { concurrency: 1 });
  const first = r.predict(a);
  await until('the first call to reach the server', () => server.arrived === 1);
  const waiting = new AbortController();
  const second = r.predict(b, { signal: waiting.signal });
  setTimeout(() => waiting.abort(new Error('past its deadline')), 150);
  await assert.rejects(second, /past its deadline/);
  assert.equal((await first).label, a.label);
  assert.equal(server.arrived, 1, 'the aborted predict sent no request');
  const running = new AbortController();
  const started = performance.now();
  const third = r.predict(c, { signal: running.signal });
  await until('the third call to reach the server', () => server.arrived === 2);
  running.abort(new Error('gone'));
  await assert.rejects(third, /gone/);
  assert.ok(performance.now() - started < 2000, `given up after ${Math.round(performance.now() - started)} ms, not at the answer (3 s)`);
  await assert.rejects(r.predict(a, { signal: AbortSignal.abort(new Error('already')) }), /already/);
  assert.equal(server.arrived, 2);
});

test('the challenge limits are enforced on the options', () => {
  assert.throws(() => recognizer('http://127.0.0.1:1', { maxTokens: 101 }), (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_BAD_OPTION');
  assert.throws(() => recognizer('http://127.0.0.1:1', { maxCalls: 4 }), (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_BAD_OPTION');
  assert.throws(() => recognizer('ftp://x', {}), (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_BAD_OPTION');
});

const recorded = (name: string) => readFile(new URL(`../fixtures/mllm/${name}`, import.meta.url), 'utf8');

test('recorded vLLM response (guided_choice, logprobs): the prompt, the constraint and the parsed label and confidence', async () => {
  const raw = await recorded('vllm-guided-choice.json');
  const answer = (JSON.parse(raw) as { choices: { message: { content: string }; logprobs: { content: { logprob: number }[] } }[] }).choices[0];
  // A sample whose gold label is not the recorded answer: what comes back is the engine's answer, parsed.
  const sample = intents.find((s) => s.label !== answer.message.content)!;
  const server = await serve(() => ({ raw }));
  const prediction = await recognizer(server).predict(sample);
  const body = server.requests[0].body;
  assert.deepEqual(requestProblems(server.requests[0], intentTaxonomy.labels), []);
  // vLLM's guided_choice: a list of the exact strings the answer may be.
  assert.deepEqual(body.guided_choice, [...intentTaxonomy.labels]);
  assert.equal(body.logprobs, true);
  assert.equal(body.temperature, 0);
  assert.ok(body.max_tokens <= 100);
  // The images of the sample go as base64 data URLs of their own bytes, in order.
  const parts = body.messages[1].content as { type: string; image_url?: { url: string } }[];
  const urls = parts.filter((p) => p.type === 'image_url').map((p) => p.image_url!.url);
  assert.deepEqual(urls.map((u) => u.slice(u.indexOf('base64,') + 7)), await Promise.all(sample.images.map(async (i) => (await readFile(i.path!)).toString('base64'))));
  assert.equal(prediction.label, answer.message.content);
  assert.notEqual(prediction.label, sample.label);
  assert.equal(prediction.coarse, intentTaxonomy.coarseOf(answer.message.content));
  const logprob = answer.logprobs.content.reduce((s, t) => s + t.logprob, 0);
  assert.ok(Math.abs(prediction.confidence - Math.exp(logprob)) < 1e-9, `confidence ${prediction.confidence} vs exp(${logprob})`);
});

test('recorded vLLM response (response_format json_schema): the schema sent and the {"label"} object read back', async () => {
  const raw = await recorded('vllm-json-schema.json');
  const content = (JSON.parse(raw) as { choices: { message: { content: string } }[] }).choices[0].message.content;
  const expected = (JSON.parse(content) as { label: string }).label;
  const server = await serve(() => ({ raw }));
  const prediction = await recognizer(server, { task: 'scene', constrain: 'json_schema', logprobs: false }).predict(scene);
  const format = server.requests[0].body.response_format as unknown as { type: string; json_schema: { name: string; schema: Record<string, unknown> } };
  // The OpenAI structured-output shape that vLLM accepts: type json_schema, a name, an object schema with a required enum.
  assert.equal(format.type, 'json_schema');
  assert.equal(typeof format.json_schema.name, 'string');
  assert.deepEqual(format.json_schema.schema, { type: 'object', properties: { label: { type: 'string', enum: [...sceneTaxonomy.labels] } }, required: ['label'], additionalProperties: false });
  assert.equal(server.requests[0].body.guided_choice, undefined);
  assert.equal(prediction.label, expected);
  assert.equal(prediction.confidence, 1, 'no logprobs asked: the answer counts as certain');
});
