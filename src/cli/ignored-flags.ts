// A flag that does nothing in the combination given (`--endpoint` without `--backend mllm`, a queue
// option without `--queue`, a scene option when training intent, `--seeds` without `--cv`) used to be
// passed over without a word, and the user believed it had applied. Each is named on stderr before
// the command runs; the run goes on as the other flags have it.
//
// The scope of an option is the one its help text gives it ("mllm: …", "queue: …", "scene: …"), so
// the help and this check cannot disagree.
import type { Command } from 'commander';
import { loadsEmbeddedModels, type BackendName } from '../backends/select.js';

interface Scope {
  applies: boolean;
  /** What makes the scope apply, for the message. */
  when: string;
}

/** An option that applies only with another: `needs` reads the parsed options. */
interface Dependency {
  command: string;
  option: string;
  needs: (opts: Record<string, unknown>) => boolean;
  when: string;
}

const DEPENDENCIES: readonly Dependency[] = [
  { command: 'train', option: 'seeds', needs: (o) => o.cv !== undefined, when: 'with --cv (the seeds vary the folds)' },
  ...['knowledgeWeight', 'knowledgeImages', 'knowledgeTexts', 'handwrittenWeight'].map((option) => ({
    command: 'train',
    option,
    needs: (o: Record<string, unknown>) => o.knowledge !== false,
    when: 'without --no-knowledge',
  })),
  // An LLM answering every task alone loads no embedded model.
  ...['serve', 'predict', 'worker'].flatMap((command) =>
    ['sceneModel', 'intentModel'].map((option) => ({
      command,
      option,
      needs: (o: Record<string, unknown>) => loadsEmbeddedModels({ backend: o.backend as BackendName, ensembleWithEmbedded: o.ensembleEmbedded === true }),
      when: 'where the embedded models answer (not with --backend mllm alone: add --ensemble-embedded)',
    })),
  ),
];

function scopesOf(command: Command): Record<string, Scope> {
  const opts = command.opts();
  const taskArgument = command.registeredArguments.findIndex((a) => a.name() === 'task');
  const task = taskArgument >= 0 ? (command.processedArgs[taskArgument] as string | undefined) : undefined;
  return {
    mllm: { applies: opts.backend === 'mllm', when: '--backend mllm' },
    clip: { applies: opts.backend === 'clip', when: '--backend clip' },
    queue: { applies: opts.queue !== undefined, when: '--queue' },
    scene: { applies: task === undefined || task === 'scene', when: `${command.name()} scene` },
    intent: { applies: task === undefined || task === 'intent', when: `${command.name()} intent` },
  };
}

/** The sentences for the options given on the command line that do nothing with the others given. */
export function ignoredFlagNotes(command: Command): string[] {
  const scopes = scopesOf(command);
  const opts = command.opts();
  const notes: string[] = [];
  for (const option of command.options) {
    const key = option.attributeName();
    if (command.getOptionValueSource(key) !== 'cli') continue;
    const flag = option.long ?? option.flags;
    // "intent: …; scene: …" names two scopes: the option applies when any of them does. A help text
    // that does not start with a scope ("… (scene default 0.3; intent: …)") applies everywhere.
    const named = Object.keys(scopes).some((scope) => option.description.startsWith(`${scope}:`))
      ? Object.keys(scopes).filter((scope) => new RegExp(`(^|; )${scope}:`).test(option.description))
      : [];
    if (named.length > 0 && !named.some((scope) => scopes[scope].applies)) {
      notes.push(`${flag} does nothing here: it applies with ${named.map((scope) => scopes[scope].when).join(' or ')} only`);
      continue;
    }
    const dependency = DEPENDENCIES.find((d) => d.command === command.name() && d.option === key);
    if (dependency && !dependency.needs(opts)) notes.push(`${flag} does nothing here: it applies only ${dependency.when}`);
  }
  return notes;
}
