// A JSONL line that is not JSON is one bad record: --skip-bad reports it, naming the line, and keeps
// the lines after it; without --skip-bad it still ends the run. A JSON array with a syntax error
// still ends it either way, as its records cannot be told apart once the syntax is broken.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EcommirError } from '../../src/errors.js';
import type { InspectReport } from '../../src/data/inspect.js';
import { loadSamples } from '../../src/data/load.js';
import { runCli } from '../cli/run-cli.js';
import { tempDir } from './helpers.js';

const record = (id: string, text: string) => JSON.stringify({ id, task: 'intent', dialogue: [{ role: 'user', text }], label: '单品推荐' });
const BROKEN = '{"id": "b", "task": ';

async function jsonlFile(lines: string[]): Promise<string> {
  const file = join(await tempDir({}), 'data.jsonl');
  await writeFile(file, lines.join('\n') + '\n');
  return file;
}

test('with skipBad a malformed JSONL line is a problem naming the file and the line, and the lines after it load', async () => {
  const file = await jsonlFile([record('a', '推荐一款保温杯'), BROKEN, record('c', '推荐一款电饭煲')]);
  const { samples, problems, format } = await loadSamples(file, { skipBad: true });
  assert.equal(format, 'native');
  assert.deepEqual(samples.map((s) => [s.id, s.index]), [['a', 0], ['c', 2]], 'the line after keeps its own record number');
  assert.equal(problems.length, 1);
  assert.deepEqual([problems[0].code, problems[0].item.index, problems[0].item.id, problems[0].item.file], ['ECM_ERR_BAD_JSON', 1, 'b', file]);
  assert.ok(problems[0].message.startsWith(`${file}, record #1, id b: line 2 is not valid JSON: `), problems[0].message);
});

test('without skipBad a malformed JSONL line still ends the load, naming the line', async () => {
  const file = await jsonlFile([record('a', '推荐一款保温杯'), BROKEN, record('c', '推荐一款电饭煲')]);
  await assert.rejects(loadSamples(file), (err: unknown) => {
    assert.ok(err instanceof EcommirError);
    assert.equal(err.code, 'ECM_ERR_BAD_JSON');
    assert.match(err.message, /record #1, id b: line 2 is not valid JSON: /);
    return true;
  });
  // The line is the error even when a record before it is bad as well.
  const both = await jsonlFile([JSON.stringify({ id: 'x', task: 'nope' }), BROKEN]);
  await assert.rejects(loadSamples(both), /line 2 is not valid JSON/);
});

test('blank lines are passed over and do not shift the line named; several bad lines are each reported', async () => {
  const file = await jsonlFile([record('a', '推荐一款保温杯'), '', BROKEN, '   ', record('c', '推荐一款电饭煲'), '{"id": "d"', record('e', '推荐一款台灯')]);
  const { samples, problems } = await loadSamples(file, { skipBad: true });
  assert.deepEqual(samples.map((s) => [s.id, s.index]), [['a', 0], ['c', 2], ['e', 4]]);
  assert.deepEqual(problems.map((p) => [p.item.index, p.item.id, /line (\d+) is not valid JSON/.exec(p.message)?.[1]]), [[1, 'b', '3'], [3, 'd', '6']]);
});

test('a JSON array with a syntax error still ends the load, skipBad or not', async () => {
  const file = join(await tempDir({}), 'data.json');
  await writeFile(file, `[${record('a', '推荐一款保温杯')},\n${BROKEN}\n${record('c', '推荐一款电饭煲')}]`);
  for (const skipBad of [false, true]) {
    await assert.rejects(loadSamples(file, { skipBad }), (err: unknown) => err instanceof EcommirError && err.code === 'ECM_ERR_BAD_JSON' && /record #1, id b: not valid JSON at line \d+, column/.test(err.message));
  }
});

test('data inspect --skip-bad lists the malformed line and reports on the rest; without it the run stops naming the line', async () => {
  const file = await jsonlFile([record('a', '推荐一款保温杯'), BROKEN, record('c', '推荐一款电饭煲')]);
  const skipped = await runCli(['data', 'inspect', file, '--skip-bad', '--json']);
  assert.equal(skipped.code, 1, skipped.stderr);
  const report = JSON.parse(skipped.stdout) as InspectReport;
  assert.deepEqual([report.records, report.samples, report.tasks.intent.samples], [3, 2, 2]);
  assert.deepEqual(report.problems.map((p) => [p.code, p.item.index, p.item.id]), [['ECM_ERR_BAD_JSON', 1, 'b']]);
  assert.match(report.problems[0].message, /line 2 is not valid JSON/);

  const stopped = await runCli(['data', 'inspect', file]);
  assert.equal(stopped.code, 1, stopped.stderr);
  assert.match(stopped.stderr, /record #1, id b: line 2 is not valid JSON: .*\[ECM_ERR_BAD_JSON\]/);
  assert.equal(stopped.stdout, '');
});
