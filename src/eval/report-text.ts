// Plain-text renderings of evaluation results for the terminal. Chinese labels take two columns
// each, so padding counts display width, not string length.
import type { ClassificationReport } from './metrics.js';
import type { Evaluation, TaskEvaluation } from './evaluate.js';

/** Terminal columns of a string: East Asian wide and full-width characters count 2. */
export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const wide =
      (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd);
    w += wide ? 2 : 1;
  }
  return w;
}

const padEnd = (s: string, width: number) => s + ' '.repeat(Math.max(0, width - displayWidth(s)));
const padStart = (s: string, width: number) => ' '.repeat(Math.max(0, width - displayWidth(s))) + s;

/** Like sklearn's classification_report text (precision, recall, f1-score, support). */
export function formatClassificationReport(report: ClassificationReport, digits = 4): string {
  const rows: [string, number, number, number, number][] = report.labels.map((l) => {
    const r = report.perClass[l];
    return [l, r.precision, r.recall, r.f1, r.support];
  });
  const avgRows: [string, number | undefined, number | undefined, number, number][] = [];
  if (report.accuracy !== undefined) avgRows.push(['accuracy', undefined, undefined, report.accuracy, report.weightedAvg.support]);
  if (report.microAvg) avgRows.push(['micro avg', report.microAvg.precision, report.microAvg.recall, report.microAvg.f1, report.microAvg.support]);
  avgRows.push(['macro avg', report.macroAvg.precision, report.macroAvg.recall, report.macroAvg.f1, report.macroAvg.support]);
  avgRows.push(['weighted avg', report.weightedAvg.precision, report.weightedAvg.recall, report.weightedAvg.f1, report.weightedAvg.support]);
  const nameWidth = Math.max(12, ...rows.map((r) => displayWidth(r[0])));
  const col = Math.max(9, digits + 3);
  const num = (x: number | undefined) => padStart(x === undefined ? '' : x.toFixed(digits), col + 1);
  const lines = [padEnd('', nameWidth) + ['precision', 'recall', 'f1-score', 'support'].map((h) => padStart(h, col + 1)).join(''), ''];
  for (const [l, p, r, f, s] of rows) lines.push(padEnd(l, nameWidth) + num(p) + num(r) + num(f) + padStart(String(s), col + 1));
  lines.push('');
  for (const [l, p, r, f, s] of avgRows) lines.push(padEnd(l, nameWidth) + num(p) + num(r) + num(f) + padStart(String(s), col + 1));
  return lines.join('\n') + '\n';
}

/** The summary table (one row per task and pooled) followed by each task's per-class report. */
export function formatEvaluation(evaluation: Evaluation, digits = 4): string {
  const parts: [string, TaskEvaluation | undefined][] = [
    ['scene', evaluation.scene],
    ['intent', evaluation.intent],
    ['all', evaluation.all],
  ];
  const header = padEnd('task', 8) + ['n', 'weighted F1', 'macro F1', 'micro F1', 'accuracy'].map((h) => padStart(h, 12)).join('');
  const lines = [header];
  for (const [name, e] of parts) {
    if (!e) continue;
    lines.push(padEnd(name, 8) + padStart(String(e.n), 12) + [e.weightedF1, e.macroF1, e.microF1, e.accuracy].map((x) => padStart(x.toFixed(digits), 12)).join(''));
  }
  lines.push('', 'Official challenge score (weighted F1, both tasks pooled): ' + evaluation.all.weightedF1.toFixed(digits));
  if (evaluation.ignoredPredictionIds.length) lines.push(`Ignored ${evaluation.ignoredPredictionIds.length} prediction(s) with ids not in the gold file.`);
  let out = lines.join('\n') + '\n';
  for (const [name, e] of parts.slice(0, 2)) {
    if (e) out += `\n== ${name} ==\n` + formatClassificationReport(e.report, digits);
  }
  return out;
}
