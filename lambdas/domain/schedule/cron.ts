/**
 * EventBridge Scheduler cron expressions: `cron(minutes hours day-of-month month day-of-week year)`.
 * Minutes 0-59 and hours 0-23 take `, - * /`; day-of-month 1-31 also `? L W` (`L` last day, `15W` the weekday nearest
 * the 15th within the month, `LW` the last weekday); month 1-12 or JAN-DEC; day-of-week 1-7 or SUN-SAT (1 = Sunday)
 * also `? L #` (`5L` the last Thursday, `3#2` the second Tuesday, `L` alone Saturday); year 1970-2199. Exactly one of
 * day-of-month and day-of-week is `?`.
 */
export type DayOfMonth =
  | { readonly kind: 'any' }
  | { readonly kind: 'days'; readonly days: ReadonlySet<number> }
  | { readonly kind: 'last' }
  | { readonly kind: 'lastWeekday' }
  | { readonly kind: 'nearestWeekday'; readonly day: number };

export type DayOfWeek =
  | { readonly kind: 'any' }
  /** 1 = Sunday … 7 = Saturday. */
  | { readonly kind: 'days'; readonly days: ReadonlySet<number> }
  | { readonly kind: 'last'; readonly day: number }
  | { readonly kind: 'nth'; readonly day: number; readonly n: number };

export interface CronFields {
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly dayOfMonth: DayOfMonth;
  readonly months: ReadonlySet<number>;
  readonly dayOfWeek: DayOfWeek;
  /** Undefined: every year. */
  readonly years?: ReadonlySet<number>;
}

