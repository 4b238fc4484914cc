// A model trained with its own denoising rules is ReDoS-checked once on a machine, not in every worker
// that loads it: the checker's "safe" verdicts are kept in the feature cache (src/tasks/intent/redos-memo.ts).
// Shown through what a verdict changes: a pattern the checker refuses loads in a new process once the
// cache says it was proven safe, and is refused with a cache that says nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { chmod, link, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_RULES_PATH, parseDenoiseRules, patternMemoKey } from '../../../src/clean/rules.js';
import { loadSamples } from '../../../src/data/load.js';
import { FeatureCache, jsonCodec, sha256Hex } from '../../../src/features/cache.js';
import { cachedPatternMemo } from '../../../src/tasks/intent/redos-memo.js';
import { IntentRecognizer } from '../../../src/tasks/intent/recognizer.js';
import { MODEL_FILE } from '../../../src/tasks/model-file.js';
import { DEV_JSON } from '../../data/helpers.js';

const run = promisify(execFile);
// The memo also reads the user's main cache folder: this file's tests get their own, so that nothing
// the developer's ~/.cache/ecommir holds changes an answer, and nothing there is touched.
process.env.ECOMMIR_CACHE_DIR = mkdtempSync(join(tmpdir(), 'ecommir-redos-main-'));
const RECOGNIZER = new URL('../../../src/tasks/intent/recognizer.ts', import.meta.url).href;
// Polynomial backtracking: the checker refuses it (test/clean/redos-check.test.ts).
const CUBIC = '[^<>。\\n]*(?:交易|订单)[^<>。\\n]*总金额[^<>。\\n]*。?';

async function files(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
}

/** Loads the model in a new process (no verdict of this one) with the cache in `cacheDir`; its error message, or ''. */
async function loadElsewhere(modelDir: string, cacheDir: string): Promise<string> {
  const script = `import { IntentRecognizer } from ${JSON.stringify(RECOGNIZER)};
try { await IntentRecognizer.load(${JSON.stringify(modelDir)}); } catch (err) { process.stdout.write(err.message); }`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, ECOMMIR_CACHE_DIR: cacheDir } });
  return stdout;
}

test('a memo is asked before the checker and told what it proves, never what it refuses', () => {
  const kept = new Set<string>();
  const memo = { has: (k: string) => kept.has(k), add: (k: string) => void kept.add(k) };
  // A pattern no other test proves, so this process has no verdict on it yet.
  const fresh = `^谢谢客服${Date.now()}$`;
  parseDenoiseRules({ sentence: [{ id: 'fresh', pattern: fresh }] }, 'x', { provenSafe: memo });
  assert.ok(kept.has(patternMemoKey(fresh, 'u')));
  assert.match(patternMemoKey(fresh, 'u'), /^recheck \d+\.\d+\.\d+ \{"timeout":30000,[^\n]*\}\n/, 'the checker version and its options are part of the key');
  assert.throws(() => parseDenoiseRules({ normalise: [{ id: 'cubic', pattern: CUBIC }] }, 'x', { provenSafe: memo }), /polynomial/);
  assert.equal(kept.has(patternMemoKey(CUBIC, 'ug')), false);
  kept.add(patternMemoKey(CUBIC, 'ug'));
  assert.equal(parseDenoiseRules({ normalise: [{ id: 'cubic', pattern: CUBIC }] }, 'x', { provenSafe: memo }).normalise.length, 1);
});

test('the feature cache keeps the verdicts; a disabled or memory-only cache keeps none', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ecommir-redos-memo-'));
  const key = patternMemoKey('^好的$', 'u');
  const memo = cachedPatternMemo(new FeatureCache({ dir }));
  memo.add(key);
  await memo.settled();
  assert.equal(cachedPatternMemo(new FeatureCache({ dir })).has(key), true, 'another memo on the folder sees it');
  assert.equal(cachedPatternMemo(new FeatureCache({ dir })).has(patternMemoKey('^好的$', 'iu')), false);
  const kept = await files(join(dir, 'redos-safe'));
  assert.equal(kept.length, 1);
  assert.equal((await stat(join(dir, 'redos-safe', kept[0]))).mode & 0o777, 0o600, 'written by the cache: private');
  const none = await mkdtemp(join(tmpdir(), 'ecommir-redos-memo-'));
  for (const options of [{ dir: none, disabled: true }, { dir: none, memoryOnly: true, maxBytes: 1 << 20 }]) {
    const off = cachedPatternMemo(new FeatureCache(options));
    off.add(key);
    await off.settled();
    assert.equal(off.has(key), false);
  }
  assert.deepEqual(await files(none), []);
});

test('the memo opens its cache at the first verdict asked, not when it is made', () => {
  const previous = process.env.ECOMMIR_CACHE_MAX_MB;
  // A setting the cache refuses: made, the memo reads nothing yet (a model on the shipped rules never asks it).
  process.env.ECOMMIR_CACHE_MAX_MB = 'lots';
  try {
    const memo = cachedPatternMemo();
    assert.throws(() => memo.has(patternMemoKey('^好的$', 'u')), { code: 'ECM_ERR_BAD_OPTION' });
  } finally {
    if (previous === undefined) delete process.env.ECOMMIR_CACHE_MAX_MB;
    else process.env.ECOMMIR_CACHE_MAX_MB = previous;
  }
});

