/**
 * The six fields of an EventBridge Scheduler cron expression, `cron(minutes hours day-of-month month day-of-week year)`:
 *
 * | field        | values             | wildcards        |
 * |--------------|--------------------|------------------|
 * | minutes      | 0-59               | `, - * /`        |
 * | hours        | 0-23               | `, - * /`        |
 * | day-of-month | 1-31               | `, - * ? / L W`  |
 * | month        | 1-12 or JAN-DEC    | `, - * /`        |
 * | day-of-week  | 1-7 or SUN-SAT     | `, - * ? L #`    |
 * | year         | 1970-2199          | `, - * /`        |
 *
 * `a/b` starts at a and steps by b up to the field's maximum (`*\/b` from its minimum, `a-b/s` within the range);
 * ranges are ascending. Day-of-month `L` is the month's last day, `LW` its last weekday, `15W` the weekday nearest the
 * 15th without leaving the month. Day-of-week 1 is Sunday; `L` alone is every Saturday (the week's last day), `5L` the
 * month's last Thursday, `3#2` its second Tuesday. Exactly one of day-of-month and day-of-week is `?`. Names are
 * case-insensitive. Every failure is a ValidationError naming `path`, the field and the reason.
 */
import { ValidationError } from '../errors';

export type DayOfMonth =
  | { readonly kind: 'any' }
  | { readonly kind: 'days'; readonly days: ReadonlySet<number> }
  | { readonly kind: 'last' }
  | { readonly kind: 'lastWeekday' }
  /** `nW`: the weekday (Monday-Friday) nearest day `day`, within the month. */
  | { readonly kind: 'nearestWeekday'; readonly day: number };

/** Days of the week are 1 = Sunday … 7 = Saturday. */
export type DayOfWeek =
  | { readonly kind: 'any' }
  | { readonly kind: 'days'; readonly days: ReadonlySet<number> }
  /** `nL`: the month's last such weekday. */
  | { readonly kind: 'last'; readonly day: number }
  /** `d#n`: the month's n-th such weekday (n = 1-5). */
  | { readonly kind: 'nth'; readonly day: number; readonly n: number };

export interface CronFields {
  /** Ascending, distinct. */
  readonly minutes: readonly number[];
  /** Ascending, distinct. */
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
  /** Largest step `/s` accepted (as Quartz: a bigger one could never reach a second value). */
  readonly maxStep: number;
  readonly steps: boolean;
  readonly names?: readonly string[];
}

export const CRON_FIELDS = {
  minutes: { label: 'minutes', min: 0, max: 59, maxStep: 59, steps: true },
  hours: { label: 'hours', min: 0, max: 23, maxStep: 23, steps: true },
  dayOfMonth: { label: 'day-of-month', min: 1, max: 31, maxStep: 31, steps: true },
  month: {
    label: 'month',
    min: 1,
    max: 12,
    maxStep: 12,
    steps: true,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  dayOfWeek: {
    label: 'day-of-week',
    min: 1,
    max: 7,
    maxStep: 7,
    steps: false,
    names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'],
  },
  year: { label: 'year', min: 1970, max: 2199, maxStep: 229, steps: true },
} as const satisfies Record<string, FieldSpec>;

/** The reason a field is invalid; parseCronFields turns it into a ValidationError. */
class FieldError extends Error {}

function fail(spec: FieldSpec, reason: string): never {
  throw new FieldError(`${spec.label}: ${reason}`);
}

function single(spec: FieldSpec, text: string): number {
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return spec.min + named;
  if (!/^\d{1,4}$/.test(text)) {
    const expected = spec.names
      ? `a number ${spec.min}-${spec.max} or a name ${spec.names[0]}-${spec.names.at(-1)}`
      : 'a number';
    fail(spec, `${JSON.stringify(text)} is not ${expected}`);
  }
  const number = Number(text);
  if (number < spec.min || number > spec.max) fail(spec, `${number} is out of range ${spec.min}-${spec.max}`);
  return number;
}

/** A comma-separated list of `*`, `v`, `a-b`, `*\/s`, `v/s`, `a-b/s` → its values, ascending. */
function list(spec: FieldSpec, text: string): number[] {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') fail(spec, `${JSON.stringify(text)} has an empty list item`);
    const slash = item.split('/');
    if (slash.length > 2) fail(spec, `${JSON.stringify(item)} has more than one /`);
    const [range = '', stepText] = slash;
    let step = 1;
    if (stepText !== undefined) {
      if (!spec.steps) fail(spec, `steps (/) are not allowed in ${spec.label}`);
      if (!/^\d{1,4}$/.test(stepText)) fail(spec, `the step in ${JSON.stringify(item)} is not a number`);
      step = Number(stepText);
      if (step < 1 || step > spec.maxStep) {
        fail(spec, `the step in ${JSON.stringify(item)} must be 1-${spec.maxStep}`);
      }
    }
    let from: number;
    let to: number;
    if (range === '*') {
      from = spec.min;
      to = spec.max;
    } else {
      const bounds = range.split('-');
      if (bounds.length > 2) fail(spec, `${JSON.stringify(item)} is not a value or a range a-b`);
      from = single(spec, bounds[0] ?? '');
      to = bounds.length === 2 ? single(spec, bounds[1] ?? '') : stepText === undefined ? from : spec.max;
      if (from > to) fail(spec, `the range ${range} runs backwards (ranges must be ascending)`);
    }
    for (let value = from; value <= to; value += step) values.add(value);
  }
  return [...values].sort((a, b) => a - b);
}

