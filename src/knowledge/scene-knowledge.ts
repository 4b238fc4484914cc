// The scene knowledge kept as data under knowledge/scene/: per label what its pages show (variants of
// section lists filled from phrase pools), shared vocabulary, field formats, app palettes and devices.
// Written from the label definitions and domain knowledge (each file's `about` says how); this
// module only loads and checks it, so a reviewer edits JSON, not code.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EcommirError } from '../errors.js';
import { Taxonomy } from '../labels/taxonomy.js';
import { readJsonFile } from '../data/json-text.js';
import { requireFolderSync } from '../data/read-file.js';

/** A template or a list of templates (one is picked); '@name' names a pool. */
export type Pool = string | string[];

/** Every spec may carry `p`: the probability that it is included (default 1). */
export interface Optional {
  p?: number;
}

export type RowSpec = Optional & Record<string, unknown>;

export interface SectionSpec extends Optional {
  kind: string;
  [key: string]: unknown;
}

export interface TitleBarSpec extends Optional {
  title?: Pool;
  sub?: Pool;
  right?: Pool[];
  style?: 'white' | 'brand' | 'grey' | 'dark' | 'transparent' | 'search' | 'tabs';
  back?: boolean;
  search?: Pool;
  tabs?: Pool[];
}

export interface BottomBarSpec extends Optional {
  kind: 'buttons' | 'tabbar' | 'total' | 'buy' | 'input' | 'button' | 'iconBar';
  [key: string]: unknown;
}

export interface PopupSpec extends Optional {
  kind: 'dialog' | 'toast' | 'sheet';
  [key: string]: unknown;
}

export interface PhotoSpec {
  scene: string;
  texts?: Pool[];
}

export interface VariantSpec {
  name: string;
  app: string;
  weight?: number;
  statusBar?: boolean;
  titleBar?: TitleBarSpec | null;
  sections?: SectionSpec[];
  bottomBar?: BottomBarSpec | null;
  popup?: PopupSpec | null;
  photo?: PhotoSpec;
  /** Courier short name (vocab/logistics.json) every parcel of the page uses, e.g. 京东 on JD pages. */
  courier?: string;
}

export interface LabelKnowledge {
  about: string;
  label: string;
  definition: string;
  shows: string;
  structure: string;
  boundaries: { vs: string; rule: string }[];
  pools: Record<string, string[]>;
  variants: VariantSpec[];
  /** File it came from, relative to the knowledge folder. */
  file: string;
}

export interface AppStyle {
  name: string;
  inFamily: boolean;
  primary: string;
  gradientTo: string;
  accent: string;
  price: string;
  background: string;
  dark?: boolean;
  headerStyles: string[];
  tabbar: string[];
}

export interface DeviceSpec {
  name: string;
  width: number;
  height: number;
  weight: number;
}

export interface ProductCategory {
  name: string;
  items: string[];
  points: string[];
  axes: Record<string, string[]>;
  price: [number, number];
}

export interface Courier {
  name: string;
  short: string;
  pattern: string;
  phone: string;
}

export interface SceneKnowledge {
  dir: string;
  labels: LabelKnowledge[];
  apps: Record<string, AppStyle>;
  devices: DeviceSpec[];
  fields: Record<string, string>;
  /** Shared pools (vocab files' string arrays), by name. */
  pools: Record<string, string[]>;
  products: { titlePrefixes: string[]; brands: string[]; categories: ProductCategory[] };
  people: {
    surnames: string[];
    givenChars: string[];
    nicknameParts: string[];
    nicknameSuffixes: string[];
    provinces: { name: string; cities: Record<string, string[]> }[];
    roads: string[];
    communities: string[];
    addressTails: string[];
  };
  logistics: { couriers: Courier[]; hubs: string[]; events: Record<string, string[]>; statuses: Record<string, string[]>; stationNames: string[] };
}

/** knowledge/scene at the package root, from src/knowledge/ and dist/knowledge/ alike. */
export function defaultSceneKnowledgeDir(): string {
  return fileURLToPath(new URL('../../knowledge/scene/', import.meta.url));
}

function readJson(file: string): Record<string, unknown> {
  return readJsonFile(file, 'scene knowledge') as Record<string, unknown>;
}

const SECTION_KINDS = new Set([
  'banner', 'card', 'list', 'timeline', 'tabs', 'chipsRow', 'search', 'hero', 'grid', 'coupons', 'chat', 'options', 'skuHead', 'amount',
  'keypad', 'promo', 'icons', 'profile', 'shopHeader', 'map', 'notice', 'table', 'commentSheet',
]);
export const ROW_KINDS = [
  'kv', 'fields', 'text', 'product', 'total', 'buttons', 'chips', 'input', 'textarea', 'upload', 'radio', 'steps', 'avatar', 'photos', 'link',
  'stepper', 'bill', 'avatarRow', 'iconsRow', 'switch',
] as const;
const PHOTO_SCENES = new Set(['hero', 'hero-plain', 'detail-panel', 'poster', 'damaged', 'parcel', 'open-box', 'package-print', 'garment', 'in-hand', 'sticker', 'landscape', 'qr', 'blank', 'document',
  'hero-frame', 'hero-collage', 'hero-points', 'hero-model', 'hero-gift', 'hero-compare', 'hero-share', 'text-card', 'handwriting', 'food', 'person',
  'screen-photo', 'cartoon', 'chart', 'card-photo']);

let cached: { dir: string; knowledge: SceneKnowledge } | undefined;

