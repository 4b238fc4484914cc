// `ecommir feedback export`: the people's corrections as training data, in the native format
// with labels (what `train --data` and `train --feedback` read). One record per corrected
// request, its current label, oldest correction first; `labelledAt` says when, so that a merge
// can let the newest human label win. Images are the stored files' paths, or inline base64.
import { EcommirError } from '../errors.js';
import { readFile } from 'node:fs/promises';
import { writeWholeStream } from '../data/whole-file.js';
import type { Task } from '../types.js';
import type { FeedbackStore, StoredPrediction } from './store.js';

export interface FeedbackRecord {
  id: string;
  task: Task;
  dialogue?: { role: string; text: string; images?: unknown[] }[];
  image?: unknown;
  label: string;
  labelledAt: string;
  note?: string;
  /** What the model had answered, and which model. */
  predicted: string;
  modelVersion: string;
}

export interface ExportReport {
  written: number;
  perTask: Record<Task, number>;
  /** Labelled samples whose image file is gone (left out). */
  missingImages: number;
}

export async function exportFeedback(store: FeedbackStore, out: string, options: { task?: Task; inlineImages?: boolean } = {}): Promise<ExportReport> {
  // Written whole or not at all: an export stopped half way must not pass for the full set of corrections.
  return writeWholeStream(
    out,
    async (write) => {
      const report: ExportReport = { written: 0, perTask: { scene: 0, intent: 0 }, missingImages: 0 };
      for (const p of store.labelled(options.task)) {
        const record = await toRecord(store, p, options.inlineImages ?? false);
        if (!record) {
          report.missingImages++;
          continue;
        }
        await write(`${JSON.stringify(record)}\n`);
        report.written++;
        report.perTask[p.task]++;
      }
      // A wrong --db or --task wrote an empty file over a good earlier export.
      if (report.written === 0) {
        const what = report.missingImages > 0 ? `its ${report.missingImages} labelled sample(s) have lost their images` : `it holds no labelled ${options.task ?? 'scene or intent'} sample`;
        throw new EcommirError('ECM_ERR_BAD_RECORD', `nothing to export from the feedback database: ${what}, and ${out} is left as it was`);
      }
      return report;
    },
    { mode: 0o600 },
  );
}

async function toRecord(store: FeedbackStore, p: StoredPrediction, inline: boolean): Promise<FeedbackRecord | undefined> {
  const image = async (hash: string): Promise<unknown> => {
    const path = store.images.pathOf(hash);
    if (!inline) {
      if (!(await store.images.read(hash))) return undefined;
      return path;
    }
    const bytes = await readFile(path).catch(() => undefined);
    return bytes && { name: hash, base64: bytes.toString('base64') };
  };
  const base = {
    id: p.requestId,
    task: p.task,
    label: p.correction!.label,
    labelledAt: new Date(p.correction!.at).toISOString(),
    ...(p.correction!.note ? { note: p.correction!.note } : {}),
    predicted: p.label,
    modelVersion: p.modelVersion,
  };
  if (p.task === 'scene') {
    const ref = await image(p.images[0]?.hash ?? '');
    return ref === undefined ? undefined : { ...base, image: ref };
  }
  const dialogue: NonNullable<FeedbackRecord['dialogue']> = [];
  for (const turn of p.turns) {
    const images: unknown[] = [];
    for (const hash of turn.images) {
      const ref = await image(hash);
      if (ref === undefined) return undefined;
      images.push(ref);
    }
    // The stored text keeps its <image> markers; the images pair with them in order.
    dialogue.push({ role: turn.role, text: turn.text, ...(images.length ? { images } : {}) });
  }
  return { ...base, dialogue };
}
