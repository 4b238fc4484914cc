// What a data file holds: samples per task and label, turns and images per sample, problems.
import type { Sample, Task } from '../types.js';
import { TASKS } from '../types.js';
import type { Problem } from './problem.js';

export interface Spread {
  min: number;
  mean: number;
  max: number;
}

export interface TaskSummary {
  samples: number;
  labelled: number;
  /** Gold label → count, most frequent first. */
  labels: Record<string, number>;
  /** Candidate labels listed by the instructions but never used as gold. */
  unusedCandidates: string[];
  turns: Spread;
  userTurns: Spread;
  images: Spread;
}

export interface InspectReport {
  file: string;
  format: string;
  records: number;
  samples: number;
  tasks: Record<Task, TaskSummary>;
  problems: Problem[];
  /**
   * Ids that more than one record carries, with the records' indexes. Not refused (predict pairs its
   * output by position, and eval scores that file), but predictions made elsewhere cannot be scored by id.
   */
  repeatedIds: { id: string; records: number[] }[];
}

export function inspectSamples(samples: readonly Sample[], problems: readonly Problem[], source: { file: string; format: string }): InspectReport {
  const tasks = {} as Record<Task, TaskSummary>;
  for (const task of TASKS) tasks[task] = summarise(samples.filter((s) => s.task === task));
  return { file: source.file, format: source.format, records: samples.length + problems.length, samples: samples.length, tasks, problems: [...problems], repeatedIds: repeatedIds(samples) };
}

function repeatedIds(samples: readonly Sample[]): InspectReport['repeatedIds'] {
  const byId = new Map<string, number[]>();
  for (const s of samples) {
    const records = byId.get(s.id);
    if (records) records.push(s.index);
    else byId.set(s.id, [s.index]);
  }
  return [...byId].filter(([, records]) => records.length > 1).map(([id, records]) => ({ id, records }));
}

function summarise(samples: readonly Sample[]): TaskSummary {
  const counts = new Map<string, number>();
  for (const s of samples) if (s.label !== undefined) counts.set(s.label, (counts.get(s.label) ?? 0) + 1);
  const labels = Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
  const candidates = new Set(samples.flatMap((s) => s.candidates));
  return {
    samples: samples.length,
    labelled: samples.filter((s) => s.label !== undefined).length,
    labels,
    unusedCandidates: [...candidates].filter((c) => !counts.has(c)),
    turns: spread(samples.map((s) => s.turns.length)),
    userTurns: spread(samples.map((s) => s.turns.filter((t) => t.role === 'user').length)),
    images: spread(samples.map((s) => s.images.length)),
  };
}

function spread(values: number[]): Spread {
  if (values.length === 0) return { min: 0, mean: 0, max: 0 };
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  return { min, mean: Math.round((sum / values.length) * 100) / 100, max };
}

/** A plain-text report for a terminal. */
export function formatInspectReport(report: InspectReport): string {
  const lines: string[] = [];
  lines.push(`${report.file}`);
  lines.push(`format ${report.format}: ${report.records} records, ${report.samples} samples loaded, ${report.problems.length} problems`);
  for (const task of TASKS) {
    const t = report.tasks[task];
    if (t.samples === 0) continue;
    lines.push('');
    lines.push(`${task}: ${t.samples} samples, ${t.labelled} labelled, ${Object.keys(t.labels).length} labels used`);
    lines.push(`  turns per sample       min ${t.turns.min}  mean ${t.turns.mean}  max ${t.turns.max}`);
    lines.push(`  user turns per sample  min ${t.userTurns.min}  mean ${t.userTurns.mean}  max ${t.userTurns.max}`);
    lines.push(`  images per sample      min ${t.images.min}  mean ${t.images.mean}  max ${t.images.max}`);
    const width = Math.max(...Object.values(t.labels).map((n) => String(n).length), 1);
    for (const [label, n] of Object.entries(t.labels)) lines.push(`  ${String(n).padStart(width)}  ${label}`);
    if (t.unusedCandidates.length) lines.push(`  never used: ${t.unusedCandidates.join(', ')}`);
  }
  if (report.repeatedIds.length) {
    lines.push('');
    lines.push(`ids used by more than one record (${report.repeatedIds.length}): predictions can be scored by position only, as \`ecommir predict\` writes them`);
    for (const { id, records } of report.repeatedIds.slice(0, 10)) lines.push(`  ${JSON.stringify(id)}: records ${records.map((i) => `#${i}`).join(', ')}`);
    if (report.repeatedIds.length > 10) lines.push(`  … and ${report.repeatedIds.length - 10} more`);
  }
  if (report.problems.length) {
    lines.push('');
    lines.push('problems:');
    for (const p of report.problems) lines.push(`  [${p.code}] ${p.message}`);
  }
  return lines.join('\n') + '\n';
}
