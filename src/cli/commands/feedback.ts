// `ecommir feedback export|stats`: the feedback database (serve --feedback-db) from the command line.
import { Option, type Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { resolve } from 'node:path';
import { EcommirError } from '../../errors.js';
import { exportFeedback } from '../../feedback/export.js';
import { FeedbackStore } from '../../feedback/store.js';
import { TASKS, type Task } from '../../types.js';
import type { CommandContext } from '../main.js';
import { checkOutFile } from '../out-path.js';

function openExisting(db: string): FeedbackStore {
  const path = resolve(db);
  if (!existsSync(path)) throw new EcommirError('ECM_ERR_BAD_OPTION', `no feedback database at ${path} (serve --feedback-db ${db} creates it)`);
  checkIsFeedbackDatabase(path, db);
  // Reading tools keep what they find: no retention pass here (maxAgeDays 0, no size cap).
  return FeedbackStore.open({ path, maxAgeDays: 0, maxImageBytes: Number.MAX_SAFE_INTEGER });
}

/** The tables every feedback database has (src/feedback/migrations.ts). */
const FEEDBACK_TABLES = ['meta', 'predictions', 'corrections'];

/**
 * Opening a store creates its tables: a reading command given another SQLite file, or an empty one,
 * turned it into a feedback database without a word. It is looked at read-only first.
 */
function checkIsFeedbackDatabase(path: string, given: string): void {
  const notOne = (why: string) => new EcommirError('ECM_ERR_BAD_OPTION', `--db ${given} is not a feedback database (${why}); serve --feedback-db FILE makes one`);
  if (statSync(path).isDirectory()) throw notOne('it is a folder');
  let probe: InstanceType<typeof Database> | undefined;
  try {
    probe = new Database(path, { readonly: true, fileMustExist: true });
    const tables = new Set((probe.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
    const missing = FEEDBACK_TABLES.filter((t) => !tables.has(t));
    if (missing.length > 0) throw notOne(tables.size === 0 ? 'it has no tables' : `it has no ${missing.join(', ')} table`);
  } catch (err) {
    if (err instanceof EcommirError) throw err;
    throw notOne((err as Error).message);
  } finally {
    probe?.close();
  }
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
