// Denoising must run in linear time on any input: every shipped pattern passes the ReDoS checker
// (recheck), and a user's rules file with a dangerous pattern is refused at load, naming the rule. Both
// are judged by step limits and not by recheck's short wall-clock limits (only a cap on the whole
// check), so a loaded machine does not change the verdict and this file runs beside others. The
// guards that depend on time run alone, in redos.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSync } from 'recheck';
import { DEFAULT_RULES_PATH, loadDenoiseRules, parseDenoiseRules } from '../../src/clean/rules.js';

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

test('a rules file with a backtracking pattern is refused at load, naming the rule', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ecommir-rules-'));
  // The closing rule as it once was: 哦+ inside a repeated group that also accepts 哦 (exponential).
  const exponential = { id: 'closing', pattern: '^(?:(?:好的|好|嗯+|哦+|ok)[，,的哦呢!！。.~～\\s]*)+$' };
  const cubic = { id: 'order-card', pattern: '[^<>。\\n]*(?:交易|订单)[^<>。\\n]*总金额[^<>。\\n]*。?', replacement: '<order>' };
  const file = join(dir, 'rules.json');
  await writeFile(file, JSON.stringify({ markers: ['<image>'], sentence: [{ id: 'ok-rule', pattern: '^谢谢$' }, exponential] }));
  assert.throws(() => loadDenoiseRules(file), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ECM_ERR_BAD_OPTION');
    assert.match(err.message, /sentence\[1\] \(closing\)/);
    assert.match(err.message, /exponential/);
    return true;
  });
  assert.throws(() => parseDenoiseRules({ normalise: [cubic] }, 'model.json (rules)'), /normalise\[0\] \(order-card\).*polynomial/s);
  // The same rules pass when the check is turned off on purpose, and a safe file loads.
  assert.equal(parseDenoiseRules({ normalise: [cubic] }, 'x', { checkRedos: false }).normalise.length, 1);
  await writeFile(file, JSON.stringify({ markers: ['<image>'], sentence: [{ id: 'thanks', pattern: '^谢谢[!！。]*$' }] }));
  assert.equal(loadDenoiseRules(file).sentence[0].id, 'thanks');
});
