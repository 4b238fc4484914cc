// The light sub-path exports (ecommir/metrics, ecommir/labels, ecommir/data): each loads none of the
// service stack that `import('ecommir')` loads (about a second), and each of its names is the very
// binding the root exports, so code may mix both.
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

async function loadedBy(moduleUrl: string): Promise<{ heavy: string[]; sharp: boolean }> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'ecommir-sub-paths-'));
  try {
    const log = path.join(scratch, 'imports.log');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--import', RECORDER, '--input-type=module', '-e', PROBE], {
      cwd: root,
      env: { ...process.env, ECOMMIR_IMPORT_LOG: log, PROBE_MODULE: moduleUrl },
      maxBuffer: 64 << 20,
    });
    const { cjs, native } = JSON.parse(stdout) as { cjs: string[]; native: string[] };
    const esm = (await readFile(log, 'utf8')).split('\n').map((line) => line.split(' ')[0]);
    const all = [...esm, ...cjs.map((file) => `file://${file}`), ...native.map((file) => `file://${file}`)];
    return { heavy: heavyIn(all), sharp: all.some((url) => url.includes('/node_modules/sharp/')) };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

test('the root entry loads the service stack (what the probe must see, or it proves nothing)', { timeout: 120_000 }, async () => {
  const { heavy } = await loadedBy(new URL('../../src/index.ts', import.meta.url).href);
  for (const name of ['fastify', 'better-sqlite3', 'onnxruntime-node', '@napi-rs/canvas']) assert.ok(heavy.includes(name), `the probe did not see ${name}: ${heavy.join(', ')}`);
});

for (const name of SUB_PATHS) {
  test(`ecommir/${name} loads none of the service stack`, { timeout: 120_000 }, async () => {
    const { heavy, sharp } = await loadedBy(entryUrl(name));
    assert.deepEqual(heavy, [], `ecommir/${name} loads the service stack`);
    // Only the data readers check images (sharp); metrics and labels need no native code at all.
    if (name !== 'data') assert.equal(sharp, false, `ecommir/${name} loads sharp`);
  });
}

test('each sub-path exports the root’s own bindings, and package.json maps it to its built entry', { timeout: 120_000 }, async () => {
  const whole = (await import('../../src/index.js')) as Record<string, unknown>;
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  const build = JSON.parse(readFileSync(path.join(root, 'tsconfig.build.json'), 'utf8')) as { compilerOptions: { rootDir: string; outDir: string } };
  assert.deepEqual(build.compilerOptions, { rootDir: 'src', outDir: 'dist' }, 'the paths below assume src/X.ts is built to dist/X.js');
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
