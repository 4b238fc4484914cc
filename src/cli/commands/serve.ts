// `ecommir serve`: the HTTP service and its web page. Without models it still starts, and reports
// not ready (503 on /readyz and on the classify endpoints) — it never falls back to a fake.
import type { Command } from 'commander';
import { EcommirError } from '../../errors.js';
import { loadApiKeys, resolveAuthPolicy } from '../../server/auth.js';
import { buildApp } from '../../server/app.js';
import type { RecognizerPair } from '../../server/options.js';
import type { CommandContext } from '../main.js';
import { createRecognizers } from '../../backends/select.js';
import { addBackendOptions, backendSelection, type BackendFlags } from '../backend-options.js';

export interface ServeDependencies {
  /** Loads the recognisers the flags select; missing ones are simply absent (their endpoint answers 503). */
  loadRecognizers: (flags: ServeFlags) => Promise<RecognizerPair>;
}

// Default: the shipped embedded models (models/scene, models/intent), or the backend --backend names.
const DEFAULT_DEPENDENCIES: ServeDependencies = { loadRecognizers: (flags) => createRecognizers(backendSelection(flags, { sceneModel: flags.sceneModel, intentModel: flags.intentModel })) };

interface ServeFlags extends BackendFlags {
  sceneModel?: string;
  intentModel?: string;
  port: string;
  host: string;
  apiKeysFile?: string;
  allowAnonymousLocalhost?: boolean;
  concurrency?: string;
  maxQueue?: string;
  timeoutMs?: string;
}

export function registerServeCommand(program: Command, ctx: CommandContext, deps: ServeDependencies = DEFAULT_DEPENDENCIES): void {
  const command = program
    .command('serve')
    .description('Run the HTTP API (/v1/scene, /v1/intent, /v1/batch) and the web page at /')
    .option('--port <n>', 'TCP port', '8080')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--api-keys-file <file>', 'API keys, one a line (also read: ECOMMIR_API_KEYS, comma-separated)')
    .option('--allow-anonymous-localhost', 'let requests from this machine (the web page) in without a key')
    .option('--concurrency <n>', 'recogniser calls at once')
    .option('--max-queue <n>', 'requests allowed to wait; more get 503')
    .option('--timeout-ms <n>', 'deadline of one request, ms')
    .option('--scene-model <dir>', 'embedded scene model folder (default: the shipped models/scene)')
    .option('--intent-model <dir>', 'embedded intent model folder (default: the shipped models/intent)');
  addBackendOptions(command).action(async (flags: ServeFlags) => {
      ctx.exitCode = await serve(flags, deps);
    });
}

async function serve(flags: ServeFlags, deps: ServeDependencies): Promise<number> {
  const port = parseCount(flags.port, '--port', 0);
  const apiKeys = await loadApiKeys(process.env.ECOMMIR_API_KEYS, flags.apiKeysFile);
  const auth = resolveAuthPolicy({ apiKeys, host: flags.host, allowAnonymousLocalhost: flags.allowAnonymousLocalhost === true });
  const recognizers = await deps.loadRecognizers(flags);
  const app = await buildApp({
    recognizers,
    auth,
    logger: true,
    limits: {
      concurrency: flags.concurrency === undefined ? undefined : parseCount(flags.concurrency, '--concurrency', 1),
      maxQueue: flags.maxQueue === undefined ? undefined : parseCount(flags.maxQueue, '--max-queue', 0),
      timeoutMs: flags.timeoutMs === undefined ? undefined : parseCount(flags.timeoutMs, '--timeout-ms', 1),
    },
  });
  const missing = (['scene', 'intent'] as const).filter((task) => !recognizers[task]);
  if (missing.length > 0) app.log.warn(`no model loaded for ${missing.join(', ')}: /readyz and those endpoints answer 503 ECM_ERR_NO_MODEL`);
  if (auth.apiKeys.length === 0) app.log.warn('no API keys configured: only callers on this machine can use the API');

  const address = await app.listen({ port, host: flags.host });
  process.stderr.write(`ecommir: serving on ${address} (web page at ${address}/)\n`);

  // Graceful shutdown: stop accepting, let in-flight requests finish, then return. A second
  // signal while closing exits at once.
  await new Promise<void>((resolve) => {
    let closing = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (closing) process.exit(130);
      closing = true;
      process.stderr.write(`ecommir: ${signal}: finishing in-flight requests\n`);
      app.close().then(resolve, resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return 0;
}

function parseCount(text: string, flag: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new EcommirError('ECM_ERR_BAD_OPTION', `${flag} must be an integer ≥ ${min}, got ${text}`);
  return value;
}
