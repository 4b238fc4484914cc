// Runs the CLI from src/ in a child process (as a user would run it), with extra environment.
import { execFile, spawn, type ChildProcess } from 'node:child_process';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).href;
const script = (args: string[]) => `import { main } from ${JSON.stringify(MAIN)}; process.exitCode = await main(${JSON.stringify(args)});`;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(args)], { maxBuffer: 64 << 20, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number' && !error.signal) return reject(error);
      resolve({ code: typeof error?.code === 'number' ? error.code : error?.signal ? 128 : 0, stdout, stderr });
    });
  });
}

/** Starts the CLI as a long-running child (a worker, a predict to interrupt); stderr is collected in `output()`. */
export function startCli(args: string[], env: Record<string, string> = {}): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(args)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}
