import { ValidationError } from '../errors';
import type { Duration } from './policy';

/**
 * Calendar buckets (hour, day, ISO week, month, year) of instants in an IANA time zone, as restic computes them from
 * a snapshot's local wall clock. Fast enough for 10^6 instants: the zone's UTC offset is asked of Intl once per UTC
 * day the instants touch (and ~17 more times on a day with a transition, to find it to the second); the fields are
 * then plain arithmetic. Assumes at most one offset change per UTC day, true of every zone in the tz database since
 * 1970. Bucket keys are numbers as in restic: hour YYYYMMDDHH, day YYYYMMDD, week YYYYWW (ISO year and week), month
 * YYYYMM, year YYYY.
 */

const MS_PER_SECOND = 1000;
const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;

export interface LocalFields {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** ISO week-numbering year and week (weeks start on Monday; week 1 holds the year's first Thursday). */
  readonly isoYear: number;
  readonly isoWeek: number;
  /** 1 = Monday … 7 = Sunday. */
  readonly isoWeekday: number;
}

/** Bucket keys of one instant, in the order hour, day, week, month, year. */
export const KEY_HOUR = 0;
export const KEY_DAY = 1;
export const KEY_WEEK = 2;
export const KEY_MONTH = 3;
export const KEY_YEAR = 4;

/** Days since 1970-01-01 → proleptic Gregorian [year, month, day] (H. Hinnant's civil_from_days). */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

/** Proleptic Gregorian date → days since 1970-01-01 (days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** ISO week of a day number: [isoYear, isoWeek, isoWeekday]. */
export function isoWeekOfDays(days: number): [number, number, number] {
  const weekday = (((days + 3) % 7) + 7) % 7; // 0 = Monday (1970-01-01 was a Thursday)
  const thursday = days - weekday + 3;
  const isoYear = civilFromDays(thursday)[0];
  const week = Math.floor((thursday - daysFromCivil(isoYear, 1, 1)) / 7) + 1;
  return [isoYear, week, weekday + 1];
}

/** Whether `timeZone` names a zone Intl knows (IANA names such as `Europe/London`, `UTC`). */
export function isValidTimeZone(timeZone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(timeZone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

interface DayOffsets {
  /** Offset (ms, local − UTC) in force from the start of the UTC day until `transition`. */
  readonly before: number;
  /** First instant of the new offset, or +∞ when the offset does not change that day. */
  readonly transition: number;
  readonly after: number;
}

export class ZoneCalendar {
  readonly timeZone: string;
  private readonly fixedOffset: number | undefined;
  private readonly formatter: Intl.DateTimeFormat | undefined;
  private readonly dayStartOffsets = new Map<number, number>();
  private readonly days = new Map<number, DayOffsets>();
  private lastDay = Number.NaN;
  private lastOffsets: DayOffsets = { before: 0, transition: Number.POSITIVE_INFINITY, after: 0 };

  constructor(timeZone: string) {
    if (!isValidTimeZone(timeZone)) {
      throw new ValidationError(`timeZone ${JSON.stringify(timeZone)} is not an IANA time zone`, [
        { path: 'timeZone', message: 'must be an IANA time zone such as Europe/London or UTC' },
      ]);
    }
    this.timeZone = timeZone;
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
    if (resolved === 'UTC' || resolved === 'Etc/UTC' || resolved === 'Etc/GMT' || resolved === 'GMT') {
      this.fixedOffset = 0;
    } else {
      this.formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    }
  }

  /** The zone's offset at `utcMs` straight from Intl (slow; the cache's source of truth). */
  intlOffset(utcMs: number): number {
    if (this.formatter === undefined) return this.fixedOffset ?? 0;
    const whole = Math.floor(utcMs / MS_PER_SECOND) * MS_PER_SECOND;
    let year = 0;
    let month = 1;
    let day = 1;
    let hour = 0;
    let minute = 0;
    let second = 0;
    for (const part of this.formatter.formatToParts(whole)) {
      switch (part.type) {
        case 'year':
          year = Number(part.value);
          break;
        case 'month':
          month = Number(part.value);
          break;
        case 'day':
          day = Number(part.value);
          break;
        case 'hour':
          hour = Number(part.value);
          break;
        case 'minute':
          minute = Number(part.value);
          break;
        case 'second':
          second = Number(part.value);
          break;
        default:
          break;
      }
    }
    const wall = daysFromCivil(year, month, day) * MS_PER_DAY + hour * MS_PER_HOUR + minute * 60_000 + second * 1000;
    return wall - whole;
  }

  private dayStartOffset(day: number): number {
    let offset = this.dayStartOffsets.get(day);
    if (offset === undefined) {
      offset = this.intlOffset(day * MS_PER_DAY);
      this.dayStartOffsets.set(day, offset);
    }
    return offset;
  }

  private offsetsOfDay(day: number): DayOffsets {
    let entry = this.days.get(day);
    if (entry === undefined) {
      const before = this.dayStartOffset(day);
      const after = this.dayStartOffset(day + 1);
      let transition = Number.POSITIVE_INFINITY;
      if (before !== after) {
        // Binary search, to the second, for the first instant of the new offset.
        let lo = day * MS_PER_DAY;
        let hi = lo + MS_PER_DAY;
        while (hi - lo > MS_PER_SECOND) {
          const mid = Math.floor((lo + hi) / 2 / MS_PER_SECOND) * MS_PER_SECOND;
          if (mid <= lo) break;
          if (this.intlOffset(mid) === before) lo = mid;
          else hi = mid;
        }
        transition = hi;
      }
      entry = { before, transition, after };
      this.days.set(day, entry);
    }
    return entry;
  }

  /** Offset (ms) of local wall clock over UTC at `utcMs`: local = utc + offset. */
  offset(utcMs: number): number {
    if (this.fixedOffset !== undefined) return this.fixedOffset;
    const day = Math.floor(utcMs / MS_PER_DAY);
    if (day !== this.lastDay) {
      this.lastOffsets = this.offsetsOfDay(day);
      this.lastDay = day;
    }
    const entry = this.lastOffsets;
    return utcMs < entry.transition ? entry.before : entry.after;
  }

  /** Local wall-clock fields of `utcMs`. */
  fields(utcMs: number): LocalFields {
    const local = utcMs + this.offset(utcMs);
    const days = Math.floor(local / MS_PER_DAY);
    const msOfDay = local - days * MS_PER_DAY;
    const [year, month, day] = civilFromDays(days);
    const [isoYear, isoWeek, isoWeekday] = isoWeekOfDays(days);
    return {
      year,
      month,
      day,
      hour: Math.floor(msOfDay / MS_PER_HOUR),
      minute: Math.floor((msOfDay % MS_PER_HOUR) / 60_000),
      second: Math.floor((msOfDay % 60_000) / 1000),
      isoYear,
      isoWeek,
      isoWeekday,
    };
  }

  /** Writes the five bucket keys of `utcMs` into `out` (indexes KEY_HOUR … KEY_YEAR). */
  keys(utcMs: number, out: Float64Array): void {
    const local = utcMs + this.offset(utcMs);
    const days = Math.floor(local / MS_PER_DAY);
    const hour = Math.floor((local - days * MS_PER_DAY) / MS_PER_HOUR);
    const [year, month, day] = civilFromDays(days);
    const ymd = year * 10_000 + month * 100 + day;
    out[KEY_HOUR] = ymd * 100 + hour;
    out[KEY_DAY] = ymd;
    // ISO week: the week's Thursday decides its year; it is within 3 days of `days`, so usually the same year.
    const weekday = (((days + 3) % 7) + 7) % 7;
    const thursday = days - weekday + 3;
    const thursdayYear = thursday === days ? year : civilFromDays(thursday)[0];
    out[KEY_WEEK] = thursdayYear * 100 + Math.floor((thursday - daysFromCivil(thursdayYear, 1, 1)) / 7) + 1;
    out[KEY_MONTH] = year * 100 + month;
    out[KEY_YEAR] = year;
  }

  /**
   * `utcMs` minus a duration the way restic (Go's `AddDate(-y, -m, -d).Add(-h)`) does it: years, months and days
   * step the local calendar date (normalizing overflow: 31 March minus one month is 3 March), keeping the wall
   * clock; a wall clock that falls into a DST gap or overlap resolves as Go does; then hours are subtracted exactly.
   */
  minus(utcMs: number, duration: Duration): number {
    let result = utcMs;
    if (duration.years !== 0 || duration.months !== 0 || duration.days !== 0) {
      const local = utcMs + this.offset(utcMs);
      const days = Math.floor(local / MS_PER_DAY);
      const msOfDay = local - days * MS_PER_DAY;
      const [year, month, day] = civilFromDays(days);
      const wall = Date.UTC(year - duration.years, month - 1 - duration.months, day - duration.days) + msOfDay;
      result = wall - this.offset(wall - this.offset(wall));
    }
    return result - duration.hours * MS_PER_HOUR;
  }
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

export function hourLabel(key: number): string {
  const ymd = Math.floor(key / 100);
  return `${dayLabel(ymd)}T${pad(key % 100, 2)}`;
}

export function dayLabel(key: number): string {
  return `${pad(Math.floor(key / 10_000), 4)}-${pad(Math.floor(key / 100) % 100, 2)}-${pad(key % 100, 2)}`;
}

export function weekLabel(key: number): string {
  return `${pad(Math.floor(key / 100), 4)}-W${pad(key % 100, 2)}`;
}

export function monthLabel(key: number): string {
  return `${pad(Math.floor(key / 100), 4)}-${pad(key % 100, 2)}`;
}

export function yearLabel(key: number): string {
  return pad(key, 4);
}
