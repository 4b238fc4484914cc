// `ecommir feedback export|stats`: the feedback database (serve --feedback-db) from the command line.
import { Option, type Command } from 'commander';
import { resolve } from 'node:path';
import { exportFeedback } from '../../feedback/export.js';
import { FeedbackStore } from '../../feedback/store.js';
import { TASKS, type Task } from '../../types.js';
import type { CommandContext } from '../main.js';
import { checkOutFile } from '../out-path.js';

/**
 * Read-only: these commands only read, and are run on copies they may not write to. Opened to write,
 * the store failed on a read-only copy, would have migrated another SQLite file (or an empty one)
 * into a feedback database, and removed as orphans the images a running service had written but not
 * yet recorded.
 */
function openExisting(db: string): FeedbackStore {
  return FeedbackStore.open({ path: resolve(db), readOnly: true });
}

export function registerFeedbackCommands(program: Command, ctx: CommandContext): void {
  const feedback = program.command('feedback').description('The corrections people sent to the service (serve --feedback-db)');
  feedback
    .command('export')
    .description('Write the corrected samples as labelled native-format JSONL (for train --feedback or train --data)')
    .requiredOption('--db <file>', 'the feedback database')
    .requiredOption('--out <file>', 'JSONL file to write (0600)')
    .addOption(new Option('--task <task>', 'only this task').choices([...TASKS]))
    .option('--inline-images', 'embed images as base64 instead of paths into the private image folder')
    .option('--json', 'print the counts as JSON')
    .action(async (flags: { db: string; out: string; task?: Task; inlineImages?: boolean; json?: boolean }) => {
      const db = resolve(flags.db);
      await checkOutFile(flags.out, [db, `${db}-wal`, `${db}-shm`].map((path) => ({ path, what: 'the feedback database' })), 'feedback.jsonl');
      const store = openExisting(flags.db);
      try {
        const report = await exportFeedback(store, resolve(flags.out), { task: flags.task, inlineImages: flags.inlineImages });
        if (flags.json) process.stdout.write(`${JSON.stringify({ out: flags.out, ...report })}\n`);
        else {
          process.stdout.write(`${report.written} labelled samples written to ${flags.out} (scene ${report.perTask.scene}, intent ${report.perTask.intent})\n`);
          if (report.missingImages) process.stdout.write(`${report.missingImages} left out: their image file is gone\n`);
        }
      } finally {
        store.close();
      }
      ctx.exitCode = 0;
    });
  feedback
    .command('stats')
    .description('Stored predictions, labelled and unlabelled, per task')
    .requiredOption('--db <file>', 'the feedback database')
    .option('--json', 'print as JSON')
    .action((flags: { db: string; json?: boolean }) => {
      const store = openExisting(flags.db);
      try {
        const counts = Object.fromEntries(TASKS.map((t) => [t, store.counts(t)]));
        if (flags.json) process.stdout.write(`${JSON.stringify({ schemaVersion: store.schemaVersion, ...counts })}\n`);
        else for (const t of TASKS) process.stdout.write(`${t}: ${counts[t].stored} stored, ${counts[t].labelled} labelled, ${counts[t].unlabelled} waiting for review\n`);
      } finally {
        store.close();
      }
      ctx.exitCode = 0;
    });
}
