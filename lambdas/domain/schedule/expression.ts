import { ValidationError } from '../errors';
import { type CronFields, CronSyntaxError, parseCronFields } from './cron';

export type RateUnit = 'minutes' | 'hours' | 'days';

export type ScheduleExpression =
  | { readonly kind: 'cron'; readonly text: string; readonly fields: CronFields }
  | { readonly kind: 'rate'; readonly text: string; readonly value: number; readonly unit: RateUnit };

const RATE_MINUTES: Record<RateUnit, number> = { minutes: 1, hours: 60, days: 1440 };

export function rateMinutes(expression: { value: number; unit: RateUnit }): number {
  return expression.value * RATE_MINUTES[expression.unit];
}

function invalid(path: string, reason: string): never {
  throw new ValidationError(`expression is not valid: ${reason}`, [{ path, message: reason }]);
}

function parseRate(text: string, body: string, path: string): ScheduleExpression {
  const match = /^\s*(\d{1,9})\s+([a-z]+)\s*$/.exec(body);
  if (!match) invalid(path, 'a rate expression is rate(value unit), e.g. rate(6 hours)');
  const value = Number(match[1]);
  const word = match[2] ?? '';
  if (value < 1) invalid(path, 'the rate value must be a positive whole number');
  const unit = (word.endsWith('s') ? word : `${word}s`) as RateUnit;
  if (!(unit in RATE_MINUTES)) invalid(path, `the rate unit must be minute(s), hour(s) or day(s), not ${word}`);
  const singular = unit.slice(0, -1);
  if (value === 1 && word !== singular) invalid(path, `rate(1 ${word}) must be rate(1 ${singular})`);
  if (value > 1 && word !== unit) invalid(path, `rate(${value} ${word}) must be rate(${value} ${unit})`);
  return { kind: 'rate', text, value, unit };
}

/**
 * Parses an EventBridge Scheduler recurring expression, `cron(…)` (cron.ts) or `rate(value unit)` (unit minute(s),
 * hour(s) or day(s), singular exactly when value is 1). One-time `at(…)` schedules are not for policies. Throws a
 * ValidationError naming `path` with the reason.
 */
export function parseScheduleExpression(text: string, path = 'expression'): ScheduleExpression {
  const match = /^(cron|rate|at)\((.*)\)$/s.exec(text.trim());
  if (!match) invalid(path, 'must be cron(minutes hours day-of-month month day-of-week year) or rate(value unit)');
  const [, kind, body = ''] = match;
  if (kind === 'at') invalid(path, 'one-time at(…) schedules are not supported; use cron(…) or rate(…)');
  if (kind === 'rate') return parseRate(text.trim(), body, path);
  try {
    return { kind: 'cron', text: text.trim(), fields: parseCronFields(body) };
  } catch (error) {
    if (error instanceof CronSyntaxError) invalid(path, error.message);
    throw error;
  }
}
