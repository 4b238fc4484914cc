import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { threadFile } from '../src/thread-file.js';

test('threadFile starts a thread from the tsx shim under src/ and from the module itself when built', () => {
  assert.equal(threadFile('file:///p/src/vision/ocr.ts', 'recognition-thread'), 'file:///p/src/vision/recognition-thread-tsx.mjs');
  assert.equal(threadFile('file:///p/dist/vision/ocr.js', 'recognition-thread'), 'file:///p/dist/vision/recognition-thread.js');
});

test('every thread module started through threadFile has its shim beside it in src/', () => {
  for (const [dir, name] of [['vision', 'recognition-thread'], ['runtime', 'worker']]) {
    const base = new URL(`../src/${dir}/any.ts`, import.meta.url).href;
    assert.ok(existsSync(fileURLToPath(threadFile(base, name))), `${dir}/${name}-tsx.mjs`);
    assert.ok(existsSync(fileURLToPath(new URL(`../src/${dir}/${name}.ts`, import.meta.url))), `${dir}/${name}.ts`);
  }
});
