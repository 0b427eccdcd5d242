import { describe, expect, it } from 'vitest';
import {
  assertFires,
  formatLocal,
  minimumIntervalMinutes,
  nextRuns,
  parseScheduleExpression,
} from '../../lambdas/domain/schedule';

/** EventBridge Scheduler expressions: syntax, and fire times across daylight-saving changes (docs/schedules.md). */
const runs = (expression: string, timeZone: string, after: string, count = 3) =>
  nextRuns(parseScheduleExpression(expression), {
    timeZone,
    after: new Date(after),
    count,
    start: new Date(after),
  }).map((date) => formatLocal(date, timeZone));
const utc = (expression: string, timeZone: string, after: string, count = 3) =>
  nextRuns(parseScheduleExpression(expression), { timeZone, after: new Date(after), count }).map((d) =>
    d.toISOString(),
  );

describe('schedule expressions', () => {
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
    'cron(0 3 * jan,jul ? 2027-2030)',
    'rate(1 hour)',
    'rate(5 minutes)',
    'rate(1 day)',
  ])('accepts %s', (expression) => {
    expect(parseScheduleExpression(expression).text).toBe(expression);
  });

  it.each([
    ['cron(0 24 * * ? *)', 'hours: 24 is out of range 0-23'],
    ['cron(60 3 * * ? *)', 'minutes: 60 is out of range 0-59'],
    ['cron(0 3 * * MON *)', 'exactly one of day-of-month and day-of-week must be ?'],
    ['cron(0 3 ? * ? *)', 'exactly one of day-of-month and day-of-week must be ?'],
    ['cron(0 3 * * ?)', 'has 6 fields'],
    ['cron(0 3 * 13 ? *)', 'month: 13 is out of range 1-12'],
    ['cron(0 3 ? * 8 *)', 'day-of-week: 8 is out of range 1-7'],
    ['cron(0 3 ? * 2#6 *)', 'week of the month must be 1-5'],
    ['cron(0 5-3 * * ? *)', 'runs backwards'],
    ['cron(0 3 * * ? 1969)', 'year: 1969 is out of range 1970-2199'],
    ['rate(1 hours)', 'rate(1 hours) must be rate(1 hour)'],
    ['rate(5 minute)', 'rate(5 minute) must be rate(5 minutes)'],
    ['rate(0 minutes)', 'must be a positive whole number'],
    ['rate(5 weeks)', 'must be minute(s), hour(s) or day(s)'],
    ['at(2027-01-01T00:00:00)', 'one-time at(…) schedules are not supported'],
    ['0 3 * * *', 'must be cron('],
  ])('refuses %s: %s, naming the field', (expression, reason) => {
    expect(() => parseScheduleExpression(expression, 'schedules.0.expression')).toThrow(
      expect.objectContaining({
        name: 'ValidationError',
        fields: [{ path: 'schedules.0.expression', message: expect.stringContaining(reason) }],
      }),
    );
  });

  it('refuses an expression that never fires again', () => {
    for (const expression of ['cron(0 0 30 2 ? *)', 'cron(0 0 1 1 ? 2020)']) {
      expect(() =>
        assertFires(parseScheduleExpression(expression), { timeZone: 'UTC', after: new Date('2026-11-22T00:00:00Z') }),
      ).toThrow(/never fires after/);
    }
  });
});

