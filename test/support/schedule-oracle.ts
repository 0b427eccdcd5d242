/**
 * An independent model of EventBridge Scheduler fire times, for test/unit/schedule-properties.test.ts: wall clocks read
 * straight from Intl.DateTimeFormat (not the production ZoneCalendar), cron fields as structured values rendered to
 * text, a naive matcher, and a brute force that walks UTC minutes one by one keeping the first UTC minute of each
 * distinct wall-clock time ("skipped in a spring-forward gap, once, the first time, in a fall-back overlap").
 */

export const ZONES = [
  'UTC',
  'Europe/London',
  'Europe/Berlin',
  'America/New_York',
  'America/Sao_Paulo',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'Pacific/Chatham',
  'America/St_Johns',
] as const;
export const MINUTE = 60_000;
const HOUR = 3_600_000;
export const DAY = 86_400_000;
export const FROM = Date.UTC(2026, 0, 1);
export const TO = Date.UTC(2029, 0, 1);

// ---- An independent wall clock -------------------------------------------------------------------------------------

export interface Wall {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
export function wallOf(utcMs: number, timeZone: string): Wall {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(utcMs)) parts[part.type] = Number(part.value);
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 0,
    day: parts.day ?? 0,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
  };
}

const offsetOf = (utcMs: number, timeZone: string) => {
  const w = wallOf(utcMs, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) - Math.floor(utcMs / MINUTE) * MINUTE;
};
const two = (n: number) => String(n).padStart(2, '0');
export const wallText = (w: Wall) => `${w.year}-${two(w.month)}-${two(w.day)}T${two(w.hour)}:${two(w.minute)}`;

/** UTC instants (to the minute) at which each zone's offset changes in 2026-2028. */
export const TRANSITIONS: ReadonlyMap<string, readonly number[]> = new Map(
  ZONES.map((zone) => {
    const found: number[] = [];
    let previous = offsetOf(FROM, zone);
    for (let day = FROM + DAY; day <= TO; day += DAY) {
      const offset = offsetOf(day, zone);
      if (offset !== previous) {
        let lo = day - DAY;
        let hi = day;
        while (hi - lo > MINUTE) {
          const mid = Math.floor((lo + hi) / 2 / MINUTE) * MINUTE;
          if (offsetOf(mid, zone) === previous) lo = mid;
          else hi = mid;
        }
        found.push(hi);
      }
      previous = offset;
    }
    return [zone, found] as const;
  }),
);

// ---- Expressions as structured values, rendered to text and matched naively ---------------------------------------

export type Item =
  | { readonly kind: 'star' }
  | { readonly kind: 'value'; readonly v: number }
  | { readonly kind: 'range'; readonly a: number; readonly b: number }
  | { readonly kind: 'step'; readonly a?: number; readonly b?: number; readonly s: number };

export interface ListField {
  readonly items: readonly Item[];
  readonly names?: 'upper' | 'lower' | 'title' | undefined;
}

export type Dom =
  | { readonly kind: 'list'; readonly list: ListField }
  | { readonly kind: 'L' | 'LW' }
  | { readonly kind: 'W'; readonly n: number };
export type Dow =
  | { readonly kind: 'list'; readonly list: ListField }
  | { readonly kind: 'L' }
  | { readonly kind: 'last'; readonly d: number }
  | { readonly kind: 'nth'; readonly d: number; readonly n: number };

