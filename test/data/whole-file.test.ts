// Output written whole: the file appears complete or not at all, and a write error (a full disk, a
// folder that is gone) is thrown to the caller by name, never left as an unhandled rejection or a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeWholeStream } from '../../src/data/whole-file.js';
import { tempDir } from './helpers.js';

test('writeWholeStream replaces the file only once every piece is written', async () => {
  const dir = await tempDir({});
  const out = join(dir, 'out.jsonl');
  await writeFile(out, 'previous run\n');
  const lines = Array.from({ length: 20_000 }, (_, i) => `{"n":${i},"pad":"${'x'.repeat(40)}"}\n`);
  const count = await writeWholeStream(out, async (write) => {
    for (const line of lines) await write(line);
    return lines.length;
  });
  assert.equal(count, 20_000);
  assert.equal(await readFile(out, 'utf8'), lines.join(''));
  assert.deepEqual(await readdir(dir), ['out.jsonl']);
});

test('writeWholeStream keeps the previous file when the filling fails, and leaves no temporary file', async () => {
  const dir = await tempDir({});
  const out = join(dir, 'out.jsonl');
  await writeFile(out, 'previous run\n');
  await assert.rejects(
    writeWholeStream(out, async (write) => {
      await write('half\n');
      throw new Error('stopped half way');
    }),
    /stopped half way/,
  );
  assert.equal(await readFile(out, 'utf8'), 'previous run\n');
  assert.deepEqual(await readdir(dir), ['out.jsonl']);
});

test('a write error that comes while the filling is busy elsewhere is thrown from the next write, not left unhandled', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const dir = await tempDir({});
    const out = join(dir, 'gone', 'out.jsonl'); // the folder is not there: opening the file fails
    await assert.rejects(
      writeWholeStream(out, async (write) => {
        await sleep(50); // the open error comes now, while nobody awaits the stream
        await write('line\n');
      }),
      (err: NodeJS.ErrnoException) => err.code === 'ENOENT',
    );
    await sleep(20);
    assert.deepEqual(unhandled, []);
    assert.equal(existsSync(join(dir, 'gone')), false);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('a full disk rejects the write that waits for the file to drain, rather than hanging', { skip: !existsSync('/dev/full') && 'no /dev/full here' }, async () => {
  const piece = 'x'.repeat(64 * 1024);
  await assert.rejects(
    writeWholeStream('/dev/full', async (write) => {
      for (let i = 0; i < 64; i++) await write(piece);
    }),
    (err: NodeJS.ErrnoException) => err.code === 'ENOSPC',
  );
});
