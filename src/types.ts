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

/** Why a prediction was made: the pieces of input that weighed most. */
export interface Evidence {
  /** A feature (word, n-gram, OCR line, layout cue...) and its contribution to the winning score. */
  feature: string;
  weight: number;
  /** Index of the turn the feature came from, when it came from a turn. */
  turn?: number;
}

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
