// The `ecommir` command line: thin commands over the library. Each command file registers itself;
// an action returns its exit code, and errors with a code are printed as one clear line.
import { Command } from 'commander';
import { EXIT_CODES_HELP, describeFailure } from './exit-codes.js';
import { ignoredFlagNotes } from './ignored-flags.js';
import { registerDataCommands } from './commands/data.js';
import { registerEvalCommand } from './commands/eval.js';
import { registerPredictCommand } from './commands/predict.js';
import { registerTrainCommand } from './commands/train.js';
import { registerClassifyCommand } from './commands/classify.js';
import { registerServeCommand } from './commands/serve.js';
import { registerFeaturesCommand } from './commands/features.js';
import { registerExportCommand } from './commands/export.js';
import { registerKnowledgeCommands } from './commands/knowledge.js';
import { registerKnowledgeScenesCommand } from './commands/knowledge-scenes.js';
import { registerFeedbackCommands } from './commands/feedback.js';
import { registerWorkerCommand } from './commands/worker.js';
import { VERSION } from '../version.js';

/** Set by a command's action; commander's own parse result carries no exit code. */
export interface CommandContext {
  exitCode: number;
  /** The arguments `main` was given: what a model card records as its command line. `process.argv`
   *  would be wrong when `main` is called in-process by a script. */
  argv?: readonly string[];
}

export function buildProgram(ctx: CommandContext): Command {
  const program = new Command('ecommir')
    .description('Multimodal intent recognition for e-commerce customer service (image scene, dialogue intent).')
    .version(VERSION)
    .showHelpAfterError()
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .hook('preAction', (_program, action) => {
      for (const note of ignoredFlagNotes(action)) process.stderr.write(`ecommir: ${note}\n`);
    });
  registerDataCommands(program, ctx);
  registerEvalCommand(program, ctx);
  registerPredictCommand(program, ctx);
  registerTrainCommand(program, ctx);
  registerClassifyCommand(program, ctx);
  registerServeCommand(program, ctx);
  registerFeaturesCommand(program, ctx);
  registerExportCommand(program, ctx);
  registerKnowledgeCommands(program, ctx);
  // After the intent commands: adds `knowledge scenes` to the same `knowledge` group.
  registerKnowledgeScenesCommand(program, ctx);
  registerFeedbackCommands(program, ctx);
  registerWorkerCommand(program, ctx);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const ctx: CommandContext = { exitCode: 0, argv: [...argv] };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    const { exitCode, message } = describeFailure(err);
    if (message) process.stderr.write(`ecommir: ${message}\n`);
    return exitCode;
  }
}
