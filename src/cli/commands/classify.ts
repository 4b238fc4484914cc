// `ecommir classify image PATH...` and `ecommir classify dialogue FILE|-`: ranked labels with
// confidence, coarse and fine, the uncertain flag and the evidence; `--json` for machines.
import { decodeInputText, readInputText } from '../../data/read-file.js';
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { isChallengeRecord, parseRecordsText, refuseUnknownGoldLabel } from '../../data/load.js';
import { checkSample, decodeSampleImages, decodesImagesFirst } from '../../data/input-limits.js';
import { localImagePath, parseNativeSample } from '../../data/native.js';
import { EcommirError } from '../../errors.js';
import { IMAGE_FILE_EXTENSIONS } from '../../vision/decode.js';
import { createRecognizers } from '../../backends/select.js';
import { addBackendOptions, backendSelection, type BackendFlags } from '../backend-options.js';
import type { Evidence, Prediction, Sample } from '../../types.js';
import type { CommandContext } from '../main.js';
import { intOption, numberOption } from '../number-option.js';

/** The files a folder argument stands for: the formats the decoder reads, by name. */
const IMAGE_EXTENSIONS = new Set(IMAGE_FILE_EXTENSIONS);

/** Each folder among the arguments replaced by the images in it (not below it), in name order. */
async function expandFolders(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const [index, p] of paths.entries()) {
    const local = localImagePath(p, { id: basename(p), index });
    if (!(await stat(local).catch(() => undefined))?.isDirectory()) {
      out.push(p);
      continue;
    }
    const names = (await readdir(local, { withFileTypes: true })).filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase())).map((e) => e.name);
    if (names.length === 0) throw new EcommirError('ECM_ERR_IMAGE_MISSING', `${p} is a folder with no image in it (${[...IMAGE_EXTENSIONS].join(', ')})`);
    out.push(...names.sort().map((name) => join(local, name)));
  }
  return out;
}

interface ClassifyFlags extends BackendFlags {
  json?: boolean;
  top: string;
  threshold?: string;
  model?: string;
}

export function registerClassifyCommand(program: Command, ctx: CommandContext): void {
  const classify = program.command('classify').description('Classify images (scene) or a dialogue (intent) with the shipped models.');
  const common = (cmd: Command) =>
    addBackendOptions(
      cmd
        .option('--json', 'print the predictions as JSON')
        .option('--top <k>', 'ranked labels to show', '5')
        .option('--threshold <p>', 'confidence below which the answer is marked uncertain (default: the model’s)')
        .option('--model <dir>', 'model folder (default: the shipped one); with --backend mllm, the served model name'),
      { withModel: false },
    );

  common(
    classify
      .command('image')
      .description('The scene of each image: ranked scenes with confidence, coarse and fine label.')
      .argument('<paths...>', 'image files, or folders (the images in each, by name)'),
  ).action(async (args: string[], flags: ClassifyFlags) => {
    const paths = await expandFolders(args);
    const samples: Sample[] = paths.map((p, index) => ({ id: basename(p), index, task: 'scene', candidates: [], turns: [], images: [{ name: p, path: resolve(localImagePath(p, { id: basename(p), index })) }] }));
    ctx.exitCode = await run(samples, 'scene', flags);
  });

  common(
    classify
      .command('dialogue')
      .description('The intent of a dialogue in the native format ({dialogue: [{role, text, images?}]}, or a JSON array / JSONL of them): ranked intents, coarse–fine, evidence.')
      .argument('<file>', 'a .json / .jsonl file, or - for standard input'),
  ).action(async (file: string, flags: ClassifyFlags) => {
    const text = file === '-' ? await readStdin() : await readText(file);
    const name = file === '-' ? 'stdin' : resolve(file);
    const samples = parseRecordsText(text, name).map((record, index) => {
      if (isChallengeRecord(record)) throw challengeRecordError(record, index, name);
      const withTask = record && typeof record === 'object' && !('task' in record) ? { ...record, task: 'intent' } : record;
      return parseNativeSample(withTask, index, { file: name, baseDir: file === '-' ? process.cwd() : resolve(file, '..') });
    });
    ctx.exitCode = await run(samples, 'intent', flags, name);
  });
}

/** A challenge record given to `classify dialogue`: say which format is read and what to do, not which field failed. */
function challengeRecordError(record: unknown, index: number, file: string): EcommirError {
  const id = (record as { id?: unknown }).id;
  return new EcommirError(
    'ECM_ERR_BAD_RECORD',
    'this record is in the challenge format ({id, instruction, input, output, image}), but classify dialogue reads the native format ' +
      '{dialogue: [{role, text, images?}]} (one object, a JSON array or JSONL). For a challenge file run `ecommir predict --data FILE --out predictions.csv`, ' +
      'or write the dialogue as {"dialogue": [{"role": "user", "text": "..."}]}',
    { item: { file, index, id: typeof id === 'string' || typeof id === 'number' ? String(id) : undefined } },
  );
}