test('a verdict counts only as a private file of this user; the main cache folder is read too', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ecommir-redos-trust-'));
  const cache = new FeatureCache({ dir });
  const key = patternMemoKey('^收到$', 'u');
  const file = cache.pathOf({ contentHash: sha256Hex(key), extractor: 'redos-safe', version: 1 }, jsonCodec<true>());
  await mkdir(dirname(file), { recursive: true });
  // One anyone may write (as a shared folder could hold, planted by another user) is no verdict.
  await writeFile(file, 'true');
  await chmod(file, 0o666);
  assert.equal(cachedPatternMemo(cache).has(key), false, 'others may write it');
  await chmod(file, 0o600);
  assert.equal(cachedPatternMemo(cache).has(key), true);
  await rm(file);
  await mkdir(file);
  assert.equal(cachedPatternMemo(cache).has(key), false, 'a folder of that name');
  await rm(file, { recursive: true });
  // A private file of the user's that says "true" is only a verdict under its own single name.
  const elsewhere = join(dir, 'private.json');
  await writeFile(elsewhere, 'true', { mode: 0o600 });
  await symlink(elsewhere, file);
  assert.equal(cachedPatternMemo(cache).has(key), false, 'a symbolic link');
  await rm(file);
  await link(elsewhere, file);
  assert.equal(cachedPatternMemo(cache).has(key), false, 'a hard link');
  await rm(file);
  await writeFile(file, 'false', { mode: 0o600 });
  assert.equal(cachedPatternMemo(cache).has(key), false, 'a file that says something else');
  await rm(file);

  // The service's cache is <cache>/serve: it reads the verdicts train kept in the main folder.
  const previous = process.env.ECOMMIR_CACHE_DIR;
  process.env.ECOMMIR_CACHE_DIR = dir;
  try {
    const main = cachedPatternMemo(new FeatureCache({ dir }));
    main.add(key);
    await main.settled();
    const serve = join(dir, 'serve');
    assert.equal(cachedPatternMemo(new FeatureCache({ dir: serve })).has(key), true, 'read from the main folder');
    assert.deepEqual(await files(serve), [], 'and nothing written for it');
  } finally {
    if (previous === undefined) delete process.env.ECOMMIR_CACHE_DIR;
    else process.env.ECOMMIR_CACHE_DIR = previous;
  }
});

test('a model with its own rules: train keeps the verdicts, and a new process loads on them without the checker', { timeout: 120_000 }, async () => {
  const cacheDir = await mkdtemp(join(tmpdir(), 'ecommir-redos-cache-'));
  const previous = process.env.ECOMMIR_CACHE_DIR;
  process.env.ECOMMIR_CACHE_DIR = cacheDir;
  try {
    const rules = JSON.parse(await readFile(DEFAULT_RULES_PATH, 'utf8')) as { sentence: { id: string; pattern: string }[] };
    const own = `^多谢店家${Date.now()}[!！。]*$`;
    rules.sentence.push({ id: 'own-thanks', pattern: own });
    const work = await mkdtemp(join(tmpdir(), 'ecommir-redos-model-'));
    const rulesPath = join(work, 'rules.json');
    await writeFile(rulesPath, JSON.stringify(rules));
    const train = (await loadSamples(DEV_JSON)).samples.filter((s) => s.task === 'intent').slice(0, 60);
    const model = await IntentRecognizer.fit(train, { rulesPath, checkpoints: [{}], calibrate: 'validation' });
    assert.equal(cachedPatternMemo(new FeatureCache({ dir: cacheDir })).has(patternMemoKey(own, 'u')), true, 'train kept its verdict');

    // The saved model's rules, given a pattern the checker refuses (as an edited model.json could be).
    const modelDir = join(work, 'model');
    await model.save(modelDir);
    const json = JSON.parse(await readFile(join(modelDir, MODEL_FILE), 'utf8')) as { rules: { normalise: { id: string; pattern: string }[] } };
    json.rules.normalise.push({ id: 'cubic', pattern: CUBIC });
    await writeFile(join(modelDir, MODEL_FILE), JSON.stringify(json));
    assert.match(await loadElsewhere(modelDir, await mkdtemp(join(tmpdir(), 'ecommir-redos-empty-'))), /\(cubic\).*polynomial/s, 'refused with no verdict kept');
    const memo = cachedPatternMemo(new FeatureCache({ dir: cacheDir }));
    memo.add(patternMemoKey(CUBIC, 'ug'));
    await memo.settled();
    assert.equal(await loadElsewhere(modelDir, cacheDir), '', 'loaded on the kept verdict');
  } finally {
    if (previous === undefined) delete process.env.ECOMMIR_CACHE_DIR;
    else process.env.ECOMMIR_CACHE_DIR = previous;
  }
});