describe('fire times in a time zone', () => {
  it('03:00 Europe/London is 03:00Z in winter and 02:00Z in summer, across both 2027 changes', () => {
    expect(utc('cron(0 3 * * ? *)', 'Europe/London', '2027-03-26T12:00:00Z')).toEqual([
      '2027-03-27T03:00:00.000Z',
      '2027-03-28T02:00:00.000Z',
      '2027-03-29T02:00:00.000Z',
    ]);
    expect(utc('cron(0 3 * * ? *)', 'Europe/London', '2027-10-29T12:00:00Z')).toEqual([
      '2027-10-30T02:00:00.000Z',
      '2027-10-31T03:00:00.000Z',
      '2027-11-01T03:00:00.000Z',
    ]);
  });

  it('01:30 Europe/London is skipped on the spring-forward day and runs once on the fall-back day', () => {
    expect(runs('cron(30 1 * * ? *)', 'Europe/London', '2027-03-26T12:00:00Z')).toEqual([
      '2027-03-27T01:30:00+00:00',
      '2027-03-29T01:30:00+01:00',
      '2027-03-30T01:30:00+01:00',
    ]);
    expect(runs('cron(30 1 * * ? *)', 'Europe/London', '2027-10-30T12:00:00Z')).toEqual([
      '2027-10-31T01:30:00+01:00',
      '2027-11-01T01:30:00+00:00',
      '2027-11-02T01:30:00+00:00',
    ]);
  });

  it('every 30 minutes over the fall-back hour in New York fires once per local time', () => {
    expect(runs('cron(0/30 1 * * ? *)', 'America/New_York', '2027-11-07T04:00:00Z', 3)).toEqual([
      '2027-11-07T01:00:00-04:00',
      '2027-11-07T01:30:00-04:00',
      '2027-11-08T01:00:00-05:00',
    ]);
  });

  it('handles L, LW, nW and n#k', () => {
    expect(runs('cron(0 0 L * ? *)', 'UTC', '2028-01-15T00:00:00Z')).toEqual([
      '2028-01-31T00:00:00+00:00',
      '2028-02-29T00:00:00+00:00',
      '2028-03-31T00:00:00+00:00',
    ]);
    expect(runs('cron(0 0 LW * ? *)', 'UTC', '2027-01-01T00:00:00Z')).toEqual([
      '2027-01-29T00:00:00+00:00',
      '2027-02-26T00:00:00+00:00',
      '2027-03-31T00:00:00+00:00',
    ]);
    // 15 May 2027 is a Saturday → Friday 14th; 1 May 2027 is a Saturday → Monday 3rd (never into April).
    expect(runs('cron(0 0 15W 5 ? *)', 'UTC', '2027-01-01T00:00:00Z', 1)).toEqual(['2027-05-14T00:00:00+00:00']);
    expect(runs('cron(0 0 1W 5 ? *)', 'UTC', '2027-01-01T00:00:00Z', 1)).toEqual(['2027-05-03T00:00:00+00:00']);
    expect(runs('cron(0 9 ? * 2#1 *)', 'UTC', '2027-01-01T00:00:00Z')).toEqual([
      '2027-01-04T09:00:00+00:00',
      '2027-02-01T09:00:00+00:00',
      '2027-03-01T09:00:00+00:00',
    ]);
    expect(runs('cron(0 0 ? * 6L *)', 'UTC', '2027-01-01T00:00:00Z', 2)).toEqual([
      '2027-01-29T00:00:00+00:00',
      '2027-02-26T00:00:00+00:00',
    ]);
  });

  it('stops when the year field ends', () => {
    expect(runs('cron(0 0 1 1 ? 2027-2028)', 'UTC', '2026-12-01T00:00:00Z', 5)).toEqual([
      '2027-01-01T00:00:00+00:00',
      '2028-01-01T00:00:00+00:00',
    ]);
  });

  it('a rate fires every interval from its start date, whatever the zone', () => {
    const expression = parseScheduleExpression('rate(1 day)');
    const start = new Date('2027-03-27T01:15:00Z');
    const fires = nextRuns(expression, {
      timeZone: 'Europe/London',
      after: new Date('2027-03-27T12:00:00Z'),
      count: 2,
      start,
    });
    expect(fires.map((d) => d.toISOString())).toEqual(['2027-03-28T01:15:00.000Z', '2027-03-29T01:15:00.000Z']);
  });

  it('formats local times with the offset, including half and three-quarter hour zones', () => {
    const at = new Date('2027-01-15T12:00:00Z');
    expect(formatLocal(at, 'Asia/Kolkata')).toBe('2027-01-15T17:30:00+05:30');
    expect(formatLocal(at, 'Pacific/Chatham')).toBe('2027-01-16T01:45:00+13:45');
    expect(formatLocal(at, 'America/St_Johns')).toBe('2027-01-15T08:30:00-03:30');
  });

  it('measures the shortest gap between fires for the plan limit', () => {
    const gap = (expression: string, timeZone = 'UTC', after = '2027-10-25T00:00:00Z') =>
      minimumIntervalMinutes(parseScheduleExpression(expression), { timeZone, after: new Date(after) });
    expect(gap('cron(0/15 * * * ? *)')).toBe(15);
    expect(gap('cron(0 3,4 * * ? *)')).toBe(60);
    expect(gap('rate(6 hours)')).toBe(360);
    expect(gap('cron(30 1 * * ? *)', 'Europe/London')).toBe(1440);
    expect(gap('cron(0 0 1 1 ? 2027)', 'UTC', '2026-11-22T00:00:00Z')).toBe(Number.POSITIVE_INFINITY);
  });
});