/** `file`: the data file the samples came from, named in their errors. */
async function run(samples: Sample[], task: 'scene' | 'intent', flags: ClassifyFlags, file?: string): Promise<number> {
  const top = intOption(flags.top, '--top');
  const threshold = numberOption(flags.threshold, '--threshold', { min: 0, max: 1, fallback: undefined });
  // --model is the embedded model folder, or with --backend mllm the served model name.
  const embeddedDir = flags.backend === 'mllm' ? undefined : flags.model;
  const recognizers = await createRecognizers(backendSelection(flags, task === 'scene' ? { sceneModel: embeddedDir } : { intentModel: embeddedDir }));
  const recognizer = recognizers[task];
  if (!recognizer) throw new EcommirError('ECM_ERR_NO_MODEL', `no ${task} model found${flags.model ? ` in ${flags.model}` : ''}`, { statusCode: 503 });
  // Every sample is checked before any is classified (the same input limits as the HTTP API, with the
  // same error): a bad last path must not cost the answers for the good ones before it.
  for (const sample of samples) {
    if (sample.task !== task) {
      const instead = sample.task === 'scene' ? 'ecommir classify image PATH' : 'ecommir classify dialogue FILE';
      throw new EcommirError('ECM_ERR_UNKNOWN_TASK', `this is a ${sample.task} sample, and this command classifies ${task} samples: use \`${instead}\``, { item: { id: sample.id, index: sample.index } });
    }
    // A gold label is not used here, but one the model does not know is refused as `predict` refuses it.
    refuseUnknownGoldLabel(sample, recognizer.labels, embeddedDir ? `the model in ${embeddedDir}` : flags.backend === 'mllm' ? 'the model answering' : 'the shipped model', file);
    await checkSample(sample);
    if (decodesImagesFirst(sample)) await decodeSampleImages(sample);
  }
  const out: Prediction[] = [];
  const write = (): void => {
    process.stdout.write(flags.json ? JSON.stringify(out.length === 1 && samples.length === 1 ? out[0] : out, null, 2) + '\n' : out.map(formatPrediction).join('\n'));
  };
  try {
    for (const sample of samples) out.push(await recognizer.predict(sample, { threshold, topK: top }));
  } catch (err) {
    // A fault the header check could not see (a corrupt image found by its decode): the answers
    // already made are written before the error, not thrown away with it.
    if (out.length > 0) write();
    throw err;
  }
  write();
  return 0;
}

function formatPrediction(p: Prediction): string {
  const lines = [`${p.id}: ${p.hierarchical}  (${(p.confidence * 100).toFixed(1)}%${p.uncertain ? ', uncertain: route to a person' : ''})`];
  for (const r of p.ranked) lines.push(`  ${(r.confidence * 100).toFixed(1).padStart(5)}%  ${r.coarse} - ${r.label}`);
  if (p.evidence?.length) {
    lines.push(`  ${zh ? '依据' : 'why'}:`);
    for (const e of p.evidence) lines.push(`    ${describeEvidence(e)}`);
  }
  return lines.join('\n') + '\n';
}

// Reasons in Chinese when the terminal's locale is Chinese, else in English.
const zh = /^zh/i.test(process.env.LC_ALL || process.env.LC_MESSAGES || process.env.LANG || '');

function describeEvidence(e: Evidence): string {
  const reason = zh ? e.reason.zh : e.reason.en;
  // Turns counted from 1 as a person counts them; the JSON's `turn` is the 0-based index into `dialogue`.
  if (e.kind === 'text') return `“${e.text}” ${zh ? `第 ${e.turn + 1} 轮（dialogue[${e.turn}] 第 ${e.start}–${e.end} 字）` : `in turn ${e.turn + 1} (dialogue[${e.turn}], characters ${e.start}–${e.end})`}: ${reason}`;
  if (e.kind === 'ocr') {
    const b = e.box;
    const box = `${zh ? '位置' : 'at'} ${(b.x0 * 100).toFixed(0)}–${(b.x1 * 100).toFixed(0)}% × ${(b.y0 * 100).toFixed(0)}–${(b.y1 * 100).toFixed(0)}%`;
    return `“${e.text}” (${zh ? `图 ${e.image}` : `image ${e.image}`}, ${box}): ${reason}`;
  }
  return reason;
}

async function readText(file: string): Promise<string> {
  return readInputText(file, 'the dialogue file');
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return decodeInputText(Buffer.concat(chunks), 'stdin');
}
