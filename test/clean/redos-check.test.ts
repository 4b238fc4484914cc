// Denoising must run in linear time on any input: every shipped pattern passes the ReDoS checker
// (recheck), judged by step limits and not by its short wall-clock limits (only a 60 s cap a pattern),
// so a loaded machine does not change the verdict and this file runs beside others. The guards that
// depend on time run alone, in redos.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { checkSync } from 'recheck';
import { DEFAULT_RULES_PATH } from '../../src/clean/rules.js';

interface RawRule {
  id: string;
  pattern: string;
  flags?: string;
}

const raw = JSON.parse(await readFile(DEFAULT_RULES_PATH, 'utf8')) as Record<string, unknown> & { sentenceBreak: string };
const patterns: Array<[string, string, string]> = [['sentenceBreak', raw.sentenceBreak, 'u']];
for (const level of ['normalise', 'sentence', 'word']) {
  for (const rule of raw[level] as RawRule[]) patterns.push([`${level}/${rule.id}`, rule.pattern, `${rule.flags ?? ''}u`]);
}

test('every pattern of rules/denoise.json passes the ReDoS checker', { timeout: 240_000 }, () => {
  const unsafe: string[] = [];
  for (const [name, source, flags] of patterns) {
    // Step limits only, no wall-clock limits inside the check: with its default 1 s attack timeout,
    // recheck called a linear pattern vulnerable when a loaded machine made the attack run slowly.
    const result = checkSync(source, flags, { timeout: 60_000, attackTimeout: null, incubationTimeout: null, seedingTimeout: null });
    if (result.status !== 'safe') unsafe.push(`${name}: ${result.status}${result.status === 'vulnerable' ? ` (${result.complexity.summary}, ${result.attack.pattern})` : ''}`);
  }
  assert.deepEqual(unsafe, []);
  assert.ok(patterns.length > 20, 'all levels were read');
});
