import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { formatDuration, Progress } from '../../src/features/progress.js';

function sink(isTTY: boolean): { stream: Writable & { isTTY?: boolean }; text: () => string } {
  let out = '';
  const stream = new Writable({ write(chunk, _enc, cb) { out += String(chunk); cb(); } }) as Writable & { isTTY?: boolean };
  stream.isTTY = isTTY;
  return { stream, text: () => out };
}

test('rate, elapsed and time left come from the clock; lines are throttled when not a terminal', () => {
  let now = 0;
  const { stream, text } = sink(false);
  const p = new Progress({ total: 10, label: 'ocr', stream, logIntervalMs: 10_000, now: () => now });
  for (let i = 0; i < 4; i++) { now += 1000; p.tick(); }
  assert.equal(text().split('\n').filter(Boolean).length, 1, 'only the first tick printed within 10 s');
  const s = p.snapshot();
  assert.equal(s.done, 4);
  assert.equal(s.rate, 1);
  assert.equal(s.remainingMs, 6000);
  now += 1000;
  p.tick(1, { failed: true });
  const end = p.finish();
  assert.equal(end.failed, 1);
  assert.match(text(), /ocr 5\/10 \(50\.0%\) 1\.00\/s elapsed 5s left 5s 1 failed\n$/);
});

test('a terminal gets one redrawn line; disabled progress prints nothing', () => {
  let now = 0;
  const tty = sink(true);
  const p = new Progress({ total: 2, stream: tty.stream, intervalMs: 0, now: () => now });
  now = 500; p.tick(); now = 1000; p.tick(); p.finish();
  assert.ok(tty.text().startsWith('\r\x1b[K'));
  assert.equal(tty.text().split('\n').length, 2);
  const quiet = sink(false);
  const q = new Progress({ total: 2, stream: quiet.stream, enabled: false });
  q.tick(); q.finish();
  assert.equal(quiet.text(), '');
  assert.throws(() => new Progress({ total: -1 }), { code: 'ECM_ERR_BAD_OPTION' });
});

test('durations read naturally', () => {
  assert.equal(formatDuration(4_400), '4s');
  assert.equal(formatDuration(75_000), '1m15s');
  assert.equal(formatDuration(3_726_000), '1h02m');
});