/** Loads and checks knowledge/scene (memoised per folder). */
export function loadSceneKnowledge(dir = defaultSceneKnowledgeDir(), taxonomy = Taxonomy.default('scene')): SceneKnowledge {
  if (cached && cached.dir === dir) return cached.knowledge;
  requireFolderSync(dir, 'the scene knowledge folder');
  const apps = readJson(path.join(dir, 'apps.json'));
  const fields = readJson(path.join(dir, 'fields.json'));
  const vocabDir = path.join(dir, 'vocab');
  const vocab: Record<string, Record<string, unknown>> = {};
  for (const f of readdirSync(vocabDir).filter((f) => f.endsWith('.json')).sort()) vocab[f.replace(/\.json$/, '')] = readJson(path.join(vocabDir, f));
  const pools: Record<string, string[]> = {};
  for (const file of Object.values(vocab)) {
    for (const [k, v] of Object.entries(file)) if (Array.isArray(v) && v.every((s) => typeof s === 'string')) pools[k] = v as string[];
  }
  const labelsDir = path.join(dir, 'labels');
  const labels: LabelKnowledge[] = [];
  for (const f of readdirSync(labelsDir).filter((f) => f.endsWith('.json')).sort()) {
    const json = readJson(path.join(labelsDir, f)) as unknown as LabelKnowledge;
    json.file = `labels/${f}`;
    json.pools ??= {};
    labels.push(json);
  }
  const knowledge: SceneKnowledge = {
    dir,
    labels,
    apps: (apps as { apps: Record<string, AppStyle> }).apps,
    devices: (apps as { devices: DeviceSpec[] }).devices,
    fields: (fields as { fields: Record<string, string> }).fields,
    pools,
    products: vocab.products as unknown as SceneKnowledge['products'],
    people: vocab['people-places'] as unknown as SceneKnowledge['people'],
    logistics: vocab.logistics as unknown as SceneKnowledge['logistics'],
  };
  checkSceneKnowledge(knowledge, taxonomy);
  cached = { dir, knowledge };
  return knowledge;
}

/** Structural checks with errors that name the file and the place: a typo in JSON fails loudly. */
export function checkSceneKnowledge(k: SceneKnowledge, taxonomy: Taxonomy): void {
  const fail = (file: string, why: string): never => {
    throw new EcommirError('ECM_ERR_BAD_JSON', `scene knowledge ${file}: ${why}`, { item: { file: path.join(k.dir, file) } });
  };
  for (const [file, about] of [['apps.json', k.apps], ['fields.json', k.fields]] as const) if (!about) fail(file, 'is empty');
  const seen = new Set<string>();
  for (const l of k.labels) {
    if (typeof l.about !== 'string' || l.about.length < 20) fail(l.file, 'needs an "about" saying how it was written');
    if (!taxonomy.labels.includes(l.label)) fail(l.file, `label "${l.label}" is not in the scene taxonomy`);
    if (seen.has(l.label)) fail(l.file, `label "${l.label}" is described twice`);
    seen.add(l.label);
    if (!Array.isArray(l.variants) || l.variants.length === 0) fail(l.file, 'needs at least one variant');
    for (const v of l.variants) {
      const where = `variant "${v.name}"`;
      if (!k.apps[v.app]) fail(l.file, `${where}: unknown app "${v.app}"`);
      if (v.courier && !k.logistics.couriers.some((c) => c.short === v.courier)) fail(l.file, `${where}: unknown courier "${v.courier}"`);
      if (v.photo) {
        if (!PHOTO_SCENES.has(v.photo.scene)) fail(l.file, `${where}: unknown photo scene "${v.photo.scene}"`);
        continue;
      }
      if (!Array.isArray(v.sections)) fail(l.file, `${where}: needs sections (or a photo)`);
      const sections = [...(v.sections ?? []), ...(((v.popup?.sections as SectionSpec[] | undefined) ?? []))];
      for (const s of sections) {
        if (!SECTION_KINDS.has(s.kind)) fail(l.file, `${where}: unknown section kind "${s.kind}"`);
        const rows = [...((s.rows as RowSpec[] | undefined) ?? []), ...((s.item as RowSpec[] | undefined) ?? [])];
        for (const r of rows) {
          const kind = ROW_KINDS.find((kind) => kind in r);
          if (!kind) fail(l.file, `${where}: a row of a ${s.kind} section has no known row kind (${Object.keys(r).join(', ')})`);
          if (kind === 'fields') for (const f of r.fields as string[]) if (!(f in k.fields)) fail(l.file, `${where}: field "${f}" is not in fields.json`);
        }
      }
    }
    for (const ref of poolRefs(l)) if (!(ref in l.pools) && !(ref in k.pools)) fail(l.file, `pool @${ref} is not defined in the label's pools nor in vocab/`);
  }
  for (const label of taxonomy.labels) if (!seen.has(label)) fail('labels/', `no file describes the label "${label}"`);
  for (const [name, t] of Object.entries(k.fields)) for (const ref of t.match(/@[A-Za-z]\w*/g) ?? []) if (!(ref.slice(1) in k.pools)) fail('fields.json', `field ${name}: pool ${ref} is not in vocab/`);
}

function poolRefs(l: LabelKnowledge): Set<string> {
  const refs = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') for (const m of v.match(/@[A-Za-z]\w*/g) ?? []) refs.add(m.slice(1));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(l.variants);
  walk(l.pools);
  return refs;
}
