// The shapes every layer agrees on. Data flows one way:
// Sample → CleanedDialogue → features → model → Prediction.

/** The two recognition tasks of the WWW2025 MIR challenge. */
export type Task = 'scene' | 'intent';
export const TASKS: readonly Task[] = ['scene', 'intent'];

export type Role = 'user' | 'agent';

/** A reference to one image of a sample, resolved against an images folder when one is given. */
export interface ImageRef {
  /** The name as written in the record (e.g. `<id>-0.jpg`) or the path given by the user. */
  name: string;
  /** Absolute path on disk, when resolved. */
  path?: string;
  /** Inline bytes (API uploads, base64 in the native format). */
  bytes?: Uint8Array;
}

/** One turn of a dialogue. `<image>` and `<http>` markers stay in `text` where they occur. */
export interface Turn {
  role: Role;
  text: string;
  /** The images this turn's `<image>` markers point at, in order. */
  images: ImageRef[];
  /**
   * Where `text` sits in the turn as it was sent, when a parser changed it: its first character's
   * offset there (leading spaces trimmed), and how many of its characters come from there (`<image>`
   * markers a parser appends stand for nothing). Absent: `text` is the turn as sent.
   */
  source?: { offset: number; length: number };
}

/** One classification request, whichever format it came from. */
export interface Sample {
  /** Record id (challenge id, or the native format's `id`, or a generated `#<index>`). */
  id: string;
  /** 0-based position in its source file. */
  index: number;
  task: Task;
  /** Candidate labels written in the instruction (challenge format); empty when not given. */
  candidates: string[];
  /** The dialogue (intent) — for a scene sample, a single user turn holding the image. */
  turns: Turn[];
  /** All images of the sample in order (the challenge's `image[]`). */
  images: ImageRef[];
  /** Gold fine label, when known. */
  label?: string;
  /** The original challenge record, kept so that the submission CSV can echo it. */
  raw?: ChallengeRecord;
}

/** A record of the challenge's train/test JSON. */
export interface ChallengeRecord {
  id: string;
  instruction: string;
  input: string;
  output: string;
  image: string[];
}

/** One entry of a ranked prediction. */
export interface RankedLabel {
  label: string;
  coarse: string;
  confidence: number;
}

/** A short reason a person can read, in the two languages of the web page. */
export interface EvidenceReason {
  en: string;
  zh: string;
}

/** A fraction of the image's width (x) and height (y), 0 at the top left, 1 at the bottom right. */
export interface EvidenceBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

interface EvidenceBase {
  /** What this item added to the winning label's score (the sum over the features behind it); larger weighs more. */
  weight: number;
  reason: EvidenceReason;
  /** The model features behind the item (`view:term`), strongest first: for machines and debugging. */
  features: string[];
}

/** Words of one turn of the dialogue as it was sent that pushed the answer. */
export interface TextEvidence extends EvidenceBase {
  kind: 'text';
  /** Index of the turn in the dialogue as sent (the request's or the file's `dialogue`), before any denoising. */
  turn: number;
  /** Character (UTF-16 code unit) offsets in that turn's text, end exclusive. */
  start: number;
  end: number;
  /** Exactly `dialogue[turn].text.slice(start, end)`. */
  text: string;
}

/** A line the OCR read off an image that pushed the answer. */
export interface OcrEvidence extends EvidenceBase {
  kind: 'ocr';
  /** Index of the image among the sample's images (a scene sample's one image is 0). */
  image: number;
  /** The turn holding that image, for a dialogue. */
  turn?: number;
  /** The OCR line as read. */
  text: string;
  box: EvidenceBox;
  /** The label this line points to. */
  indicates: string;
}

/** Something without a place in the input: the page layout, the picture as a whole, a predicted scene. */
export interface SignalEvidence extends EvidenceBase {
  kind: 'signal';
}

/** Why a prediction was made: the pieces of input that weighed most, heaviest first. */
export type Evidence = TextEvidence | OcrEvidence | SignalEvidence;

export interface Prediction {
  id: string;
  task: Task;
  /** Fine label (the challenge's label). */
  label: string;
  coarse: string;
  /** `粗类-细类`. */
  hierarchical: string;
  confidence: number;
  /** True when confidence is below the configured threshold: route to a human. */
  uncertain: boolean;
  ranked: RankedLabel[];
  evidence?: Evidence[];
  /** Milliseconds spent, for the service's timing field. */
  ms?: number;
}
