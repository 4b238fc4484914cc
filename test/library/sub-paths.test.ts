// The light sub-path exports (ecommir/metrics, ecommir/labels, ecommir/data): each loads none of the
// service stack that `import('ecommir')` loads (about a second), nor sharp (about 140 ms) until an
// image is read, and each of its names is the very binding the root exports, so code may mix both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SUB_PATHS = ['metrics', 'labels', 'data'] as const;
const entryUrl = (name: string) => new URL(`../../src/entry/${name}.ts`, import.meta.url).href;
const RECORDER = new URL('./record-imports.mjs', import.meta.url).href;

/** What the service stack is made of: none of it may load behind a light sub-path. */
const HEAVY = ['fastify', '@fastify/', 'better-sqlite3', 'onnxruntime-node', 'onnxruntime-common', '@napi-rs/canvas', 'bullmq', 'ioredis', 'piscina', '@huggingface/transformers', '@tensorflow/', '@gutenye/'];
const heavyIn = (urls: Iterable<string>): string[] => {
  const found = new Set<string>();
  for (const url of urls) {
    if (url.startsWith('node:sqlite')) found.add('node:sqlite');
    for (const name of HEAVY) if (url.includes(`/node_modules/${name}${name.endsWith('/') ? '' : '/'}`)) found.add(name);
  }
  return [...found].sort();
};

// Imports the module in a fresh process and lists what it loaded: the ESM loader's resolutions (a
// hook, record-imports.mjs), CommonJS's require.cache, and the native libraries mapped in.
const PROBE = `
import { createRequire } from 'node:module';
await import(process.env.PROBE_MODULE);
const cjs = Object.keys(createRequire(import.meta.url).cache);
const native = process.report.getReport().sharedObjects;
process.stdout.write(JSON.stringify({ cjs, native }));
`;

/** Runs `script` in a fresh process with the import recorder: its stdout, and the ESM loader's resolutions. */
async function recorded(script: string, env: Record<string, string>): Promise<{ stdout: string; esm: string[] }> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'ecommir-sub-paths-'));
  try {
    const log = path.join(scratch, 'imports.log');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--import', RECORDER, '--input-type=module', '-e', script], {
      cwd: root,
      env: { ...process.env, ...env, ECOMMIR_IMPORT_LOG: log },
      maxBuffer: 64 << 20,
    });
    return { stdout, esm: (await readFile(log, 'utf8')).split('\n').map((line) => line.split(' ')[0]) };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function loadedBy(moduleUrl: string): Promise<{ heavy: string[]; sharp: boolean }> {
  const { stdout, esm } = await recorded(PROBE, { PROBE_MODULE: moduleUrl });
  const { cjs, native } = JSON.parse(stdout) as { cjs: string[]; native: string[] };
  const all = [...esm, ...cjs.map((file) => `file://${file}`), ...native.map((file) => `file://${file}`)];
  return { heavy: heavyIn(all), sharp: all.some((url) => url.includes('/node_modules/sharp/')) };
}

test('the root entry loads the service stack (what the probe must see, or it proves nothing)', { timeout: 120_000 }, async () => {
  const { heavy } = await loadedBy(new URL('../../src/index.ts', import.meta.url).href);
  for (const name of ['fastify', 'better-sqlite3', 'onnxruntime-node', '@napi-rs/canvas']) assert.ok(heavy.includes(name), `the probe did not see ${name}: ${heavy.join(', ')}`);
});

for (const name of SUB_PATHS) {
  test(`ecommir/${name} loads none of the service stack, nor sharp`, { timeout: 120_000 }, async () => {
    const { heavy, sharp } = await loadedBy(entryUrl(name));
    assert.deepEqual(heavy, [], `ecommir/${name} loads the service stack`);
    // The data readers check images with sharp, but load it at the first image (vision/decode.ts).
    assert.equal(sharp, false, `ecommir/${name} loads sharp`);
  });
}

// sharp is ESM (dist/index.mjs): the recorder's log, which the hooks thread writes before the
// import it serves settles, is where the process itself can see whether it is loaded yet.
const PROBE_IMAGE = `
import { readFileSync } from 'node:fs';
const sharpLoaded = () => readFileSync(process.env.ECOMMIR_IMPORT_LOG, 'utf8').includes('/node_modules/sharp/');
await import(process.env.PROBE_MODULE);
const before = sharpLoaded();
const { probeImage, decodeRgb } = await import(process.env.DECODE_MODULE);
const image = { name: 'order.png', path: process.env.IMAGE };
const probed = [await probeImage(image), await probeImage(image)];
const { width, height } = await decodeRgb(image, {}, { maxSide: 64 });
process.stdout.write(JSON.stringify({ before, probed, decoded: { width, height }, after: sharpLoaded() }));
`;

test('ecommir/data reads images all the same: sharp is loaded at the first one', { timeout: 120_000 }, async () => {
  const image = path.join(root, 'examples', 'screenshots', 'order.png');
  const { stdout } = await recorded(PROBE_IMAGE, { PROBE_MODULE: entryUrl('data'), DECODE_MODULE: new URL('../../src/vision/decode.ts', import.meta.url).href, IMAGE: image });
  const { before, probed, decoded, after } = JSON.parse(stdout) as { before: boolean; probed: { width: number; height: number; format: string }[]; decoded: { width: number; height: number }; after: boolean };
  assert.equal(before, false, 'ecommir/data loads sharp before any image is read');
  assert.equal(after, true, 'the probe did not see sharp load: it proves nothing');
  assert.equal(probed[0].format, 'png');
  assert.ok(probed[0].width > 0 && probed[0].height > 0);
  assert.deepEqual(probed[1], probed[0], 'the second probe (sharp already loaded) answers the same');
  assert.equal(Math.max(decoded.width, decoded.height), 64);
});

test('each sub-path exports the root’s own bindings, and package.json maps it to its built entry', { timeout: 120_000 }, async () => {
  const whole = (await import('../../src/index.js')) as Record<string, unknown>;
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  const build = JSON.parse(readFileSync(path.join(root, 'tsconfig.build.json'), 'utf8')) as { compilerOptions: Record<string, string> };
  // The build info sits outside dist/, so that it is not published with the package.
  assert.deepEqual(build.compilerOptions, { rootDir: 'src', outDir: 'dist', tsBuildInfoFile: '.cache/tsconfig.build.tsbuildinfo' }, 'the paths below assume src/X.ts is built to dist/X.js');
  for (const name of SUB_PATHS) {
    const part = (await import(entryUrl(name))) as Record<string, unknown>;
    const names = Object.keys(part);
    assert.ok(names.length > 3, `ecommir/${name} exports ${names.join(', ')}`);
    for (const key of names) assert.ok(part[key] === whole[key], `ecommir/${name} exports ${key}, which is not the root's ${key}`);
    assert.ok(existsSync(path.join(root, 'src', 'entry', `${name}.ts`)));
    assert.deepEqual(pkg.exports[`./${name}`], { types: `./dist/entry/${name}.d.ts`, import: `./dist/entry/${name}.js` });
  }
  assert.deepEqual(pkg.exports['.'], { types: './dist/index.d.ts', import: './dist/index.js' });
});
