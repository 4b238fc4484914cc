// Input files in the encodings people save them in: UTF-8 (with or without its mark), UTF-16 with a
// mark, and GBK / GB18030 without one (Excel and Windows tools in China); anything else is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeInputText } from '../../src/data/read-file.js';
import { tempDir, writeIntoFifo } from './helpers.js';
import { runCli } from '../cli/run-cli.js';

const text = 'id,predict\na,是否会生锈\nb,发货数量\n';
// The same text as GBK bytes (iconv -f UTF-8 -t GBK): 是否会生锈 and 发货数量.
const GBK_WORDS: Record<string, string> = { 是否会生锈: 'cac7b7f1bbe1c9fad0e2', 发货数量: 'b7a2bbf5cafdc1bf' };
const gbk = (s: string): Buffer => Buffer.concat(s.split(/(是否会生锈|发货数量)/).map((part) => (GBK_WORDS[part] ? Buffer.from(GBK_WORDS[part], 'hex') : Buffer.from(part, 'ascii'))));

test('UTF-8 is read as it is (its mark kept for the parsers), GBK is read as GB18030, other bytes are refused', () => {
  assert.equal(decodeInputText(Buffer.from(text), 'f'), text);
  assert.equal(decodeInputText(Buffer.from(`\uFEFF${text}`), 'f'), `\uFEFF${text}`);
  assert.equal(decodeInputText(gbk(text), 'f'), text);
  assert.throws(() => decodeInputText(Buffer.from([0x81, 0x20, 0xff, 0xff, 0x30]), 'bytes.json'), /bytes\.json: the file is neither UTF-8 nor GBK \/ GB18030 text; save the file as UTF-8/);
});

test('eval scores a predictions CSV saved as GBK as it scores the UTF-8 one (it scored 0 with no error)', async () => {
  const dir = await tempDir({});
  const gold = join(dir, 'gold.jsonl');
  const row = (id: string, t: string, label: string) => JSON.stringify({ id, task: 'intent', dialogue: [{ role: 'user', text: t }], label });
  await writeFile(gold, `${row('a', '会生锈吗', '是否会生锈')}\n${row('b', '发几件', '发货数量')}\n`);
  const pred = join(dir, 'pred.csv');
  await writeFile(pred, gbk(text));
  const result = await runCli(['eval', '--gold', gold, '--pred', pred, '--json']);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout).all.weightedF1, 1);
  assert.doesNotMatch(result.stderr, /outside/);
});

test('readFileCapped stops past its cap, also where stat says 0 bytes (a pipe), refuses a device, and reads a pipe unless told not to', async () => {
  const { readFileCapped } = await import('../../src/data/read-file.js');
  // readFile read /dev/zero until memory ran out; read in steps up to the cap, it took 1.1 GB. A socket cannot be opened: named all the same.
  assert.deepEqual(await readFileCapped('/dev/zero', 3_000_000), { notRegular: 'a device' });
  const dir = await tempDir({ 'data.json': '[1, 2]' });
  const file = join(dir, 'data.json');
  assert.equal((await readFileCapped(file, 6)).toString(), '[1, 2]');
  assert.deepEqual(await readFileCapped(file, 5), { tooLarge: true, size: 6 });
  assert.deepEqual(await readFileCapped('/dev/zero', 5, { regularOnly: true }), { notRegular: 'a device' });
  const { createServer } = await import('node:net');
  const socketPath = join(dir, 'image.sock');
  const server = createServer().listen(socketPath);
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    assert.deepEqual(await readFileCapped(socketPath, 5, { regularOnly: true }), { notRegular: 'a socket' });
  } finally {
    server.close();
  }
  const { execFileSync } = await import('node:child_process');
  const fifo = join(dir, 'piped.json');
  execFileSync('mkfifo', [fifo]);
  // A data file may come through a pipe (`predict <(…)`): read to its end.
  const written = writeIntoFifo(fifo, `printf '[3]'`);
  assert.equal((await readFileCapped(fifo, 100)).toString(), '[3]');
  await written;
  const flooded = writeIntoFifo(fifo, 'head -c 3000000 /dev/zero');
  assert.deepEqual(await readFileCapped(fifo, 2_000_000), { tooLarge: true });
  await flooded;
});
