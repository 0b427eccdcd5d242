import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../lambdas/domain/errors';
import {
  assertFires,
  type CronFields,
  parseScheduleExpression,
  type RateExpression,
  rateMinutes,
} from '../../lambdas/domain/schedule';

/** EventBridge Scheduler expression syntax (docs/schedules.md): what is accepted, and why the rest is refused. */

function cron(text: string): CronFields {
  const expression = parseScheduleExpression(text);
  if (expression.kind !== 'cron') throw new Error(`${text} is not a cron expression`);
  return expression.fields;
}

function refusal(text: string, path?: string): ValidationError {
  try {
    parseScheduleExpression(text, path);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error(`${text} was accepted`);
}

describe('parseScheduleExpression: accepted', () => {
  it.each([
    'cron(0 10 * * ? *)',
    'cron(15 12 * * ? *)',
    'cron(0 18 ? * MON-FRI *)',
    'cron(0 8 1 * ? *)',
    'cron(0/15 * * * ? *)',
    'cron(0/10 * ? * MON-FRI *)',
    'cron(0/5 8-17 ? * MON-FRI *)',
    'cron(0 9 ? * 2#1 *)',
    'cron(0 0 L * ? *)',
    'cron(0 0 ? * 6L *)',
    'cron(0 0 15W * ? *)',
    'cron(0 0 LW * ? *)',
    'cron(0 3 * jan,Jul ? 2027-2030)',
    'cron(0 3 ? * sun,sat *)',
    'cron(0 3 ? * L *)',
    'cron(0 3 1/5 */2 ? 2027/2)',
    'rate(1 minute)',
    'rate(1 hour)',
    'rate(1 day)',
    'rate(5 minutes)',
    'rate(12 hours)',
    'rate(7 days)',
  ])('accepts %s and keeps its text', (text) => {
    // Act
    const expression = parseScheduleExpression(text);
    // Assess
    expect(expression.text).toBe(text);
    expect(expression.kind).toBe(text.slice(0, 4));
  });

  it('expands lists, ranges and steps of every field', () => {
    // Act
    const fields = cron('cron(0/15 8-10,22 1/10 JAN-MAR,nov ? 2027-2029,2031)');
    // Assess
    expect(fields.minutes).toEqual([0, 15, 30, 45]);
    expect(fields.hours).toEqual([8, 9, 10, 22]);
    expect(fields.dayOfMonth).toEqual({ kind: 'days', days: new Set([1, 11, 21, 31]) });
    expect([...fields.months]).toEqual([1, 2, 3, 11]);
    expect(fields.dayOfWeek).toEqual({ kind: 'any' });
    expect([...(fields.years ?? [])]).toEqual([2027, 2028, 2029, 2031]);
    expect(cron('cron(*/20 */6 * 3-12/3 ? *)')).toMatchObject({ minutes: [0, 20, 40], hours: [0, 6, 12, 18] });
    expect([...cron('cron(*/20 */6 * 3-12/3 ? *)').months]).toEqual([3, 6, 9, 12]);
    expect(cron('cron(0 0 * * ? *)').years).toBeUndefined();
  });

  it('reads day-of-week 1 as Sunday, names in any case, and the L, W and # wildcards', () => {
    // Act / Assess
    expect(cron('cron(0 18 ? * MON-FRI *)').dayOfWeek).toEqual({ kind: 'days', days: new Set([2, 3, 4, 5, 6]) });
    expect(cron('cron(0 18 ? * sun,Sat *)').dayOfWeek).toEqual({ kind: 'days', days: new Set([1, 7]) });
    expect(cron('cron(0 9 ? * 2#1 *)').dayOfWeek).toEqual({ kind: 'nth', day: 2, n: 1 });
    expect(cron('cron(0 9 ? * fri#3 *)').dayOfWeek).toEqual({ kind: 'nth', day: 6, n: 3 });
    expect(cron('cron(0 0 ? * 6L *)').dayOfWeek).toEqual({ kind: 'last', day: 6 });
    expect(cron('cron(0 0 ? * thuL *)').dayOfWeek).toEqual({ kind: 'last', day: 5 });
    expect(cron('cron(0 0 ? * L *)').dayOfWeek).toEqual({ kind: 'days', days: new Set([7]) });
    expect(cron('cron(0 0 L * ? *)').dayOfMonth).toEqual({ kind: 'last' });
    expect(cron('cron(0 0 lw * ? *)').dayOfMonth).toEqual({ kind: 'lastWeekday' });
    expect(cron('cron(0 0 15W * ? *)').dayOfMonth).toEqual({ kind: 'nearestWeekday', day: 15 });
  });

  it('reads rates, singular for 1 and plural otherwise', () => {
    // Act / Assess
    expect(parseScheduleExpression('rate(1 hour)')).toEqual({
      kind: 'rate',
      text: 'rate(1 hour)',
      value: 1,
      unit: 'hours',
    });
    expect(parseScheduleExpression('rate(5 minutes)')).toMatchObject({ value: 5, unit: 'minutes' });
    expect(rateMinutes(parseScheduleExpression('rate(2 days)') as RateExpression)).toBe(2880);
  });
});

describe('parseScheduleExpression: refused, with the reason, on the given path', () => {
  it.each([
    ['cron(0 3 1 * MON *)', 'day-of-month (1) and day-of-week (MON) cannot both be given'],
    ['cron(0 3 * * * *)', 'exactly one of day-of-month and day-of-week must be ?'],
    ['cron(0 3 ? * ? *)', 'day-of-month and day-of-week are both ?'],
    ['cron(0 24 * * ? *)', 'hours: 24 is out of range 0-23'],
    ['cron(60 3 * * ? *)', 'minutes: 60 is out of range 0-59'],
    ['cron(0 3 0 * ? *)', 'day-of-month: 0 is out of range 1-31'],
    ['cron(0 3 32W * ? *)', 'day-of-month: 32 is out of range 1-31'],
    ['cron(0 3 * 13 ? *)', 'month: 13 is out of range 1-12'],
    ['cron(0 3 ? * 8 *)', 'day-of-week: 8 is out of range 1-7'],
    ['cron(0 3 ? * 0 *)', 'day-of-week: 0 is out of range 1-7'],
    ['cron(0 3 * * ? 1969)', 'year: 1969 is out of range 1970-2199'],
    ['cron(0 3 * * ? 2027-2200)', 'year: 2200 is out of range 1970-2199'],
    ['cron(0 5-3 * * ? *)', 'hours: the range 5-3 runs backwards'],
    ['cron(0 3 ? * FRI-MON *)', 'day-of-week: the range FRI-MON runs backwards'],
    ['cron(0/0 3 * * ? *)', 'minutes: the step in "0/0" must be 1-59'],
    ['cron(0/90 3 * * ? *)', 'minutes: the step in "0/90" must be 1-59'],
    ['cron(0 3 ? * 1/2 *)', 'steps (/) are not allowed in day-of-week'],
    ['cron(0 3 ? * 2#6 *)', 'day-of-week: in 2#6, the week of the month must be 1-5'],
    ['cron(0 3 ? * 2#0 *)', 'the week of the month must be 1-5'],
    ['cron(0 3 1,L * ? *)', 'day-of-month: "1,L" is not valid: L, LW and nW (e.g. 15W) stand alone'],
    ['cron(0 3 2#1 * ? *)', 'day-of-month: # is allowed only in day-of-week'],
    ['cron(0 3 ? * 2L,3 *)', 'day-of-week: "2L,3" is not valid'],
    ['cron(? 3 * * ? *)', 'minutes: ? is allowed only in day-of-month or day-of-week'],
    ['cron(0 3 * FOO ? *)', 'month: "FOO" is not a number 1-12 or a name JAN-DEC'],
    ['cron(0 3 ? * MON-FUN *)', 'day-of-week: "FUN" is not a number 1-7 or a name SUN-SAT'],
    ['cron(0 1-2-3 * * ? *)', 'hours: "1-2-3" is not a value or a range a-b'],
    ['cron(0 1,,2 * * ? *)', 'hours: "1,,2" has an empty list item'],
    ['cron(L 3 * * ? *)', 'minutes: "L" is not a number'],
    [
      'cron(0 3 * * ?)',
      'a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), this has 5',
    ],
    ['cron(0 3 * * ? * *)', 'this has 7'],
    ['cron()', 'this has 0'],
    ['rate(1 hours)', 'rate(1 hours) must be rate(1 hour) (the unit is singular for 1)'],
    ['rate(1 minutes)', 'rate(1 minutes) must be rate(1 minute)'],
    ['rate(5 minute)', 'rate(5 minute) must be rate(5 minutes) (the unit is plural for 5)'],
    ['rate(2 day)', 'rate(2 day) must be rate(2 days)'],
    ['rate(0 minutes)', 'the rate value must be a positive whole number, not 0'],
    ['rate(-5 minutes)', 'the rate value must be a positive whole number, not -5'],
    ['rate(1.5 hours)', 'the rate value must be a positive whole number, not 1.5'],
    ['rate(5 weeks)', 'the rate unit must be minute(s), hour(s) or day(s), not weeks'],
    ['rate(5)', 'a rate expression is rate(value unit)'],
    ['at(2026-01-01T00:00:00)', 'one-time at(…) schedules are not supported for policies'],
    ['0 3 * * ? *', 'must be cron(minutes hours day-of-month month day-of-week year) or rate(value unit)'],
    ['every day at 3', 'must be cron('],
    ['', 'must be cron('],
    ['CRON(0 3 * * ? *)', 'must be cron('],
    ['cron(0 3 * * ? *', 'must be cron('],
  ])('refuses %s: %s', (text, reason) => {
    // Act
    const error = refusal(text, 'schedules.2.expression');
    // Assess
    expect(error.code).toBe('validation_failed');
    expect(error.fields).toEqual([{ path: 'schedules.2.expression', message: expect.stringContaining(reason) }]);
    expect(error.message).toContain(reason);
  });

  it('names `expression` when no path is given', () => {
    // Act / Assess
    expect(refusal('rate(1 hours)').fields?.[0]?.path).toBe('expression');
  });
});

describe('assertFires', () => {
  const after = new Date('2026-11-22T00:00:00Z');

  it.each(['cron(0 0 30 2 ? *)', 'cron(0 0 31 4,6,9,11 ? *)', 'cron(0 0 1 1 ? 2020)', 'cron(0 0 1 1 ? 1970-2026)'])(
    'refuses %s, which never fires again',
    (text) => {
      // Act
      const act = () =>
        assertFires(parseScheduleExpression(text), { timeZone: 'UTC', after, path: 'schedules.0.expression' });
      // Assess
      expect(act).toThrow(ValidationError);
      expect(act).toThrow(`${text} never fires after 2026-11-22T00:00:00.000Z`);
      expect(act).toThrow(
        expect.objectContaining({
          fields: [{ path: 'schedules.0.expression', message: expect.stringContaining('never fires') }],
        }),
      );
    },
  );

  it.each([
    'cron(0 0 29 2 ? *)',
    'cron(0 0 1 1 ? 2027)',
    'cron(59 23 31 12 ? 2026)',
    'cron(0 0 ? * 2#5 *)',
    'rate(1 day)',
  ])('accepts %s, which fires again', (text) => {
    // Act / Assess
    expect(() => assertFires(parseScheduleExpression(text), { timeZone: 'Pacific/Chatham', after })).not.toThrow();
  });

  it("judges the year in the schedule's zone: 2026 is over in Kiribati before it is in UTC", () => {
    // Arrange: 2026-12-31T12:00Z is already 2027-01-01 02:00 in Pacific/Kiritimati (UTC+14).
    const expression = parseScheduleExpression('cron(0 * * * ? 2026)');
    const lateDecember = new Date('2026-12-31T12:00:00Z');
    // Act / Assess
    expect(() => assertFires(expression, { timeZone: 'UTC', after: lateDecember })).not.toThrow();
    expect(() => assertFires(expression, { timeZone: 'Pacific/Kiritimati', after: lateDecember })).toThrow(
      /never fires after 2026-12-31T12:00:00.000Z/,
    );
  });

  it('refuses an unknown time zone on `timeZone`', () => {
    // Act / Assess
    expect(() =>
      assertFires(parseScheduleExpression('cron(0 3 * * ? *)'), { timeZone: 'Mars/Olympus', after }),
    ).toThrow(
      expect.objectContaining({ name: 'ValidationError', fields: [expect.objectContaining({ path: 'timeZone' })] }),
    );
  });
});
