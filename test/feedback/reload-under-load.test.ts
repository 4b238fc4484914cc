// test: serial (clients keep sending through a reload, with request deadlines; scripts/test.ts runs it alone)
// A reload of the shipped models in real worker lanes (threads for text, processes for images)
// while clients keep sending dialogues and screenshots: not one request fails, answers before
// the swap carry the old version and answers after it the new one.
import { test } from 'node:test';
import { request } from 'node:http';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendSource } from '../../src/runtime/source.js';
import { modelVersionOf, type ModelFolders } from '../../src/runtime/swap.js';
import { DEFAULT_MODELS_DIR } from '../../src/tasks/default-models.js';
import { startServer } from '../server/helpers.js';

const ADMIN = 'admin-key-0123456789abcdef';

/**
 * POST on a new connection each time (no keep-alive): a socket the server closed for idling while
 * the client reused it would look like a dropped request; here any reset is the server's doing.
 */
function postFresh(url: string, body: unknown): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), connection: 'close' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(data);
  });
}

test('a reload under load swaps the models with no failed request', { timeout: 240_000 }, async (t) => {
  const shipped: ModelFolders = { scene: join(DEFAULT_MODELS_DIR, 'scene'), intent: join(DEFAULT_MODELS_DIR, 'intent') };
  // A retrained intent model stands in: the shipped one with one more field, so another version.
  const retrained = mkdtempSync(join(tmpdir(), 'ecommir-retrained-'));
  const json = JSON.parse(readFileSync(join(shipped.intent!, 'model.json'), 'utf8'));
  writeFileSync(join(retrained, 'model.json'), JSON.stringify({ ...json, note: 'stand-in for a retrained model' }));
  copyFileSync(join(shipped.intent!, 'MODEL_CARD.md'), join(retrained, 'MODEL_CARD.md'));
  const [oldVersion, newVersion] = [await modelVersionOf(shipped.intent), await modelVersionOf(retrained)];
  assert.notEqual(oldVersion, newVersion);

  const source = (folders: ModelFolders) => backendSource({ backend: 'embedded', sceneModel: folders.scene, intentModel: folders.intent });
  const server = await startServer({
    workers: { source: source(shipped), models: shipped, sourceFor: source, cache: { memoryOnly: true, maxBytes: 16 * 1024 * 1024 } },
    adminKeys: [ADMIN],
    auth: { apiKeys: [], anonymousLoopback: true },
    limits: { textConcurrency: 1, imageConcurrency: 1, rateLimitPerMinute: 0 },
  });
  const screenshot = readFileSync(new URL('../../examples/screenshots/order.png', import.meta.url)).toString('base64');
  const texts = ['这个会生锈吗', '面霜怎么用', '什么时候补货', '台灯能调光吗', '衣服会褪色吗'];
  let swapped = false;
  let stopAt = Infinity;
  const outcomes: { status: number; version?: string; after: boolean; task: string; error?: unknown }[] = [];
  const client = async (task: 'intent' | 'scene', n: number): Promise<void> => {
    for (let i = 0; Date.now() < stopAt; i++) {
      const wasSwapped = swapped;
      const r = await postFresh(
        `${server.url}/v1/${task}`,
        task === 'intent' ? { dialogue: [{ role: 'user', text: `${texts[(i + n) % texts.length]}${i}` }] } : { image: screenshot },
      ).catch((err: Error) => ({ status: -1, json: { error: err.message } }));
      outcomes.push({ status: r.status, version: r.json.prediction?.modelVersion, after: wasSwapped, task, ...(r.status !== 200 ? { error: r.json.error } : {}) });
      if (r.status !== 200) return;
    }
  };
  try {
    const clients = [client('intent', 0), client('intent', 1), client('intent', 2), client('scene', 0)];
    await new Promise((r) => setTimeout(r, 500));
    const response = await fetch(`${server.url}/v1/admin/reload`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ intentModel: retrained }),
    });
    const report = (await response.json()) as any;
    assert.equal(response.status, 200, JSON.stringify(report));
    swapped = true;
    stopAt = Date.now() + 1_500;
    await Promise.all(clients);

    const failed = outcomes.filter((o) => o.status !== 200);
    assert.deepEqual(failed, [], 'no request failed during the reload');
    assert.ok(outcomes.length > 20, `requests during the reload: ${outcomes.length}`);
    const intentBefore = outcomes.filter((o) => o.task === 'intent' && !o.after);
    const intentAfter = outcomes.filter((o) => o.task === 'intent' && o.after);
    assert.ok(intentBefore.length > 0 && intentAfter.length > 0, `${intentBefore.length} before, ${intentAfter.length} after`);
    assert.ok(intentBefore.some((o) => o.version === oldVersion));
    assert.ok(intentAfter.every((o) => o.version === newVersion), 'every request sent after the swap is answered by the new model');
    assert.ok(outcomes.some((o) => o.task === 'scene'), 'screenshots were in flight too');
    t.diagnostic(`${outcomes.length} requests (${outcomes.filter((o) => o.task === 'scene').length} screenshots), ${intentBefore.length} dialogues before the swap and ${intentAfter.length} after; ${report.draining} finishing on the old lanes at the swap`);
    const ready = (await (await fetch(`${server.url}/readyz`)).json()) as any;
    assert.equal(ready.models.current.models.intent.version, newVersion);
    assert.equal(ready.models.previous.models.intent.version, oldVersion);
  } finally {
    stopAt = 0;
    await server.close();
  }
});
