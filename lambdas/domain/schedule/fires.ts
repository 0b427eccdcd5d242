import { ValidationError } from '../errors';
import { civilFromDays, daysFromCivil, ZoneCalendar } from '../retention/calendar';
import { matchesDay } from './cron';
import { rateMinutes, type ScheduleExpression } from './expression';

/**
 * When a schedule fires, as EventBridge Scheduler fires it: a cron expression against the wall clock of its IANA zone
 * (a local time skipped by a spring-forward change does not fire; one repeated by a fall-back change fires once, at
 * its first occurrence), a rate expression every value·unit from its start date, DST ignored. Fires are at second 0.
 */
const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
/** How far ahead fires are looked for before an expression is taken to have stopped firing. */
const HORIZON_DAYS = 3660;

const calendars = new Map<string, ZoneCalendar>();
function calendarOf(timeZone: string): ZoneCalendar {
  let calendar = calendars.get(timeZone);
  if (!calendar) {
    calendar = new ZoneCalendar(timeZone);
    calendars.set(timeZone, calendar);
  }
  return calendar;
}

/** The UTC instant of a local wall-clock time (ms, wall clock read as if UTC); undefined in a gap; the first in an overlap. */
function instantOf(calendar: ZoneCalendar, wallMs: number): number | undefined {
  const before = calendar.offset(wallMs - MS_PER_DAY);
  const after = calendar.offset(wallMs + MS_PER_DAY);
  let first: number | undefined;
  for (const offset of before === after ? [before] : [before, after]) {
    const utc = wallMs - offset;
    if (calendar.offset(utc) === offset && (first === undefined || utc < first)) first = utc;
  }
  return first;
}

export interface FireOptions {
  readonly timeZone: string;
  /** Fires strictly after this instant. */
  readonly after: Date;
  readonly count: number;
  /** A rate schedule's start date (its first fire); required for rate expressions. */
  readonly start?: Date;
}

function rateRuns(expression: Extract<ScheduleExpression, { kind: 'rate' }>, options: FireOptions): Date[] {
  if (!options.start) throw new Error('a rate schedule needs its start date');
  const step = rateMinutes(expression) * MS_PER_MINUTE;
  const start = Math.ceil(options.start.getTime() / MS_PER_MINUTE) * MS_PER_MINUTE;
  const after = options.after.getTime();
  let k = after < start ? 0 : Math.floor((after - start) / step) + 1;
  const runs: Date[] = [];
  while (runs.length < options.count) {
    runs.push(new Date(start + k * step));
    k += 1;
  }
  return runs;
}

/** The next `count` fire times strictly after `after`, ascending; fewer when the expression stops firing. */
export function nextRuns(expression: ScheduleExpression, options: FireOptions): Date[] {
  if (options.count <= 0) return [];
  if (expression.kind === 'rate') return rateRuns(expression, options);
  const { fields } = expression;
  const calendar = calendarOf(options.timeZone);
  const after = options.after.getTime();
  const firstDay = Math.floor((after + calendar.offset(after)) / MS_PER_DAY) - 1;
  const runs: Date[] = [];
  for (let days = firstDay; days <= firstDay + HORIZON_DAYS && runs.length < options.count; days += 1) {
    const [year, month, day] = civilFromDays(days);
    if (fields.years && year > Math.max(...fields.years)) break;
    const monthLength =
      daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) - (days - day + 1);
    const weekday = ((((days + 4) % 7) + 7) % 7) + 1; // 1970-01-01 was a Thursday (5); 1 = Sunday
    if (!matchesDay(fields, { year, month, day, weekday, monthLength })) continue;
    for (const hour of fields.hours) {
      for (const minute of fields.minutes) {
        const utc = instantOf(calendar, days * MS_PER_DAY + (hour * 60 + minute) * MS_PER_MINUTE);
        if (utc === undefined || utc <= after) continue;
        runs.push(new Date(utc));
        if (runs.length === options.count) return runs;
      }
    }
  }
  return runs;
}

/** Throws a ValidationError when the expression never fires after `after`. */
export function assertFires(expression: ScheduleExpression, options: { timeZone: string; after: Date }): void {
  if (nextRuns(expression, { ...options, count: 1, start: options.after }).length === 0) {
    throw new ValidationError(`${expression.text} never fires after ${options.after.toISOString()}`, [
      { path: 'expression', message: `never fires after ${options.after.toISOString()}` },
    ]);
  }
}

/**
 * The smallest gap in minutes between consecutive fires over the coming fires (at least 8 days of them, at most 500);
 * a rate's interval. A schedule that fires once or never counts as unlimited.
 */
export function minimumIntervalMinutes(
  expression: ScheduleExpression,
  options: { timeZone: string; after: Date },
): number {
  if (expression.kind === 'rate') return rateMinutes(expression);
  const runs = nextRuns(expression, { ...options, count: 500 });
  let smallest = Number.POSITIVE_INFINITY;
  const horizon = options.after.getTime() + 8 * MS_PER_DAY;
  for (let i = 1; i < runs.length; i += 1) {
    const gap = ((runs[i] as Date).getTime() - (runs[i - 1] as Date).getTime()) / MS_PER_MINUTE;
    smallest = Math.min(smallest, gap);
    if ((runs[i] as Date).getTime() > horizon && i >= 2) break;
  }
  return smallest;
}

/** ISO-8601 local time with the zone's offset, e.g. 2027-03-28T03:00:00+01:00. */
export function formatLocal(date: Date, timeZone: string): string {
  const calendar = calendarOf(timeZone);
  const offset = calendar.offset(date.getTime());
  const local = new Date(date.getTime() + offset).toISOString().slice(0, 19);
  const sign = offset < 0 ? '-' : '+';
  const minutes = Math.abs(offset) / MS_PER_MINUTE;
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return `${local}${sign}${hh}:${mm}`;
}
