// Runs the CLI from source (for tests that must start it as a separate program, e.g. under npx).
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
