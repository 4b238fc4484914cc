// npm test: every test file under test/ (or the files and folders given), in two phases. First the
// independent files side by side, one per core: most of the suite's time is process start-up, child
// processes and servers waiting, which a second core overlaps. Then, one at a time, the files that
// measure time or lean on timers (growth ratios, deadlines, lock renewals, "answers while busy"): they
// say so with a `// test: serial` line, and another file's load on the machine must never decide them.
// In the first phase the files marked `// test: long` start first: the runner takes files in the order
// given, and one of them started last would end the phase with the other core idle for a minute.
// Both phases always run; the exit code is 1 if any test failed.
// Run: node --import tsx scripts/test.ts [file-or-folder ...]   (ECOMMIR_TEST_CONCURRENCY=N to override)
import { spawn } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';

const SERIAL_MARK = /^\/\/ test: serial\b/m;
const LONG_MARK = /^\/\/ test: long\b/m;

async function testFiles(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) {
    console.error(`scripts/test.ts: no test file or folder ${path}`);
    process.exit(2);
  }
  if (info.isFile()) return [path];
  const out: string[] = [];
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const p = join(path, entry.name);
    if (entry.isDirectory()) out.push(...(await testFiles(p)));
    else if (entry.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** --test-concurrency came with Node 20.10 (and 21); older runners take the files one at a time anyway. */
function supportsConcurrencyFlag(version = process.versions.node): boolean {
  const [major, minor] = version.split('.').map(Number);
  return major > 20 || (major === 20 && minor >= 10);
}

function runPhase(files: string[], concurrency: number): Promise<{ ok: boolean; seconds: number }> {
  if (files.length === 0) return Promise.resolve({ ok: true, seconds: 0 });
  const args = ['--import', 'tsx', '--test', '--test-reporter=spec'];
  if (supportsConcurrencyFlag()) args.push(`--test-concurrency=${concurrency}`);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args, ...files], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ ok: code === 0 && signal === null, seconds: (performance.now() - started) / 1000 }));
  });
}

const roots = process.argv.slice(2);
const files = [...new Set((await Promise.all((roots.length ? roots : ['test']).map(testFiles))).flat())].sort();
if (files.length === 0) {
  console.error(`no *.test.ts files under ${roots.join(', ') || 'test'}`);
  process.exit(1);
}
const serial: string[] = [];
const long: string[] = [];
const rest: string[] = [];
for (const file of files) {
  const text = await readFile(file, 'utf8');
  (SERIAL_MARK.test(text) ? serial : LONG_MARK.test(text) ? long : rest).push(file);
}
const parallel = [...long, ...rest];
const requested = Number(process.env.ECOMMIR_TEST_CONCURRENCY ?? availableParallelism());
const concurrency = Number.isInteger(requested) && requested >= 1 ? requested : availableParallelism();

const side = await runPhase(parallel, concurrency);
const alone = await runPhase(serial, 1);
const list = (xs: string[]) => xs.map((f) => relative(process.cwd(), f)).join(', ');
console.log(
  `\n${parallel.length} test files side by side (${concurrency} at a time) in ${side.seconds.toFixed(0)} s${side.ok ? '' : ': FAILED'}; ` +
    `${serial.length} timing-sensitive files one at a time in ${alone.seconds.toFixed(0)} s${alone.ok ? '' : ': FAILED'}` +
    (serial.length ? ` (${list(serial)})` : ''),
);
process.exit(side.ok && alone.ok ? 0 : 1);