export interface Spec {
  readonly minutes: ListField;
  readonly hours: ListField;
  readonly dom?: Dom;
  readonly months: ListField;
  readonly dow?: Dow;
  readonly years?: ListField;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const expansions = new WeakMap<ListField, Map<string, Set<number>>>();
/** The values a list field stands for, `*` being min-max. */
export function expand(field: ListField, min: number, max: number): Set<number> {
  let cache = expansions.get(field);
  if (!cache) {
    cache = new Map();
    expansions.set(field, cache);
  }
  const cached = cache.get(`${min}-${max}`);
  if (cached) return cached;
  const values = new Set<number>();
  cache.set(`${min}-${max}`, values);
  for (const item of field.items) {
    if (item.kind === 'star') for (let v = min; v <= max; v++) values.add(v);
    else if (item.kind === 'value') values.add(item.v);
    else if (item.kind === 'range') for (let v = item.a; v <= item.b; v++) values.add(v);
    else for (let v = item.a ?? min; v <= (item.b ?? max); v += item.s) values.add(v);
  }
  return values;
}

export function render(field: ListField, names?: readonly string[], min = 0): string {
  const name = (v: number) => {
    const upper = names && field.names ? names[v - min] : undefined;
    if (upper === undefined) return String(v);
    if (field.names === 'lower') return upper.toLowerCase();
    return field.names === 'title' ? upper[0] + upper.slice(1).toLowerCase() : upper;
  };
  return field.items
    .map((item) => {
      if (item.kind === 'star') return '*';
      if (item.kind === 'value') return name(item.v);
      if (item.kind === 'range') return `${name(item.a)}-${name(item.b)}`;
      const from = item.a === undefined ? '*' : item.b === undefined ? name(item.a) : `${name(item.a)}-${name(item.b)}`;
      return `${from}/${item.s}`;
    })
    .join(',');
}

export function toCron(spec: Spec): string {
  const { dom, dow } = spec;
  const domText = !dom ? '?' : dom.kind === 'list' ? render(dom.list) : dom.kind === 'W' ? `${dom.n}W` : dom.kind;
  let dowText = '?';
  if (dow?.kind === 'list') dowText = render(dow.list, WEEKDAYS, 1);
  else if (dow?.kind === 'L') dowText = 'L';
  else if (dow?.kind === 'last') dowText = `${dow.d}L`;
  else if (dow?.kind === 'nth') dowText = `${dow.d}#${dow.n}`;
  const years = spec.years ? render(spec.years) : '*';
  const months = render(spec.months, MONTHS, 1);
  return `cron(${render(spec.minutes)} ${render(spec.hours)} ${domText} ${months} ${dowText} ${years})`;
}

const monthLength = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
/** 1 = Sunday. */
const weekday = (year: number, month: number, day: number) => new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
const isWorkday = (year: number, month: number, day: number) => ![1, 7].includes(weekday(year, month, day));

const monthDays = new WeakMap<Spec, Map<string, boolean[]>>();

/** Whether a local calendar date matches the spec's day, month and year fields (memoized per month). */
export function dateMatches(spec: Spec, year: number, month: number, day: number): boolean {
  if (spec.years && !expand(spec.years, 1970, 2199).has(year)) return false;
  if (!expand(spec.months, 1, 12).has(month)) return false;
  let cache = monthDays.get(spec);
  if (!cache) {
    cache = new Map();
    monthDays.set(spec, cache);
  }
  let days = cache.get(`${year}-${month}`);
  if (!days) {
    days = [];
    for (let d = 1; d <= 31; d++) days[d] = dayMatches(spec, year, month, d);
    cache.set(`${year}-${month}`, days);
  }
  return days[day] === true;
}

/** Whether day `day` of a month matches the day-of-month and day-of-week fields, by plain search. */
function dayMatches(spec: Spec, year: number, month: number, day: number): boolean {
  const length = monthLength(year, month);
  if (day > length) return false;
  const dom = spec.dom;
  if (dom?.kind === 'list' && !expand(dom.list, 1, 31).has(day)) return false;
  if (dom?.kind === 'L' && day !== length) return false;
  if (dom?.kind === 'LW') {
    let last = length;
    while (!isWorkday(year, month, last)) last--;
    if (day !== last) return false;
  }
  if (dom?.kind === 'W') {
    // The workday of the month closest to day n (none when the month has no day n).
    let nearest: number | undefined;
    for (let d = 1; d <= length && dom.n <= length; d++) {
      const closer = nearest === undefined || Math.abs(d - dom.n) < Math.abs(nearest - dom.n);
      if (isWorkday(year, month, d) && closer) nearest = d;
    }
    if (day !== nearest) return false;
  }
  const dow = spec.dow;
  const wd = weekday(year, month, day);
  if (dow?.kind === 'list' && !expand(dow.list, 1, 7).has(wd)) return false;
  if (dow?.kind === 'L' && wd !== 7) return false;
  if (dow?.kind === 'last') {
    let last = length;
    while (weekday(year, month, last) !== dow.d) last--;
    if (day !== last) return false;
  }
  if (dow?.kind === 'nth') {
    let seen = 0;
    for (let d = 1; d <= day; d++) if (weekday(year, month, d) === dow.d) seen++;
    if (wd !== dow.d || seen !== dow.n) return false;
  }
  return true;
}

function wallMatches(spec: Spec, w: Wall): boolean {
  return (
    expand(spec.minutes, 0, 59).has(w.minute) &&
    expand(spec.hours, 0, 23).has(w.hour) &&
    dateMatches(spec, w.year, w.month, w.day)
  );
}

/** Fires in (after, until): each UTC minute whose wall clock matches and is seen for the first time. */
export function bruteForce(spec: Spec, timeZone: string, after: number, until: number): string[] {
  const seen = new Set<string>();
  const fires: string[] = [];
  // Start early enough to see the first occurrence of a wall-clock time repeated just before `after`.
  for (let t = Math.floor(after / MINUTE) * MINUTE - 3 * HOUR; t < until; t += MINUTE) {
    const wall = wallOf(t, timeZone);
    const key = wallText(wall);
    if (seen.has(key)) continue;
    seen.add(key);
    if (t > after && wallMatches(spec, wall)) fires.push(new Date(t).toISOString());
  }
  return fires;
}
