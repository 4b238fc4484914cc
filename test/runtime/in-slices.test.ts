// Work in slices: the event loop turns between slices, and only then (a step's clock read costs no promise).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInSlices, runToEnd, SliceClock } from '../../src/runtime/in-slices.js';

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

test('SliceClock hands back a turn of the loop only once the slice is spent', async () => {
  const slice = new SliceClock(5);
  assert.equal(slice.turnIfSpent(), undefined);
  busy(6);
  let immediateRan = false;
  setImmediate(() => (immediateRan = true));
  const turn = slice.turnIfSpent();
  assert.ok(turn instanceof Promise);
  await turn;
  assert.ok(immediateRan, 'the loop turned (an earlier setImmediate ran) before the slice went on');
  assert.equal(slice.turnIfSpent(), undefined, 'a new slice starts after the turn');
});

test('runInSlices lets a timer fire in the middle of long work and returns what runToEnd returns', async () => {
  function* steps(): Generator<void, number> {
    let sum = 0;
    for (let i = 0; i < 40; i++) {
      busy(1);
      sum += i;
      yield;
    }
    return sum;
  }
  let fired = -1;
  let stepsDone = 0;
  function* counted(): Generator<void, number> {
    const inner = steps();
    for (;;) {
      const s = inner.next();
      if (s.done) return s.value;
      stepsDone++;
      yield;
    }
  }
  setTimeout(() => (fired = stepsDone), 0);
  const sliced = await runInSlices(counted(), 4);
  assert.equal(sliced, runToEnd(steps()));
  assert.ok(fired > 0 && fired < 40, `the timer fired after step ${fired} of 40`);
});

test('sliced work running at once takes turns: one slice a turn of the loop, whoever’s it is, in turn', async () => {
  // A ticker counts the turns of the loop; each step notes the turn it ran in. With 0 ms slices every
  // step is a slice. Each piece of work used to wait for its own setImmediate, and Node runs all the
  // immediates queued before a turn in that turn: three pieces ran a slice each per turn.
  let turn = 0;
  let ticking = true;
  const tick = (): void => {
    turn++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const ran: { work: string; turn: number }[] = [];
  function* steps(work: string): Generator<void, string> {
    for (let i = 0; i < 5; i++) {
      ran.push({ work, turn });
      yield;
    }
    return work;
  }
  try {
    assert.deepEqual(await Promise.all(['a', 'b', 'c'].map((work) => runInSlices(steps(work), 0))), ['a', 'b', 'c']);
  } finally {
    ticking = false;
  }
  // The first step of the first runs at once (the work starts in this turn); every other one in a turn
  // of its own, the first steps of b and c too (started behind work waiting for its turn).
  const later = ran.slice(1);
  assert.equal(ran[0].work, 'a');
  assert.equal(new Set(later.map((r) => r.turn)).size, later.length, JSON.stringify(ran));
  // In turn: a, b, c, a, b, c, ...
  assert.deepEqual(later.map((r) => r.work).join(''), 'abcabcabcabcbc');
});
