// npm test: every test file under test/ (or the files and folders given), in two phases. First the
// independent files side by side, one per core: most of the suite's time is process start-up, child
// processes and servers waiting, which a second core overlaps. Then, one at a time, the files that
// measure time or lean on timers (growth ratios, deadlines, lock renewals, "answers while busy"): they
// say so with a `// test: serial` line, and another file's load on the machine must never decide them.
// In the first phase the files marked `// test: long` start first: the runner takes files in the order
// given, and one of them started last would end the phase with the other core idle for a minute.
// Both phases always run; the exit code is 1 if any test failed.
// Run: node --import tsx scripts/test.ts [file-or-folder ...]   (ECOMMIR_TEST_CONCURRENCY=N to override)
import { spawnSync } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { finished } from 'node:stream/promises';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { fileURLToPath } from 'node:url';

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

/**
 * Runs the files in the order given, `concurrency` at a time, each in its own process (with this
 * process's `--import tsx`), and prints the spec report. `node --test FILE…` would sort the files by
 * path, which undoes the long-first order.
 */
async function runPhase(files: string[], concurrency: number): Promise<{ ok: boolean; seconds: number }> {
  if (files.length === 0) return { ok: true, seconds: 0 };
  const started = performance.now();
  let ok = true;
  const stream = run({ files, concurrency });
  // A todo test may fail without failing the run, as with `node --test`.
  stream.on('test:fail', (event: { todo?: unknown }) => {
    if (event.todo === undefined || event.todo === false) ok = false;
  });
  const report = stream.compose(new spec());
  report.pipe(process.stdout, { end: false });
  await finished(report);
  return { ok, seconds: (performance.now() - started) / 1000 };
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

// The CLI's tests run it as built (test/cli/run-cli.ts): 0.3 s less start-up per run than through tsx.
// dist/ is brought up to date first, as `npm run build` does (0.8 s when it is), so they never test
// older code than src/. A `serve` started from this checkout's dist/ loads some modules lazily and
// would then mix old and new code: restart it after npm test, as after a build.
const build = spawnSync(process.execPath, [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-b', 'tsconfig.build.json'], { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8' });
if (build.status === 0) process.env.ECOMMIR_TEST_BUILT = '1';
else console.error(`scripts/test.ts: dist/ could not be built, so the CLI's tests run it from src/ through tsx:\n${build.stdout}${build.stderr}`);

const side = await runPhase(parallel, concurrency);
const alone = await runPhase(serial, 1);
const list = (xs: string[]) => xs.map((f) => relative(process.cwd(), f)).join(', ');
console.log(
  `\n${parallel.length} test files side by side (${concurrency} at a time) in ${side.seconds.toFixed(0)} s${side.ok ? '' : ': FAILED'}; ` +
    `${serial.length} timing-sensitive files one at a time in ${alone.seconds.toFixed(0)} s${alone.ok ? '' : ': FAILED'}` +
    (serial.length ? ` (${list(serial)})` : ''),
);
process.exit(side.ok && alone.ok ? 0 : 1);
