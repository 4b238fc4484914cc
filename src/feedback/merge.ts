// `train --feedback FILE`: people's corrections merged with the data file before training. Samples
// are matched by content (content.ts: the same text and image bytes, wherever they came from):
// a correction of a sample the data file also has replaces its label; a new one is added; when
// the feedback holds the same sample more than once, the newest human label (labelledAt, else
// the later record) wins.
import { EcommirError } from '../errors.js';
import type { Sample, Task } from '../types.js';
import { storableContent } from './content.js';

export interface FeedbackMergeReport {
  file?: string;
  /** Labelled feedback records of the task read. */
  read: number;
  /** Records of the other task, passed over: a model trains on its own task's labels. */
  otherTask: number;
  /** Older labels of a sample the feedback holds several times (dropped). */
  superseded: number;
  /** Data-file samples whose label the feedback changed. */
  relabelled: number;
  /** Data-file samples whose label the feedback confirmed. */
  confirmed: number;
  /** Samples the data file did not have. */
  added: number;
  /** Samples trained on after the merge. */
  total: number;
}

/** `labelledAt` (ms) of each feedback sample, in the same order; NaN when unknown. */
export async function mergeFeedback(
  task: Task,
  data: readonly Sample[],
  feedback: readonly Sample[],
  labelledAt: readonly number[] = [],
  file?: string,
): Promise<{ samples: Sample[]; report: FeedbackMergeReport }> {
  const ofTask = feedback.map((s, i) => ({ s, at: labelledAt[i] ?? NaN, order: i })).filter((x) => x.s.task === task);
  for (const { s } of ofTask) {
    if (s.label === undefined) throw new EcommirError('ECM_ERR_BAD_RECORD', 'a feedback record has no label', { item: { id: s.id, index: s.index, file } });
  }
  // Newest human label per content.
  const newest = new Map<string, { s: Sample; at: number; order: number }>();
  let superseded = 0;
  for (const entry of ofTask) {
    const key = (await storableContent(entry.s)).contentHash;
    const seen = newest.get(key);
    if (seen) superseded++;
    if (!seen || isNewer(entry, seen)) newest.set(key, entry);
  }
  const report: FeedbackMergeReport = { ...(file ? { file } : {}), read: ofTask.length, otherTask: feedback.length - ofTask.length, superseded, relabelled: 0, confirmed: 0, added: 0, total: 0 };
  const samples: Sample[] = [];
  const used = new Set<string>();
  for (const sample of data) {
    const key = newest.size > 0 ? (await storableContent(sample)).contentHash : '';
    const correction = newest.get(key);
    if (!correction) {
      samples.push(sample);
      continue;
    }
    used.add(key);
    samples.push({ ...sample, label: correction.s.label });
    if (correction.s.label === sample.label) report.confirmed++;
    else report.relabelled++;
  }
  for (const [key, { s }] of newest) {
    if (used.has(key)) continue;
    samples.push({ ...s, index: samples.length });
    report.added++;
  }
  report.total = samples.length;
  return { samples, report };
}

function isNewer(a: { at: number; order: number }, b: { at: number; order: number }): boolean {
  if (Number.isFinite(a.at) && Number.isFinite(b.at) && a.at !== b.at) return a.at > b.at;
  return a.order > b.order;
}

export function describeMerge(r: FeedbackMergeReport, task: Task): string {
  const other = task === 'intent' ? 'scene' : 'intent';
  // Said, not silent: "0 merged" alone reads as an empty export when the file holds the other task's labels.
  const passedOver = r.otherTask > 0 ? `; ${r.otherTask} ${other} record${r.otherTask === 1 ? '' : 's'} passed over (train the ${other} model with them)` : '';
  return `${r.read} human ${task} labels${r.file ? ` from \`${r.file}\`` : ''} merged: ${r.relabelled} data-file samples relabelled, ${r.confirmed} confirmed, ${r.added} added, ${r.superseded} older duplicate labels superseded; ${r.total} samples in all${passedOver}`;
}
