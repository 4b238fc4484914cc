// test: serial (compares the times of n and 4n characters; scripts/test.ts runs it alone)
// Denoising must run in linear time on any input: a customer typing 哦 thirty times, or a 20,000-
// character turn, must not freeze a worker. A fuzz test times adversarial texts of n and 4n characters
// through denoising and the intent recogniser's whole text path, asserting the time grows about
// linearly. The ReDoS checks (every shipped pattern, and a user's rules file refused at load) are
// judged by step limits and run beside other files: redos-check.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cleanDialogue } from '../../src/clean/denoise.js';
import { loadDenoiseRules } from '../../src/clean/rules.js';
import { loadRecognizers } from '../../src/tasks/default-models.js';
import type { Role, Sample } from '../../src/types.js';

// Pieces that the rules look for, so that generated texts walk into their quantifiers.
const PIECES = [
  '哦', '好', '的', '嗯', '呢', '了', '交易', '订单', '总金额', '。', '<', '>', '\n', '{', '}', '"pic"', '"', '“', '\\P', '<http>',
  '点击', '【', '】', '[', ']', '|', ' ', '\t', '，', ',', '、', ':', '!', '谢谢', '感谢', '0', '.', '折优惠', '满1', 'ok', 'x',
  '<a:b', '-', '亲', '您好', '~', 'http://', '<image>', '😀', '/:', '人工', '在吗',
];

/** A repeated unit (one piece, or an alternation of a few) and a tail that makes the match fail late. */
const shape = fc.record({
  unit: fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 3 }).map((parts) => parts.join('')),
  tail: fc.constantFrom('', 'x', '感', '\u0000', '前', '。', '\t'),
  role: fc.constantFrom<Role>('user', 'agent'),
});

function textOf(unit: string, tail: string, chars: number): string {
  return unit.repeat(Math.max(1, Math.floor(chars / unit.length))) + tail;
}

/** Fastest of three runs, ms: the least disturbed by other work on the machine. */
function fastest(run: () => void): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    run();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

const dialogue = (text: string, role: Role) => [{ role, text, images: [] }];

/**
 * True when 4× the text takes at most `factor`× the time (plus `slackMs` for timer noise). Linear is
 * 4×, quadratic 16×. On a busy machine one measurement can be disturbed: a failing shape is measured
 * twice more, and only a shape that fails all three times fails the test.
 */
async function growsLinearly(time: (chars: number) => number | Promise<number>, factor: number, slackMs: number): Promise<string | undefined> {
  let last = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const small = await time(5_000);
    const large = await time(20_000);
    if (large <= factor * small + slackMs) return undefined;
    last = `${small.toFixed(1)} ms → ${large.toFixed(1)} ms`;
  }
  return last;
}

test('denoising time grows linearly on adversarial texts (5,000 vs 20,000 characters)', { timeout: 120_000 }, async () => {
  const rules = loadDenoiseRules();
  await fc.assert(
    fc.asyncProperty(shape, async ({ unit, tail, role }) => {
      const failed = await growsLinearly((chars) => fastest(() => cleanDialogue(dialogue(textOf(unit, tail, chars), role), rules)), 8, 15);
      assert.equal(failed, undefined, `${JSON.stringify(unit)}+${JSON.stringify(tail)} (${role}): ${failed}`);
    }),
    { numRuns: 150, seed: 9, interruptAfterTimeLimit: 30_000 },
  );
});

test('the intent recogniser’s whole text path grows linearly too, and the issue’s texts take milliseconds', { timeout: 180_000 }, async () => {
  const { intent } = await loadRecognizers();
  assert.ok(intent, 'the shipped intent model is in the repo');
  const sample = (text: string, role: Role): Sample => ({ id: 'fuzz', index: 0, task: 'intent', candidates: [], turns: dialogue(text, role), images: [] });
  const timeOf = async (s: Sample): Promise<number> => {
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      await intent.predict(s);
      best = Math.min(best, performance.now() - started);
    }
    return best;
  };
  for (const text of ['哦'.repeat(30) + 'x', '交易'.repeat(3000), '好'.repeat(20000)]) {
    const ms = await timeOf(sample(text, 'user'));
    assert.ok(ms < 500, `${text.slice(0, 4)}… (${text.length} characters) took ${ms.toFixed(0)} ms`);
  }
  await fc.assert(
    fc.asyncProperty(shape, async ({ unit, tail, role }) => {
      const failed = await growsLinearly((chars) => timeOf(sample(textOf(unit, tail, chars), role)), 8, 30);
      assert.equal(failed, undefined, `${JSON.stringify(unit)}+${JSON.stringify(tail)} (${role}): ${failed}`);
    }),
    { numRuns: 40, seed: 11, interruptAfterTimeLimit: 30_000 },
  );
});
