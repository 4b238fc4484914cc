// The `ecommir` command line: thin commands over the library. Each command file registers itself;
// an action returns its exit code, and errors with a code are printed as one clear line.
import { Command } from 'commander';
import { EXIT_CODES_HELP, describeFailure } from './exit-codes.js';
import { ignoredFlagNotes } from './ignored-flags.js';
import { VERSION } from '../version.js';
import { onWaitingForWriter } from '../data/read-file.js';

/** Set by a command's action; commander's own parse result carries no exit code. */
export interface CommandContext {
  exitCode: number;
  /** The arguments `main` was given: what a model card records as its command line. `process.argv`
   *  would be wrong when `main` is called in-process by a script. */
  argv?: readonly string[];
}

/**
 * Each command's module, loaded only when the command runs: together they pull in the service, the
 * OCR, the learners and SQLite, about 0.7 s of start-up that `--version` or `data inspect` paid.
 */
const COMMANDS: Readonly<Record<string, (program: Command, ctx: CommandContext) => Promise<void>>> = {
  data: async (program, ctx) => (await import('./commands/data.js')).registerDataCommands(program, ctx),
  eval: async (program, ctx) => (await import('./commands/eval.js')).registerEvalCommand(program, ctx),
  predict: async (program, ctx) => (await import('./commands/predict.js')).registerPredictCommand(program, ctx),
  train: async (program, ctx) => (await import('./commands/train.js')).registerTrainCommand(program, ctx),
  classify: async (program, ctx) => (await import('./commands/classify.js')).registerClassifyCommand(program, ctx),
  serve: async (program, ctx) => (await import('./commands/serve.js')).registerServeCommand(program, ctx),
  features: async (program, ctx) => (await import('./commands/features.js')).registerFeaturesCommand(program, ctx),
  export: async (program, ctx) => (await import('./commands/export.js')).registerExportCommand(program, ctx),
  knowledge: async (program, ctx) => {
    (await import('./commands/knowledge.js')).registerKnowledgeCommands(program, ctx);
    // After the intent commands: adds `knowledge scenes` to the same `knowledge` group.
    (await import('./commands/knowledge-scenes.js')).registerKnowledgeScenesCommand(program, ctx);
  },
  feedback: async (program, ctx) => (await import('./commands/feedback.js')).registerFeedbackCommands(program, ctx),
  worker: async (program, ctx) => (await import('./commands/worker.js')).registerWorkerCommand(program, ctx),
};

/**
 * The program with the commands `argv` needs: only its own command when it names one, every command
 * otherwise (the help lists them all, and an unknown name is answered with the nearest one).
 */
export async function buildProgram(ctx: CommandContext, argv?: readonly string[]): Promise<Command> {
  const program = new Command('ecommir')
    .description('Multimodal intent recognition for e-commerce customer service (image scene, dialogue intent).')
    .version(VERSION)
    .showHelpAfterError()
    // A command-line error is said as every other error is: one line, ending with its code (it was
    // commander's "error: unknown option '--jsn'" with no code). Subcommands inherit this.
    .configureOutput({ outputError: (text, write) => write(usageErrorLine(text)) })
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .hook('preAction', (_program, action) => {
      for (const note of ignoredFlagNotes(action)) process.stderr.write(`ecommir: ${note}\n`);
    });
  const first = argv?.[0];
  const only = first !== undefined && Object.hasOwn(COMMANDS, first) ? [first] : ['-V', '--version'].includes(first ?? '') ? [] : Object.keys(COMMANDS);
  for (const name of only) await COMMANDS[name](program, ctx);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Commander's "error: unknown option '--x'\n(Did you mean --y?)\n" as `ecommir: … [ECM_ERR_BAD_OPTION]`. */
export function usageErrorLine(text: string): string {
  const message = text.trim().replace(/^error:\s*/, '').replace(/\s*\n\s*/g, ' ');
  return `ecommir: ${message} [ECM_ERR_BAD_OPTION]\n`;
}

export async function main(argv: string[]): Promise<number> {
  const ctx: CommandContext = { exitCode: 0, argv: [...argv] };
  onWaitingForWriter((path) => process.stderr.write(`ecommir: ${path} is a named pipe that no program writes to yet; waiting for one (Ctrl-C to stop)\n`));
  const program = await buildProgram(ctx, argv);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    const { exitCode, message } = describeFailure(err);
    if (message) process.stderr.write(`ecommir: ${message}\n`);
    return exitCode;
  }
}
