import { ValidationError } from '../errors';
import { civilFromDays, daysFromCivil, ZoneCalendar } from '../retention/calendar';
import type { CronFields } from './cron-fields';
import { type RateExpression, rateMinutes, type ScheduleExpression } from './expression';

/**
 * When a schedule fires, as EventBridge Scheduler fires it. A cron expression is matched against the wall clock of its
 * IANA zone: a local time a spring-forward change skips does not fire that day; one a fall-back change repeats fires
 * once, at its first occurrence (the earlier instant, still in summer time). A rate expression fires at start + k·interval
 * (k ≥ 0), a day being 24 hours: daylight-saving time does not move it. Every fire is at second 0 of a minute.
 *
 * Cron fires are found without walking minutes: the local calendar days that match the day, month and year fields are
 * enumerated month by month, then each day's hours × minutes in ascending order, each wall-clock time converted to its
 * UTC instant (exact across gaps and overlaps, including 30-minute changes such as Australia/Lord_Howe's).
 */

const MS_PER_MINUTE = 60_000;
const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;
/** How far ahead cron fires are looked for before an expression is taken to have stopped firing (~10 years). */
const HORIZON_DAYS = 3653;
/** Years a cron expression can name. */
const LAST_YEAR = 2199;
/** UTC offsets lie within −12 h … +14 h, so the instant of a wall-clock time W lies within W ± 15 h. */
const REACH = 15 * MS_PER_HOUR;
/** At least this span of fires (or MAX_GAP_FIRES fires) is looked at for the minimum interval. */
const GAP_SPAN_MS = 8 * MS_PER_DAY;
const MAX_GAP_FIRES = 500;

export interface NextRunsOptions {
  /** IANA zone a cron expression is read in (`UTC`, `Europe/London`…); rates ignore it. */
  readonly timeZone: string;
  /** Fires strictly after this instant. */
  readonly after: Date;
  readonly count: number;
  /** The schedule's StartDate: a rate's first fire (required for rate expressions). */
  readonly start?: Date;
}

const MAX_CACHED_ZONES = 32;
const calendars = new Map<string, ZoneCalendar>();

/** ZoneCalendar of a zone (memoized; a ValidationError on `timeZone` for a name that is not an IANA zone). */
function calendarOf(timeZone: string): ZoneCalendar {
  let calendar = calendars.get(timeZone);
  if (calendar === undefined) {
    calendar = new ZoneCalendar(timeZone);
    if (calendars.size >= MAX_CACHED_ZONES) calendars.clear();
    calendars.set(timeZone, calendar);
  }
  return calendar;
}

/**
 * The first UTC instant (ms) whose wall clock reads `wall` (local time, as ms since the epoch read as UTC), or
 * undefined when a spring-forward change skips it. Assumes at most one offset change within `wall` ± 15 h.
 */
function instantOf(calendar: ZoneCalendar, wall: number): number | undefined {
  const early = calendar.offset(wall - REACH);
  const late = calendar.offset(wall + REACH);
  let first: number | undefined;
  for (const offset of early === late ? [early] : [early, late]) {
    const utc = wall - offset;
    if (calendar.offset(utc) === offset && (first === undefined || utc < first)) first = utc;
  }
  return first;
}

/** Days of a month (1-based, ascending) that match the day-of-month and day-of-week fields. */
function daysOfMonth(fields: CronFields, firstDay: number, length: number): number[] {
  const firstWeekday = ((((firstDay + 4) % 7) + 7) % 7) + 1; // 1 = Sunday; 1970-01-01 was a Thursday (5)
  const weekdayOf = (day: number) => ((firstWeekday - 1 + day - 1) % 7) + 1;
  const dom = fields.dayOfMonth;
  let days: number[];
  switch (dom.kind) {
    case 'any':
      days = Array.from({ length }, (_, index) => index + 1);
      break;
    case 'days':
      days = [...dom.days].filter((day) => day <= length).sort((a, b) => a - b);
      break;
    case 'last':
      days = [length];
      break;
    case 'lastWeekday': {
      const weekday = weekdayOf(length);
      days = [length - (weekday === 1 ? 2 : weekday === 7 ? 1 : 0)];
      break;
    }
    case 'nearestWeekday': {
      const n = dom.day;
      const weekday = weekdayOf(n);
      if (n > length) days = [];
      else if (weekday === 7) days = [n === 1 ? 3 : n - 1];
      else if (weekday === 1) days = [n === length ? n - 2 : n + 1];
      else days = [n];
      break;
    }
  }
  const dow = fields.dayOfWeek;
  switch (dow.kind) {
    case 'any':
      return days;
    case 'days':
      return days.filter((day) => dow.days.has(weekdayOf(day)));
    case 'last':
      return days.filter((day) => weekdayOf(day) === dow.day && day + 7 > length);
    case 'nth':
      return days.filter((day) => weekdayOf(day) === dow.day && Math.ceil(day / 7) === dow.n);
  }
}

/** Local day numbers (days since 1970-01-01) within [fromDay, toDay] that match the calendar fields, ascending. */
function* matchingDays(fields: CronFields, fromDay: number, toDay: number): Generator<number> {
  const [startYear, startMonth] = civilFromDays(fromDay);
  let lastYear = Math.min(civilFromDays(toDay)[0], LAST_YEAR);
  if (fields.years) lastYear = Math.min(lastYear, Math.max(...fields.years));
  for (let year = startYear; year <= lastYear; year += 1) {
    if (fields.years && !fields.years.has(year)) continue;
    for (let month = year === startYear ? startMonth : 1; month <= 12; month += 1) {
      if (!fields.months.has(month)) continue;
      const firstDay = daysFromCivil(year, month, 1);
      if (firstDay > toDay) return;
      const length = daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) - firstDay;
      for (const day of daysOfMonth(fields, firstDay, length)) {
        const dayNumber = firstDay + day - 1;
        if (dayNumber > toDay) return;
        if (dayNumber >= fromDay) yield dayNumber;
      }
    }
  }
}