function dayOfMonth(text: string): DayOfMonth {
  const spec = CRON_FIELDS.dayOfMonth;
  const upper = text.toUpperCase();
  if (upper === '?' || upper === '*') return { kind: 'any' };
  if (upper === 'L') return { kind: 'last' };
  if (upper === 'LW') return { kind: 'lastWeekday' };
  const weekday = /^(\d{1,2})W$/.exec(upper);
  if (weekday) return { kind: 'nearestWeekday', day: single(spec, weekday[1] ?? '') };
  if (/[LW?]/.test(upper)) {
    fail(spec, `${JSON.stringify(text)} is not valid: L, LW and nW (e.g. 15W) stand alone, not in lists or ranges`);
  }
  if (upper.includes('#')) fail(spec, '# is allowed only in day-of-week');
  return { kind: 'days', days: new Set(list(spec, text)) };
}

function dayOfWeek(text: string): DayOfWeek {
  const spec = CRON_FIELDS.dayOfWeek;
  const upper = text.toUpperCase();
  if (upper === '?' || upper === '*') return { kind: 'any' };
  if (upper === 'L') return { kind: 'days', days: new Set([7]) }; // the week's last day: every Saturday
  const last = /^([A-Z]{3}|\d{1,2})L$/.exec(upper);
  if (last) return { kind: 'last', day: single(spec, last[1] ?? '') };
  const nth = /^([A-Z]{3}|\d{1,2})#(\d{1,2})$/.exec(upper);
  if (nth) {
    const day = single(spec, nth[1] ?? '');
    const n = Number(nth[2]);
    if (n < 1 || n > 5) fail(spec, `in ${text}, the week of the month must be 1-5`);
    return { kind: 'nth', day, n };
  }
  if (/[L#?]/.test(upper)) {
    fail(spec, `${JSON.stringify(text)} is not valid: L, nL (e.g. 6L) and d#n (e.g. 2#1) stand alone`);
  }
  return { kind: 'days', days: new Set(list(spec, text)) };
}

/** Parses the inside of `cron(…)`; a ValidationError names `path` and the field at fault. */
export function parseCronFields(body: string, path = 'expression'): CronFields {
  const parts = body.trim().split(/\s+/);
  const invalid = (reason: string): never => {
    throw new ValidationError(`invalid schedule expression ${JSON.stringify(`cron(${body})`)}: ${reason}`, [
      { path, message: reason },
    ]);
  };
  if (parts.length !== 6) {
    const count = body.trim() === '' ? 0 : parts.length;
    invalid(`a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), this has ${count}`);
  }
  const [minutes = '', hours = '', dom = '', month = '', dow = '', year = ''] = parts;
  if (dom === '?' && dow === '?') {
    invalid('day-of-month and day-of-week are both ?: exactly one of day-of-month and day-of-week must be ?');
  }
  if (dom !== '?' && dow !== '?') {
    invalid(
      `day-of-month (${dom}) and day-of-week (${dow}) cannot both be given: exactly one of day-of-month and day-of-week must be ? (e.g. cron(0 3 * * ? *) or cron(0 3 ? * MON *))`,
    );
  }
  try {
    for (const [spec, text] of [
      [CRON_FIELDS.minutes, minutes],
      [CRON_FIELDS.hours, hours],
      [CRON_FIELDS.month, month],
      [CRON_FIELDS.year, year],
    ] as const) {
      if (text.includes('?')) fail(spec, '? is allowed only in day-of-month or day-of-week');
    }
    return {
      minutes: list(CRON_FIELDS.minutes, minutes),
      hours: list(CRON_FIELDS.hours, hours),
      dayOfMonth: dayOfMonth(dom),
      months: new Set(list(CRON_FIELDS.month, month)),
      dayOfWeek: dayOfWeek(dow),
      ...(year === '*' ? {} : { years: new Set(list(CRON_FIELDS.year, year)) }),
    };
  } catch (error) {
    if (error instanceof FieldError) invalid(error.message);
    throw error;
  }
}
