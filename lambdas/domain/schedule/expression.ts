import { ValidationError } from '../errors';
import { type CronFields, parseCronFields } from './cron-fields';

/**
 * EventBridge Scheduler's recurring schedule expressions: `cron(minutes hours day-of-month month day-of-week year)`
 * (cron-fields.ts) and `rate(value unit)`. One-time `at(…)` schedules are not for policies.
 */
export type RateUnit = 'minutes' | 'hours' | 'days';

export type ScheduleExpression =
  | { readonly kind: 'cron'; readonly text: string; readonly fields: CronFields }
  | { readonly kind: 'rate'; readonly text: string; readonly value: number; readonly unit: RateUnit };

export type CronExpression = Extract<ScheduleExpression, { kind: 'cron' }>;
export type RateExpression = Extract<ScheduleExpression, { kind: 'rate' }>;

const MINUTES_PER_UNIT: Readonly<Record<RateUnit, number>> = { minutes: 1, hours: 60, days: 1440 };
const SINGULAR: Readonly<Record<RateUnit, string>> = { minutes: 'minute', hours: 'hour', days: 'day' };

/** A rate expression's interval in minutes (a day is 24 hours, whatever the zone's daylight-saving changes). */
export function rateMinutes(expression: { readonly value: number; readonly unit: RateUnit }): number {
  return expression.value * MINUTES_PER_UNIT[expression.unit];
}

function invalid(text: string, path: string, reason: string): never {
  throw new ValidationError(`invalid schedule expression ${JSON.stringify(text)}: ${reason}`, [
    { path, message: reason },
  ]);
}

/** `rate(value unit)`: value a positive whole number; unit minute(s), hour(s) or day(s), singular exactly for 1. */
function parseRate(text: string, body: string, path: string): RateExpression {
  const match = /^(\S+) (\S+)$/.exec(body);
  if (!match) invalid(text, path, 'a rate expression is rate(value unit), e.g. rate(5 minutes) or rate(1 hour)');
  const [, valueText = '', word = ''] = match;
  if (!/^\d{1,9}$/.test(valueText) || Number(valueText) < 1) {
    invalid(text, path, `the rate value must be a positive whole number, not ${valueText}`);
  }
  const value = Number(valueText);
  const unit = (Object.keys(SINGULAR) as RateUnit[]).find((plural) => word === plural || word === SINGULAR[plural]);
  if (unit === undefined) {
    invalid(text, path, `the rate unit must be minute(s), hour(s) or day(s), not ${word}`);
  }
  const expected = value === 1 ? SINGULAR[unit] : unit;
  if (word !== expected) {
    const form = value === 1 ? 'singular' : 'plural';
    invalid(text, path, `rate(${value} ${word}) must be rate(${value} ${expected}) (the unit is ${form} for ${value})`);
  }
  return { kind: 'rate', text, value, unit };
}

/**
 * Parses an EventBridge Scheduler recurring expression, `cron(…)` or `rate(…)`. Throws a ValidationError whose field
 * names `path` (default `expression`) with the precise reason. Whether the expression ever fires depends on the
 * current time: see assertFires.
 */
export function parseScheduleExpression(text: string, path = 'expression'): ScheduleExpression {
  const trimmed = text.trim();
  const match = /^([a-z]+)\((.*)\)$/s.exec(trimmed);
  const kind = match?.[1];
  const body = match?.[2] ?? '';
  if (kind === 'at') {
    invalid(trimmed, path, 'one-time at(…) schedules are not supported for policies; use cron(…) or rate(…)');
  }
  if (kind === 'rate') return parseRate(trimmed, body, path);
  if (kind !== 'cron') {
    invalid(trimmed, path, 'must be cron(minutes hours day-of-month month day-of-week year) or rate(value unit)');
  }
  return { kind: 'cron', text: trimmed, fields: parseCronFields(body, path) };
}
