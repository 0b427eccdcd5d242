import { ValidationError } from '../errors';

/**
 * A retention policy: the options of `restic forget` (keep-last, keep-hourly … keep-yearly, keep-within) plus a
 * time zone for the calendar buckets and a separate rule for manual backups. See docs/retention.md.
 */

/** A count of buckets to keep; `'unlimited'` keeps every bucket (restic's `unlimited` / `-1`). */
export type KeepCount = number | 'unlimited';

/** A calendar duration: years, months and days are calendar steps in the policy's time zone, hours are exact. */
export interface CalendarDuration {
  readonly years?: number;
  readonly months?: number;
  readonly weeks?: number;
  readonly days?: number;
  readonly hours?: number;
}

/** An ISO-8601 duration (`P30D`, `PT12H`, `P1Y2M`, `P2W`), a restic duration (`1y5m7d2h`) or the object form. */
export type DurationInput = string | CalendarDuration;

/** Manual backups, when this rule is given: kept while younger than `keepWithin`, and of the older ones the `keepLast` newest. */
export interface ManualRule {
  readonly keepWithin?: DurationInput;
  readonly keepLast?: KeepCount;
}

export interface RetentionPolicy {
  readonly keepLast?: KeepCount;
  readonly keepHourly?: KeepCount;
  readonly keepDaily?: KeepCount;
  readonly keepWeekly?: KeepCount;
  readonly keepMonthly?: KeepCount;
  readonly keepYearly?: KeepCount;
  readonly keepWithin?: DurationInput;
  /** IANA time zone of the calendar buckets; default `UTC`. */
  readonly timeZone?: string;
  readonly manual?: ManualRule;
  /**
   * Move EBS snapshots that only the monthly/yearly tiers keep, for at least the archive tier's 90-day minimum more,
   * to the archive tier (ModifySnapshotTier; ~75 % cheaper, restoring takes 24–72 h first). Default false.
   */
  readonly archive?: boolean;
}

/** A parsed duration: normalized (weeks folded into days) plus its canonical ISO-8601 label. */
export interface Duration {
  readonly years: number;
  readonly months: number;
  readonly days: number;
  readonly hours: number;
  readonly label: string;
}

export const COUNT_RULES = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;
export type CountRule = (typeof COUNT_RULES)[number];

/** Counts as the planner uses them: 0 = rule off, `Infinity` = unlimited. */
export interface NormalizedPolicy {
  readonly counts: Readonly<Record<CountRule, number>>;
  readonly within?: Duration;
  readonly timeZone: string;
  readonly manual?: { readonly within?: Duration; readonly last: number };
}

export const DEFAULT_TIME_ZONE = 'UTC';
/** Largest finite count accepted; anything above is surely a mistake (use `'unlimited'`). */
export const MAX_KEEP_COUNT = 1_000_000;

const ISO_DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?)?$/;
const RESTIC_DURATION = /^(?:(\d+)y)?(?:(\d+)m)?(?:(\d+)d)?(?:(\d+)h)?$/;

function isFiniteNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function labelOf(years: number, months: number, days: number, hours: number): string {
  const date = `${years ? `${years}Y` : ''}${months ? `${months}M` : ''}${days ? `${days}D` : ''}`;
  const time = hours ? `T${hours}H` : '';
  return date === '' && time === '' ? 'PT0H' : `P${date}${time}`;
}

function build(years: number, months: number, days: number, hours: number): Duration {
  return { years, months, days, hours, label: labelOf(years, months, days, hours) };
}

/**
 * Parses a duration. Only years, months, weeks, days and hours exist (as in restic, which has no minutes):
 * `P30D`, `PT12H`, `P1Y6M`, `P2W`, `1y5m7d2h`, `{days: 30}`. Throws ValidationError otherwise.
 */
