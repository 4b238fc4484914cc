// Runs the CLI in a child process (as a user would run it), with extra environment.
import { execFile, spawn, type ChildProcess } from 'node:child_process';

// npm test builds dist/ from src/ before any test (scripts/test.ts) and says so in ECOMMIR_TEST_BUILT:
// the CLI then runs as built, 0.3 s less start-up per run than through tsx (a hundred runs in the
// suite). A test file run on its own, whose dist/ may lag its src/, runs the CLI from src/.
const BUILT = process.env.ECOMMIR_TEST_BUILT === '1';
/** The CLI's module, as a file: URL: dist/cli/main.js under npm test, else src/cli/main.ts. */
export const CLI_MAIN = new URL(BUILT ? '../../dist/cli/main.js' : '../../src/cli/main.ts', import.meta.url).href;
/** Node's arguments for a module script given next (`-e`) that imports CLI_MAIN. */
export const CLI_NODE_ARGS: readonly string[] = BUILT ? ['--input-type=module', '-e'] : ['--import', 'tsx', '--input-type=module', '-e'];
/** The module that runs `main` as bin/ecommir.js does (exit codes, a command that never finished). */
const RUN_MAIN = new URL(BUILT ? '../../dist/cli/run-main.js' : '../../src/cli/run-main.ts', import.meta.url).href;
/** Node's arguments that run the CLI with the command line that follows them (after `--`, which keeps
 * a first argument such as `--version` from being read as Node's own), ending as bin/ecommir.js does. */
export const CLI_COMMAND: readonly string[] = [
  ...CLI_NODE_ARGS,
  `import { main } from ${JSON.stringify(CLI_MAIN)}; import { runMain } from ${JSON.stringify(RUN_MAIN)}; runMain(main, process.argv.slice(1));`,
  '--',
];

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Written to the CLI's standard input, which is then closed. */
  stdin?: string;
  /** Runs the CLI as this user (the test runs as root). */
  user?: { uid: number; gid: number };
}

export function runCli(args: string[], env: Record<string, string> = {}, options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [...CLI_COMMAND, ...args], { maxBuffer: 64 << 20, env: { ...process.env, ...env }, ...options.user }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number' && !error.signal) return reject(error);
      // A CLI killed by a signal says so in stderr, which the tests print when the code is not the one expected.
      const killed = error?.signal ? `\n(run-cli: the CLI was killed by ${error.signal})` : '';
      resolve({ code: typeof error?.code === 'number' ? error.code : error?.signal ? 128 : 0, stdout, stderr: stderr + killed });
    });
    if (options.stdin !== undefined) child.stdin!.end(options.stdin);
  });
}

/** Starts the CLI as a long-running child (a worker, a predict to interrupt); stderr is collected in `output()`. */
export function startCli(args: string[], env: Record<string, string> = {}): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [...CLI_COMMAND, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}
