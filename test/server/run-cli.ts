// Runs the CLI from source (for tests that must start it as a separate program, e.g. under npx).
import { main } from '../../src/cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
