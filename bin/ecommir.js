#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/cli (built by `npm install` through the `prepare` script).
import { main } from '../dist/cli/main.js';
import { runMain } from '../dist/cli/run-main.js';

// `ecommir --help | head` closes the pipe early: the reader has what it wanted, so the rest of the
// output is dropped quietly instead of ending in an unhandled EPIPE stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

runMain(main, process.argv.slice(2));
