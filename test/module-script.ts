// Runs an ES module script in a Node process of its own: for what only a whole process shows (how it
// ends, what keeps it alive, a README example run as a reader would).
import { execFile } from 'node:child_process';

export interface ModuleScriptOptions {
  /** The process is killed past this (then `timedOut`). */
  timeoutMs: number;
  /** Where relative imports in the script resolve from. Default: this process's working folder. */
  cwd?: string;
  /** Bytes of stdout or stderr kept, at most (past it the process is killed). Default: Node's, 1 MiB. */
  maxBuffer?: number;
}

export interface ModuleScriptResult {
  /** The exit code; -1 when the process ended otherwise (killed, a signal). */
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs `source` (through tsx, so it may import TypeScript) to its end. */
export function runModuleScript(source: string, { timeoutMs, cwd, maxBuffer }: ModuleScriptOptions): Promise<ModuleScriptResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', source], { timeout: timeoutMs, cwd, maxBuffer }, (error, stdout, stderr) => {
      resolve({ code: typeof error?.code === 'number' ? error.code : error ? -1 : 0, stdout, stderr, timedOut: error?.killed === true && error.signal === 'SIGTERM' && error.code !== 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER' });
    });
  });
}
