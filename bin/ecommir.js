#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/cli (built by `npm install` through the `prepare` script).
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`ecommir: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 4;
  },
);