/** Cron fires strictly after `after` (UTC ms), ascending, for at most ~10 years. */
function* cronFires(fields: CronFields, calendar: ZoneCalendar, after: number): Generator<number> {
  // A day early: after a fall-back change, later instants can read as the previous local day.
  const fromDay = Math.floor((after + calendar.offset(after)) / MS_PER_DAY) - 1;
  let previous = after;
  for (const day of matchingDays(fields, fromDay, fromDay + HORIZON_DAYS)) {
    const midnight = day * MS_PER_DAY;
    const offset = calendar.offset(midnight - REACH);
    // No offset change near this day: every wall-clock time of it is `offset` ahead of UTC.
    const steady = offset === calendar.offset(midnight + MS_PER_DAY + REACH);
    for (const hour of fields.hours) {
      for (const minute of fields.minutes) {
        const wall = midnight + hour * MS_PER_HOUR + minute * MS_PER_MINUTE;
        const utc = steady ? wall - offset : instantOf(calendar, wall);
        if (utc === undefined || utc <= previous) continue;
        previous = utc;
        yield utc;
      }
    }
  }
}

function rateFires(expression: RateExpression, start: Date | undefined, after: number): Generator<number> {
  if (start === undefined || Number.isNaN(start.getTime())) {
    throw new TypeError(`nextRuns: ${expression.text} needs the schedule's start date (options.start)`);
  }
  const step = rateMinutes(expression) * MS_PER_MINUTE;
  const first = Math.ceil(start.getTime() / MS_PER_MINUTE) * MS_PER_MINUTE; // fires are at second 0
  const k = after < first ? 0 : Math.floor((after - first) / step) + 1;
  return (function* () {
    for (let fire = first + k * step; ; fire += step) yield fire;
  })();
}

function fires(expression: ScheduleExpression, options: Omit<NextRunsOptions, 'count'>): Iterator<number> {
  const after = options.after.getTime();
  if (Number.isNaN(after)) throw new TypeError('nextRuns: options.after is not a valid date');
  if (expression.kind === 'rate') return rateFires(expression, options.start, after);
  return cronFires(expression.fields, calendarOf(options.timeZone), after);
}

/**
 * The next `count` fire times strictly after `after` (UTC, ascending). Rate expressions need `start`. Fewer than
 * `count` when a cron expression stops firing (its year field) within the next ~10 years.
 */
export function nextRuns(expression: ScheduleExpression, options: NextRunsOptions): Date[] {
  const runs: Date[] = [];
  if (!(options.count >= 1)) return runs;
  const iterator = fires(expression, options);
  while (runs.length < options.count) {
    const next = iterator.next();
    if (next.done) break;
    runs.push(new Date(next.value));
  }
  return runs;
}

/**
 * Throws a ValidationError ("… never fires after <date>", on `path`, default `expression`) when the expression has
 * no fire after `after` within ~10 years: e.g. cron(0 0 30 2 ? *), or a year field in the past.
 */
export function assertFires(
  expression: ScheduleExpression,
  options: { readonly timeZone: string; readonly after: Date; readonly path?: string },
): void {
  if (expression.kind === 'rate') return;
  if (nextRuns(expression, { ...options, count: 1 }).length > 0) return;
  const message = `${expression.text} never fires after ${options.after.toISOString()}`;
  throw new ValidationError(message, [{ path: options.path ?? 'expression', message }]);
}

/**
 * The smallest gap in minutes between consecutive fires after `after`: for cron, over the fires covering at least
 * 8 days or the first 500, whichever comes first (+∞ when it fires at most once), measured on the zone's wall clock —
 * so a daily 03:00 in Europe/London is 1,440 minutes apart even over the spring-forward night (23 real hours), and a
 * plan that allows daily schedules accepts it all year; for rate, its interval.
 */
export function minimumIntervalMinutes(
  expression: ScheduleExpression,
  options: { readonly timeZone: string; readonly after: Date },
): number {
  if (expression.kind === 'rate') return rateMinutes(expression);
  const iterator = fires(expression, options);
  const calendar = calendarOf(options.timeZone);
  const until = options.after.getTime() + GAP_SPAN_MS;
  let smallest = Number.POSITIVE_INFINITY;
  let previous: number | undefined;
  for (let seen = 0; seen < MAX_GAP_FIRES; seen += 1) {
    const next = iterator.next();
    if (next.done) break;
    const wall = next.value + calendar.offset(next.value);
    if (previous !== undefined) smallest = Math.min(smallest, (wall - previous) / MS_PER_MINUTE);
    previous = wall;
    if (next.value >= until && seen >= 1) break;
  }
  return smallest;
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** ISO-8601 local time with the zone's offset, e.g. `2027-03-28T03:00:00+01:00` (`+00:00` for UTC). */
export function formatLocal(date: Date, timeZone: string): string {
  const utc = date.getTime();
  if (Number.isNaN(utc)) throw new TypeError('formatLocal: not a valid date');
  const { year, month, day, hour, minute, second } = calendarOf(timeZone).fields(utc);
  const offset = calendarOf(timeZone).offset(utc);
  const seconds = Math.round(Math.abs(offset) / 1000);
  const zone = `${offset < 0 ? '-' : '+'}${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}`;
  const zoneSeconds = seconds % 60 === 0 ? '' : `:${pad(seconds % 60)}`;
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}${zone}${zoneSeconds}`;
}
