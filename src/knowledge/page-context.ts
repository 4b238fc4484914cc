// Fills the knowledge's templates: `{name}` is an entity of the page (a product, a shop, a courier
// and its tracking number, times, a receiver...), sampled once per page so that a page stays
// consistent; `{n:a-b}` is a random integer; `{pick:a|b}` picks one branch; `@pool` picks from a
// named phrase pool. A list item gets a child context: new product, shop, parcel and times, the same
// receiver. Everything comes from one seeded generator, so a page is reproducible.
import type { Rng } from '../learn/random.js';
import type { ProductCategory, SceneKnowledge } from './scene-knowledge.js';

/** Entities that belong to the user or the page, shared by every item of a list. */
const PAGE_LEVEL = new Set([
  'name', 'nameMasked', 'nick', 'nickMasked', 'phoneMasked', 'address', 'province', 'city', 'cityShort', 'district', 'road', 'community',
  'cityTo', 'cityToShort', 'year', 'month', 'now', 'bank', 'card4',
]);

interface Product {
  category: ProductCategory;
  brand: string;
  title: string;
  short: string;
  axes: [string, string[]][];
  chosen: number[];
  alt: number[];
  price: number;
  qty: number;
  discount: number;
}

export class PageContext {
  private readonly memo = new Map<string, string>();
  private productMemo?: Product;
  private timesMemo?: Date[];

  constructor(
    readonly rng: Rng,
    readonly k: SceneKnowledge,
    /** Label pools first, then the shared vocab pools. */
    readonly labelPools: Record<string, string[]> = {},
    private readonly parent?: PageContext,
  ) {}

  /** A context for one item of a list: shares the user and the page date, draws the rest anew. */
  child(): PageContext {
    return new PageContext(this.rng, this.k, this.labelPools, this.root());
  }