interface FieldSpec {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const FIELDS = {
  minutes: { label: 'minutes', min: 0, max: 59 },
  hours: { label: 'hours', min: 0, max: 23 },
  dayOfMonth: { label: 'day-of-month', min: 1, max: 31 },
  month: {
    label: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  dayOfWeek: { label: 'day-of-week', min: 1, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
  year: { label: 'year', min: 1970, max: 2199 },
} as const satisfies Record<string, FieldSpec>;

export class CronSyntaxError extends Error {}

function fail(message: string): never {
  throw new CronSyntaxError(message);
}

function value(spec: FieldSpec, text: string): number {
  const upper = text.toUpperCase();
  const named = spec.names?.indexOf(upper) ?? -1;
  if (named >= 0) return spec.min + named;
  if (!/^\d{1,4}$/.test(text))
    fail(`${spec.label}: ${JSON.stringify(text)} is not a number${spec.names ? ' or name' : ''}`);
  const number = Number(text);
  if (number < spec.min || number > spec.max) fail(`${spec.label}: ${number} is out of range ${spec.min}-${spec.max}`);
  return number;
}

/** A list of `*`, `a`, `a-b`, `*\/s`, `a/s`, `a-b/s` items → the sorted values. */
export function listField(spec: FieldSpec, text: string): number[] {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const match = /^([^/]+)(?:\/(\d{1,4}))?$/.exec(item);
    if (!match) fail(`${spec.label}: ${JSON.stringify(item)} is not a value, range or step`);
    const [, range = '', stepText] = match;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) fail(`${spec.label}: the step in ${JSON.stringify(item)} must be at least 1`);
    let from: number;
    let to: number;
    if (range === '*') {
      from = spec.min;
      to = spec.max;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      from = value(spec, a);
      to = value(spec, b);
      if (from > to) fail(`${spec.label}: the range ${range} runs backwards`);
    } else {
      from = value(spec, range);
      to = stepText === undefined ? from : spec.max;
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

function dayOfMonthField(text: string): DayOfMonth {
  const upper = text.toUpperCase();
  if (upper === '?') return { kind: 'any' };
  if (upper === 'L') return { kind: 'last' };
  if (upper === 'LW') return { kind: 'lastWeekday' };
  const weekday = /^(\d{1,2})W$/.exec(upper);
  if (weekday) return { kind: 'nearestWeekday', day: value(FIELDS.dayOfMonth, weekday[1] ?? '') };
  if (/[LW#]/.test(upper)) fail(`day-of-month: ${JSON.stringify(text)} is not valid (use L, LW, nW or numbers)`);
  return { kind: 'days', days: new Set(listField(FIELDS.dayOfMonth, text)) };
}

function dayOfWeekField(text: string): DayOfWeek {
  const upper = text.toUpperCase();
  if (upper === '?') return { kind: 'any' };
  if (upper === 'L') return { kind: 'last', day: 7 };
  const last = /^([A-Z]{3}|\d)L$/.exec(upper);
  if (last) return { kind: 'last', day: value(FIELDS.dayOfWeek, last[1] ?? '') };
  const nth = /^([A-Z]{3}|\d)#(\d)$/.exec(upper);
  if (nth) {
    const n = Number(nth[2]);
    if (n < 1 || n > 5) fail(`day-of-week: in ${text}, the week of the month must be 1-5`);
    return { kind: 'nth', day: value(FIELDS.dayOfWeek, nth[1] ?? ''), n };
  }
  if (/[L#W]/.test(upper)) fail(`day-of-week: ${JSON.stringify(text)} is not valid (use nL, n#k or days)`);
  return { kind: 'days', days: new Set(listField(FIELDS.dayOfWeek, text)) };
}

/** Parses the inside of `cron(…)`; CronSyntaxError with the reason. */
export function parseCronFields(body: string): CronFields {
  const parts = body.trim().split(/\s+/);
  if (parts.length !== 6) {
    fail(
      `a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), this has ${parts.length}`,
    );
  }
  const [minutes = '', hours = '', dom = '', month = '', dow = '', year = ''] = parts;
  if ((dom === '?') === (dow === '?')) {
    fail('exactly one of day-of-month and day-of-week must be ? (e.g. cron(0 3 * * ? *) or cron(0 3 ? * MON *))');
  }
  for (const [label, text] of [
    ['minutes', minutes],
    ['hours', hours],
    ['month', month],
    ['year', year],
  ] as const) {
    if (text === '?') fail(`${label}: ? is allowed only in day-of-month or day-of-week`);
  }
  return {
    minutes: listField(FIELDS.minutes, minutes),
    hours: listField(FIELDS.hours, hours),
    dayOfMonth: dayOfMonthField(dom),
    months: new Set(listField(FIELDS.month, month)),
    dayOfWeek: dayOfWeekField(dow),
    ...(year === '*' ? {} : { years: new Set(listField(FIELDS.year, year)) }),
  };
}

/** Whether a local calendar day matches the day fields. `weekday`: 1 = Sunday … 7 = Saturday. */
export function matchesDay(
  fields: CronFields,
  day: { year: number; month: number; day: number; weekday: number; monthLength: number },
): boolean {
  if (fields.years && !fields.years.has(day.year)) return false;
  if (!fields.months.has(day.month)) return false;
  const dom = fields.dayOfMonth;
  switch (dom.kind) {
    case 'days':
      if (!dom.days.has(day.day)) return false;
      break;
    case 'last':
      if (day.day !== day.monthLength) return false;
      break;
    case 'lastWeekday':
      if (day.day !== lastWeekday(day)) return false;
      break;
    case 'nearestWeekday':
      if (day.day !== nearestWeekday(day, dom.day)) return false;
      break;
    case 'any':
      break;
  }
  const dow = fields.dayOfWeek;
  switch (dow.kind) {
    case 'days':
      return dow.days.has(day.weekday);
    case 'last':
      return day.weekday === dow.day && day.day + 7 > day.monthLength;
    case 'nth':
      return day.weekday === dow.day && Math.ceil(day.day / 7) === dow.n;
    case 'any':
      return true;
  }
}

/** Weekday (1 = Sunday) of another day of the same month. */
function weekdayOf(day: { day: number; weekday: number }, other: number): number {
  return ((((day.weekday - 1 + other - day.day) % 7) + 7) % 7) + 1;
}

function lastWeekday(day: { day: number; weekday: number; monthLength: number }): number {
  const last = weekdayOf(day, day.monthLength);
  return last === 1 ? day.monthLength - 2 : last === 7 ? day.monthLength - 1 : day.monthLength;
}

/** Quartz `nW`: the weekday nearest day n, never crossing into another month. */
function nearestWeekday(day: { day: number; weekday: number; monthLength: number }, n: number): number | undefined {
  if (n > day.monthLength) return undefined;
  const weekday = weekdayOf(day, n);
  if (weekday === 7) return n === 1 ? 3 : n - 1;
  if (weekday === 1) return n === day.monthLength ? n - 2 : n + 1;
  return n;
}