export function parseDuration(input: DurationInput, path = 'keepWithin'): Duration {
  if (typeof input === 'string') {
    const iso = ISO_DURATION.exec(input);
    if (iso !== null && input !== 'P' && !input.endsWith('T')) {
      const [, y, mo, w, d, h] = iso;
      return build(Number(y ?? 0), Number(mo ?? 0), Number(w ?? 0) * 7 + Number(d ?? 0), Number(h ?? 0));
    }
    const restic = input === '' ? null : RESTIC_DURATION.exec(input);
    if (restic !== null) {
      const [, y, mo, d, h] = restic;
      return build(Number(y ?? 0), Number(mo ?? 0), Number(d ?? 0), Number(h ?? 0));
    }
    throw new ValidationError(`${path} must be a duration such as P30D, PT12H, P1Y2M or 30d`, [
      { path, message: 'must be an ISO-8601 duration of years, months, weeks, days and hours (e.g. P30D, PT12H)' },
    ]);
  }
  const parts = [input.years ?? 0, input.months ?? 0, input.weeks ?? 0, input.days ?? 0, input.hours ?? 0];
  if (!parts.every(isFiniteNonNegativeInteger)) {
    throw new ValidationError(`${path} must have non-negative whole years, months, weeks, days and hours`, [
      { path, message: 'must have non-negative whole years, months, weeks, days and hours' },
    ]);
  }
  const [y, mo, w, d, h] = parts as [number, number, number, number, number];
  return build(y, mo, w * 7 + d, h);
}

export function isZeroDuration(duration: Duration): boolean {
  return duration.years === 0 && duration.months === 0 && duration.days === 0 && duration.hours === 0;
}

function normalizeCount(value: KeepCount | undefined, path: string): number {
  if (value === undefined) return 0;
  if (value === 'unlimited') return Number.POSITIVE_INFINITY;
  if (!isFiniteNonNegativeInteger(value) || value > MAX_KEEP_COUNT) {
    throw new ValidationError(`${path} must be a whole number from 0 to ${MAX_KEEP_COUNT} or 'unlimited'`, [
      { path, message: `must be a whole number from 0 to ${MAX_KEEP_COUNT} or 'unlimited'` },
    ]);
  }
  return value;
}

/**
 * Turns a policy into the planner's form. Pure; validates the shape it needs (the zod schema in
 * lambdas/shared/retention-schemas.ts gives API-grade messages first). The time zone is checked by the calendar.
 */
export function normalizePolicy(policy: RetentionPolicy): NormalizedPolicy {
  const counts: Record<CountRule, number> = {
    last: normalizeCount(policy.keepLast, 'keepLast'),
    hourly: normalizeCount(policy.keepHourly, 'keepHourly'),
    daily: normalizeCount(policy.keepDaily, 'keepDaily'),
    weekly: normalizeCount(policy.keepWeekly, 'keepWeekly'),
    monthly: normalizeCount(policy.keepMonthly, 'keepMonthly'),
    yearly: normalizeCount(policy.keepYearly, 'keepYearly'),
  };
  const within = policy.keepWithin === undefined ? undefined : parseDuration(policy.keepWithin, 'keepWithin');
  const manual =
    policy.manual === undefined
      ? undefined
      : {
          ...(policy.manual.keepWithin === undefined
            ? {}
            : { within: parseDuration(policy.manual.keepWithin, 'manual.keepWithin') }),
          last: normalizeCount(policy.manual.keepLast, 'manual.keepLast'),
        };
  return {
    counts,
    ...(within === undefined || isZeroDuration(within) ? {} : { within }),
    timeZone: policy.timeZone ?? DEFAULT_TIME_ZONE,
    ...(manual === undefined ? {} : { manual }),
  };
}

/** restic refuses to act on an empty policy: it keeps everything. So does the planner. */
export function isEmptyPolicy(policy: NormalizedPolicy): boolean {
  return policy.within === undefined && COUNT_RULES.every((rule) => policy.counts[rule] === 0);
}

/** `5` → `"5"`, unlimited → `"∞"`. */
export function countLabel(count: number): string {
  return count === Number.POSITIVE_INFINITY ? '∞' : String(count);
}