  private root(): PageContext {
    return this.parent ? this.parent.root() : this;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.rng.int(items.length)];
  }

  int(lo: number, hi: number): number {
    return lo + this.rng.int(hi - lo + 1);
  }

  chance(p: number | undefined): boolean {
    return p === undefined || p >= 1 || this.rng.next() < p;
  }

  pool(name: string): string[] | undefined {
    return this.labelPools[name] ?? this.k.pools[name];
  }

  /** Fills a template or picks one from a pool list and fills it. */
  fill(pool: string | readonly string[] | undefined): string {
    if (pool === undefined) return '';
    const template = typeof pool === 'string' ? pool : pool.length ? this.pick(pool) : '';
    return this.expand(template, 0).replace(/\s{3,}/g, '  ').trim();
  }

  private expand(template: string, depth: number): string {
    if (depth > 8) return template;
    // Pool references first (a pool entry may itself hold placeholders or references).
    let s = template.replace(/@([A-Za-z]\w*)/g, (whole, name: string) => {
      const pool = this.pool(name);
      return pool && pool.length ? this.expand(this.pick(pool), depth + 1) : whole;
    });
    let out = '';
    for (let i = 0; i < s.length; i++) {
      if (s[i] !== '{') {
        out += s[i];
        continue;
      }
      let level = 1;
      let j = i + 1;
      for (; j < s.length && level > 0; j++) {
        if (s[j] === '{') level++;
        else if (s[j] === '}') level--;
      }
      const inner = s.slice(i + 1, j - 1);
      out += this.placeholder(inner, depth);
      i = j - 1;
    }
    s = out;
    return s;
  }

  private placeholder(inner: string, depth: number): string {
    const colon = inner.indexOf(':');
    const name = colon < 0 ? inner : inner.slice(0, colon);
    const arg = colon < 0 ? '' : inner.slice(colon + 1);
    if (name === 'pick') return this.expand(this.pick(splitTopLevel(arg, '|')), depth + 1);
    if (name === 'n') {
      const m = /^(\d+)-(\d+)$/.exec(arg);
      if (!m) return arg;
      return String(this.int(Number(m[1]), Number(m[2])));
    }
    return this.entity(name);
  }

  /** A named entity, memoised per context (page-level ones on the root). */
  entity(name: string): string {
    if (PAGE_LEVEL.has(name) && this.parent) return this.root().entity(name);
    const hit = this.memo.get(name);
    if (hit !== undefined) return hit;
    const value = this.make(name);
    this.memo.set(name, value);
    return value;
  }

  private make(name: string): string {
    const k = this.k;
    const p = this.product();
    switch (name) {
      case 'product': return p.title;
      case 'productShort': return p.short;
      case 'brand': return p.brand;
      case 'category': return p.category.name;
      case 'spec': return p.axes.map(([axis, values], i) => `${axis}:${values[p.chosen[i]]}`).join(';');
      case 'specAlt': return p.axes.map(([axis, values], i) => `${axis}:${values[p.alt[i]]}`).join(';');
      case 'specValues': return p.axes.map(([, values], i) => values[p.chosen[i]]).join(' ');
      case 'axisNames': return p.axes.map(([axis]) => axis).join(' ');
      case 'size': return this.pick(['S', 'M', 'L', 'XL', '2XL', '38', '40', '42']);
      case 'price': return money(p.price);
      case 'qty': return String(p.qty);
      case 'discount': return money(p.discount);
      case 'paid': return money(Math.max(0.01, p.price * p.qty - p.discount));
      case 'money': return money(this.logUniform(3, 3000));
      case 'shop': return this.shopName();
      case 'merchant': return this.fill(this.pool('billMerchants') ?? ['{shop}']);
      case 'services': {
        const all = this.pool('services') ?? [];
        const n = this.int(2, 3);
        return Array.from({ length: n }, () => this.pick(all)).filter((v, i, a) => a.indexOf(v) === i).join(' · ');
      }
      case 'coupon': return String(this.pick([3, 5, 5, 10, 10, 15, 20, 20, 30, 40, 50, 100]));
      case 'threshold': return String(this.pick([39, 49, 59, 99, 99, 129, 159, 199, 199, 299, 399, 499]));
      case 'countdown': return `${pad(this.int(0, 23))}:${pad(this.int(0, 59))}:${pad(this.int(0, 59))}`;
      case 'days': return String(this.int(1, 9));
      case 'hours': return String(this.int(1, 23));
      case 'minutes': return String(this.int(1, 59));
      case 'courier': return this.courier().name;
      case 'courierShort': return this.courier().short;
      case 'courierPhone': return this.courier().phone;
      case 'tracking': return this.courier().pattern.replace(/#/g, () => String(this.rng.int(10)));
      case 'hub': return this.pick(k.logistics.hubs);
      case 'orderNo': return `${this.int(1, 4)}${digits(this, 18)}`;
      case 'tradeNo': return `${ymd(this.times()[1], '')}22001${digits(this, 15)}`;
      case 'refundNo': return `${this.int(1, 3)}${digits(this, this.int(17, 18))}`;
      case 'pickupCode': return this.pick([
        () => `${this.int(1, 30)}-${this.int(1, 6)}-${this.int(1000, 6999)}`,
        () => `${this.pick(['A', 'B', 'C', 'D'])}${this.int(1, 30)}-${this.int(1000, 9999)}`,
        () => String(this.int(100000, 999999)),
      ])();
      case 'surname': return this.pick(k.people.surnames);
      case 'name': return this.personName();
      case 'nameMasked': return `${[...this.entity('name')][0]}**`;
      case 'nick': return this.nickname();
      case 'nickMasked': {
        const chars = [...this.entity('nick')];
        return `${chars[0]}**${chars[chars.length - 1]}`;
      }
      case 'phoneMasked': return `1${this.pick(['3', '5', '7', '8', '9'])}${this.rng.int(10)}****${digits(this, 4)}`;
      case 'province': return this.place().province;
      case 'city': case 'cityTo': return this.place().city;
      case 'cityShort': case 'cityToShort': return this.place().city.replace(/市$/, '');
      case 'district': return this.place().district;
      case 'road': return this.pick(k.people.roads);
      case 'community': return this.pick(k.people.communities);
      case 'address': {
        const pl = this.place();
        const tail = this.fill(k.people.addressTails);
        return `${pl.province} ${pl.city === pl.province ? '' : `${pl.city} `}${pl.district} ${this.entity('road')}${this.int(1, 999)}号 ${this.entity('community')}${tail}`.replace(/\s+/g, ' ');
      }
      case 'cityFrom': return this.otherPlace().city;
      case 'cityFromShort': return this.otherPlace().city.replace(/市$/, '');
      case 'bank': return this.pick(this.pool('banks') ?? ['招商银行']);
      case 'card4': return digits(this, 4);
      case 'year': return String(this.now().getUTCFullYear());
      case 'month': return String(this.now().getUTCMonth() + 1);
      case 'now': return dateTime(this.now());
      case 't0': case 't1': case 't2': case 't3': case 't4': return dateTime(this.times()[Number(name[1])]);
      case 'date': return ymd(this.times()[this.int(0, 4)], '-');
      case 'md': return md(this.times()[this.int(0, 4)]);
      case 'mdhm': return `${md(this.times()[this.int(0, 4)])} ${hm(this.times()[this.int(0, 4)])}`;
      case 'hm': return hm(this.times()[this.int(0, 4)]);
      case 'weekday': return this.pick(this.pool('weekdays') ?? ['周一']);
      case 'memberBadges': return this.fill(this.pool('memberBadges') ?? ['']);
      default:
        // An unknown placeholder is a typo in the knowledge: keep it visible rather than guess.
        return `{${name}}`;
    }
  }

  // ---- entities

  product(): Product {
    if (this.productMemo) return this.productMemo;
    const { categories, brands, titlePrefixes } = this.k.products;
    const category = this.pick(categories);
    const brand = this.pick(brands);
    const item = this.pick(category.items);
    const points = Array.from({ length: this.int(1, 4) }, () => this.pick(category.points)).filter((v, i, a) => a.indexOf(v) === i);
    const cut = this.int(0, points.length);
    const title = `${this.pick(titlePrefixes)}${brand} ${points.slice(0, cut).join('')}${item}${points.slice(cut).join('')}`.trim();
    const axes = Object.entries(category.axes).slice(0, 2) as [string, string[]][];
    const chosen = axes.map(([, values]) => this.rng.int(values.length));
    const alt = axes.map(([, values], i) => (chosen[i] + 1 + this.rng.int(Math.max(1, values.length - 1))) % values.length);
    const price = roundPrice(this.logUniform(category.price[0], category.price[1]), this);
    const qty = this.rng.next() < 0.8 ? 1 : this.int(2, 4);
    const discount = this.rng.next() < 0.5 ? 0 : Math.min(price * 0.5, this.pick([1, 2, 3, 5, 5, 10, 10, 15, 20, 30, 50]));
    this.productMemo = { category, brand, title, short: `${brand}${item}`, axes, chosen, alt, price, qty, discount };
    return this.productMemo;
  }

  private shopName(): string {
    const p = this.product();
    const suffix = this.pick(this.pool('shopSuffixes') ?? ['旗舰店']);
    return this.pick([
      () => `${p.brand}${suffix}`,
      () => `${p.brand}${p.category.name}${suffix}`,
      () => `${this.pick(this.k.people.nicknameParts)}的${this.pick(['小店', '杂货铺', '宝藏店铺', '衣橱', '生活馆'])}`,
      () => `${this.pick(this.k.products.brands)}${this.pick(['家居', '数码', '服饰', '母婴', '食品'])}${suffix}`,
    ])();
  }

  private courierMemo?: SceneKnowledge['logistics']['couriers'][number];
  private forcedCourier?: string;
  /** Every parcel of the page goes with this courier (short name), e.g. 京东 on JD pages. */
  useCourier(short: string): void {
    this.root().forcedCourier = short;
  }

  private courier() {
    const forced = this.root().forcedCourier;
    return (this.courierMemo ??= forced ? this.k.logistics.couriers.find((c) => c.short === forced)! : this.pick(this.k.logistics.couriers));
  }

  private personName(): string {
    const { surnames, givenChars } = this.k.people;
    const n = this.rng.next() < 0.7 ? 2 : 1;
    return this.pick(surnames) + Array.from({ length: n }, () => this.pick(givenChars)).join('');
  }

  private nickname(): string {
    const { nicknameParts, nicknameSuffixes } = this.k.people;
    return this.pick([
      () => `tb${digits(this, this.int(6, 9))}`,
      () => `${this.pick(nicknameParts)}${this.pick(nicknameSuffixes)}`,
      () => `${this.pick(nicknameParts)}_${digits(this, 3)}`,
    ])();
  }

  private placeMemo?: { province: string; city: string; district: string };
  private place() {
    if (this.placeMemo) return this.placeMemo;
    const province = this.pick(this.k.people.provinces);
    const city = this.pick(Object.keys(province.cities));
    const district = this.pick(province.cities[city]);
    this.placeMemo = { province: province.name, city, district };
    return this.placeMemo;
  }

  private otherMemo?: { city: string };
  private otherPlace() {
    if (this.otherMemo) return this.otherMemo;
    const province = this.pick(this.k.people.provinces);
    this.otherMemo = { city: this.pick(Object.keys(province.cities)) };
    return this.otherMemo;
  }

  private nowMemo?: Date;
  /** The page's "today": a day between 2023-01 and 2025-06. */
  now(): Date {
    if (this.parent) return this.root().now();
    return (this.nowMemo ??= new Date(Date.UTC(2023, 0, 1) + this.rng.int(910) * 86_400_000 + this.rng.int(86_400) * 1000));
  }

  /** Five increasing times of an order's life: created, paid, shipped, after-sale, done. */
  times(): Date[] {
    if (this.timesMemo) return this.timesMemo;
    const t0 = this.now().getTime() - this.int(1, 25) * 86_400_000 - this.rng.int(86_400) * 1000;
    const t1 = t0 + this.int(5, 1800) * 1000;
    const t2 = t1 + this.int(1, 48) * 3_600_000 + this.rng.int(3600) * 1000;
    const t3 = t2 + this.int(1, 6) * 86_400_000 + this.rng.int(86_400) * 1000;
    const t4 = t3 + this.int(1, 3) * 86_400_000 + this.rng.int(86_400) * 1000;
    this.timesMemo = [t0, t1, t2, t3, t4].map((t) => new Date(t));
    return this.timesMemo;
  }

  private logUniform(lo: number, hi: number): number {
    return Math.exp(Math.log(lo) + this.rng.next() * (Math.log(hi) - Math.log(lo)));
  }
}

/** Splits on a separator outside braces. */
export function splitTopLevel(s: string, sep: string): string[] {
  const parts: string[] = [];
  let level = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '{') level++;
    else if (s[i] === '}') level--;
    else if (s[i] === sep && level === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

function digits(ctx: PageContext, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(ctx.rng.int(10));
  return s;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

export function money(v: number): string {
  return v.toFixed(2);
}

/** Shop prices end in .00, .90, .99, .80 or are round: 59.00, 129.90, 9.99. */
function roundPrice(v: number, ctx: PageContext): number {
  const whole = v < 10 ? Math.round(v * 10) / 10 : Math.round(v);
  const cents = ctx.pick([0, 0, 0, 0.9, 0.99, 0.8, 0.5, 0]);
  return Math.max(0.9, Math.floor(whole) + cents);
}

function ymd(d: Date, sep: string): string {
  return [d.getUTCFullYear(), pad(d.getUTCMonth() + 1), pad(d.getUTCDate())].join(sep);
}

function md(d: Date): string {
  return `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

function hm(d: Date): string {
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

export function dateTime(d: Date): string {
  return `${ymd(d, '-')} ${hm(d)}:${pad(d.getUTCSeconds())}`;
}
