// How the `ecommir` command runs `main` as a program: its exit code, a failure outside any command's
// own handling, and a command that never finished.

/**
 * Runs `main` and sets the process's exit code from it. Should the event loop empty while `main` is
 * still pending (a wait on an event nothing will send: a defect of ours, as a worker process
 * un-referenced while it was being stopped once was), the process would end as a silent success,
 * code 0 with nothing written: it ends with code 4 and says so instead.
 */
export function runMain(main: (argv: string[]) => Promise<number>, argv: string[]): void {
  let finished = false;
  process.once('beforeExit', () => {
    if (finished) return;
    process.stderr.write('ecommir: internal error (please report it): the command stopped before it finished, with nothing left to wait for\n');
    process.exitCode = 4;
  });
  main(argv).then(
    (code) => {
      finished = true;
      process.exitCode = code;
    },
    (err: unknown) => {
      finished = true;
      process.stderr.write(`ecommir: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 4;
    },
  );
}
