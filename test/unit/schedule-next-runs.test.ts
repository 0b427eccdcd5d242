import { describe, expect, it } from 'vitest';
import { formatLocal, minimumIntervalMinutes, nextRuns, parseScheduleExpression } from '../../lambdas/domain/schedule';

/** Fire times of EventBridge Scheduler expressions in IANA zones, across daylight-saving changes (docs/schedules.md). */

/** The next fires of `text` after `after`, as UTC ISO strings. */
function utc(text: string, timeZone: string, after: string, count = 3): string[] {
  return nextRuns(parseScheduleExpression(text), { timeZone, after: new Date(after), count }).map((date) =>
    date.toISOString(),
  );
}

/** The next fires of `text` after `after`, as local times with the zone's offset. */
function local(text: string, timeZone: string, after: string, count = 3): string[] {
  return nextRuns(parseScheduleExpression(text), { timeZone, after: new Date(after), count }).map((date) =>
    formatLocal(date, timeZone),
  );
}

function gap(text: string, timeZone: string, after: string): number {
  return minimumIntervalMinutes(parseScheduleExpression(text), { timeZone, after: new Date(after) });
}

describe('cron fires in a time zone, across daylight-saving changes', () => {
  it('03:00 daily in Europe/London is 03:00Z in winter and 02:00Z in summer, across both 2027 changes', () => {
    // Act / Assess: clocks go forward on 28 March 2027 and back on 31 October 2027
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

  it('01:30 daily in Europe/London is skipped on the spring-forward day', () => {
    // Act / Assess: 01:00-02:00 does not exist on 28 March 2027
    expect(utc('cron(30 1 * * ? *)', 'Europe/London', '2027-03-27T12:00:00Z', 2)).toEqual([
      '2027-03-29T00:30:00.000Z',
      '2027-03-30T00:30:00.000Z',
    ]);
    expect(local('cron(30 1 * * ? *)', 'Europe/London', '2027-03-26T12:00:00Z')).toEqual([
      '2027-03-27T01:30:00+00:00',
      '2027-03-29T01:30:00+01:00',
      '2027-03-30T01:30:00+01:00',
    ]);
  });

  it('01:30 daily in Europe/London fires once on the fall-back day, at its first (summer-time) occurrence', () => {
    // Act / Assess: 01:00-02:00 happens twice on 31 October 2027, first at +01:00 then at +00:00
    expect(utc('cron(30 1 * * ? *)', 'Europe/London', '2027-10-30T12:00:00Z')).toEqual([
      '2027-10-31T00:30:00.000Z',
      '2027-11-01T01:30:00.000Z',
      '2027-11-02T01:30:00.000Z',
    ]);
    // From inside the repeated hour, after the first 01:30 has passed, the second 01:30 does not fire.
    expect(utc('cron(30 1 * * ? *)', 'Europe/London', '2027-10-31T01:10:00Z', 1)).toEqual(['2027-11-01T01:30:00.000Z']);
  });

  it('02:30 daily in America/New_York is skipped on its spring-forward day, and 01:30 runs once in the fall', () => {
    // Act / Assess: 14 March 2027 02:00 EST → 03:00 EDT; 7 November 2027 02:00 EDT → 01:00 EST
    expect(local('cron(30 2 * * ? *)', 'America/New_York', '2027-03-12T12:00:00Z')).toEqual([
      '2027-03-13T02:30:00-05:00',
      '2027-03-15T02:30:00-04:00',
      '2027-03-16T02:30:00-04:00',
    ]);
    expect(utc('cron(30 1 * * ? *)', 'America/New_York', '2027-11-06T12:00:00Z', 2)).toEqual([
      '2027-11-07T05:30:00.000Z',
      '2027-11-08T06:30:00.000Z',
    ]);
  });

  it('every 30 minutes over the repeated hour fires once per local time', () => {
    // Act / Assess
    expect(local('cron(0/30 1 * * ? *)', 'America/New_York', '2027-11-07T04:00:00Z')).toEqual([
      '2027-11-07T01:00:00-04:00',
      '2027-11-07T01:30:00-04:00',
      '2027-11-08T01:00:00-05:00',
    ]);
  });

  it('handles 30-minute changes (Australia/Lord_Howe) and 45-minute offsets (Pacific/Chatham)', () => {
    // Act / Assess: Lord Howe goes 02:00 → 02:30 on 3 October 2027 and 02:00 → 01:30 on 4 April 2027
    expect(local('cron(15 2 * * ? *)', 'Australia/Lord_Howe', '2027-10-01T12:00:00Z', 2)).toEqual([
      '2027-10-02T02:15:00+10:30',
      '2027-10-04T02:15:00+11:00',
    ]);
    expect(local('cron(0/30 1 * * ? *)', 'Australia/Lord_Howe', '2027-04-03T12:00:00Z', 3)).toEqual([
      '2027-04-04T01:00:00+11:00',
      '2027-04-04T01:30:00+11:00',
      '2027-04-05T01:00:00+10:30',
    ]);
    // Chatham goes 02:45 → 03:45 on 26 September 2027 and 03:45 → 02:45 on 4 April 2027
    expect(local('cron(0 3 * * ? *)', 'Pacific/Chatham', '2027-09-24T12:00:00Z', 2)).toEqual([
      '2027-09-25T03:00:00+12:45',
      '2027-09-27T03:00:00+13:45',
    ]);
    expect(utc('cron(15 3 * * ? *)', 'Pacific/Chatham', '2027-04-03T00:00:00Z', 2)).toEqual([
      '2027-04-03T13:30:00.000Z',
      '2027-04-04T14:30:00.000Z',
    ]);
    expect(utc('cron(0 9 * * ? *)', 'Asia/Kolkata', '2027-06-30T00:00:00Z', 1)).toEqual(['2027-06-30T03:30:00.000Z']);
  });

  it('fires at second 0, strictly after `after`', () => {
    // Act / Assess
    expect(utc('cron(0/15 * * * ? *)', 'UTC', '2027-01-01T00:15:00Z')).toEqual([
      '2027-01-01T00:30:00.000Z',
      '2027-01-01T00:45:00.000Z',
      '2027-01-01T01:00:00.000Z',
    ]);
    expect(utc('cron(0/15 * * * ? *)', 'UTC', '2027-01-01T00:14:59.999Z', 1)).toEqual(['2027-01-01T00:15:00.000Z']);
  });

  it('runs weekdays only with MON-FRI, and the first Monday with 2#1', () => {
    // Act / Assess: 1 January 2027 is a Friday
    expect(local('cron(0 18 ? * MON-FRI *)', 'Europe/Berlin', '2027-01-01T00:00:00Z')).toEqual([
      '2027-01-01T18:00:00+01:00',
      '2027-01-04T18:00:00+01:00',
      '2027-01-05T18:00:00+01:00',
    ]);
    expect(local('cron(0 9 ? * 2#1 *)', 'UTC', '2027-01-01T00:00:00Z')).toEqual([
      '2027-01-04T09:00:00+00:00',
      '2027-02-01T09:00:00+00:00',
      '2027-03-01T09:00:00+00:00',
    ]);
  });
});

describe('the L, W and # wildcards', () => {
  it('L is the last day of the month, leap years included', () => {
    expect(local('cron(0 0 L * ? *)', 'UTC', '2028-01-15T00:00:00Z')).toEqual([
      '2028-01-31T00:00:00+00:00',
      '2028-02-29T00:00:00+00:00',
      '2028-03-31T00:00:00+00:00',
    ]);
  });

  it('LW is the last weekday of the month', () => {
    // January 2027 ends on a Sunday, February on a Sunday, March on a Wednesday, July on a Saturday
    expect(local('cron(0 0 LW * ? *)', 'UTC', '2027-01-01T00:00:00Z')).toEqual([
      '2027-01-29T00:00:00+00:00',
      '2027-02-26T00:00:00+00:00',
      '2027-03-31T00:00:00+00:00',
    ]);
    expect(local('cron(0 0 LW 7 ? *)', 'UTC', '2027-01-01T00:00:00Z', 1)).toEqual(['2027-07-30T00:00:00+00:00']);
  });

  it('nW is the weekday nearest day n, never leaving the month', () => {
    // 15 May 2027 is a Saturday → Friday 14th; 15 August 2027 is a Sunday → Monday 16th
    expect(local('cron(0 0 15W 5,8,9 ? *)', 'UTC', '2027-01-01T00:00:00Z')).toEqual([
      '2027-05-14T00:00:00+00:00',
      '2027-08-16T00:00:00+00:00',
      '2027-09-15T00:00:00+00:00',
    ]);
    // 1 May 2027 is a Saturday → Monday 3rd (not Friday 30 April); 31 October 2027 is a Sunday → Friday 29th
    expect(local('cron(0 0 1W 5 ? *)', 'UTC', '2027-01-01T00:00:00Z', 1)).toEqual(['2027-05-03T00:00:00+00:00']);
    expect(local('cron(0 0 31W 10 ? *)', 'UTC', '2027-01-01T00:00:00Z', 1)).toEqual(['2027-10-29T00:00:00+00:00']);
    // A month without day 31 has no 31W.
    expect(local('cron(0 0 31W 4,5 ? *)', 'UTC', '2027-01-01T00:00:00Z', 1)).toEqual(['2027-05-31T00:00:00+00:00']);
  });

  it('nL is the last such weekday of the month; L alone is every Saturday', () => {
    expect(local('cron(0 0 ? * 6L *)', 'UTC', '2027-01-01T00:00:00Z', 2)).toEqual([
      '2027-01-29T00:00:00+00:00',
      '2027-02-26T00:00:00+00:00',
    ]);
    expect(local('cron(0 0 ? * L *)', 'UTC', '2027-01-01T00:00:00Z', 2)).toEqual([
      '2027-01-02T00:00:00+00:00',
      '2027-01-09T00:00:00+00:00',
    ]);
  });

  it('d#5 skips months without a fifth such weekday', () => {
    expect(local('cron(0 0 ? * MON#5 *)', 'UTC', '2027-01-01T00:00:00Z')).toEqual([
      '2027-03-29T00:00:00+00:00',
      '2027-05-31T00:00:00+00:00',
      '2027-08-30T00:00:00+00:00',
    ]);
  });
});

describe('when an expression stops firing', () => {
  it('stops after the last year of the year field', () => {
    expect(local('cron(0 0 1 1 ? 2027-2028)', 'UTC', '2026-12-01T00:00:00Z', 5)).toEqual([
      '2027-01-01T00:00:00+00:00',
      '2028-01-01T00:00:00+00:00',
    ]);
    expect(utc('cron(0 0 1 1 ? 2020)', 'UTC', '2026-12-01T00:00:00Z')).toEqual([]);
  });

  it('gives up after about 10 years', () => {
    expect(utc('cron(0 0 30 2 ? *)', 'UTC', '2026-12-01T00:00:00Z')).toEqual([]);
    expect(utc('cron(0 0 1 1 ? 2040)', 'UTC', '2026-12-01T00:00:00Z')).toEqual([]);
    expect(utc('cron(0 0 1 1 ? 2036)', 'UTC', '2026-12-01T00:00:00Z')).toEqual(['2036-01-01T00:00:00.000Z']);
  });

  it('answers nothing for a count below 1', () => {
    expect(utc('cron(* * * * ? *)', 'UTC', '2026-12-01T00:00:00Z', 0)).toEqual([]);
  });
});

describe('rate fires', () => {
  it('are start + k·interval, DST ignored', () => {
    // Arrange
    const start = new Date('2027-03-27T01:15:00Z');
    // Act
    const fires = nextRuns(parseScheduleExpression('rate(1 day)'), {
      timeZone: 'Europe/London',
      after: new Date('2027-03-27T12:00:00Z'),
      count: 3,
      start,
    });
    // Assess
    expect(fires.map((date) => date.toISOString())).toEqual([
      '2027-03-28T01:15:00.000Z',
      '2027-03-29T01:15:00.000Z',
      '2027-03-30T01:15:00.000Z',
    ]);
  });

  it('start with the start date itself when `after` is earlier, and fire at second 0', () => {
    // Act
    const fires = nextRuns(parseScheduleExpression('rate(6 hours)'), {
      timeZone: 'UTC',
      after: new Date('2027-01-01T00:00:00Z'),
      count: 2,
      start: new Date('2027-01-05T10:00:30Z'),
    });
    // Assess
    expect(fires.map((date) => date.toISOString())).toEqual(['2027-01-05T10:01:00.000Z', '2027-01-05T16:01:00.000Z']);
  });

  it('need the start date', () => {
    expect(() =>
      nextRuns(parseScheduleExpression('rate(5 minutes)'), { timeZone: 'UTC', after: new Date(0), count: 1 }),
    ).toThrow(/needs the schedule's start date/);
  });
});

describe('formatLocal', () => {
  it('writes ISO-8601 local time with the offset in force', () => {
    expect(formatLocal(new Date('2027-03-28T02:00:00Z'), 'Europe/London')).toBe('2027-03-28T03:00:00+01:00');
    expect(formatLocal(new Date('2027-03-28T00:59:00Z'), 'Europe/London')).toBe('2027-03-28T00:59:00+00:00');
    expect(formatLocal(new Date('2027-01-15T12:00:00Z'), 'UTC')).toBe('2027-01-15T12:00:00+00:00');
    expect(formatLocal(new Date('2027-01-15T12:00:00Z'), 'Asia/Kolkata')).toBe('2027-01-15T17:30:00+05:30');
    expect(formatLocal(new Date('2027-01-15T12:00:00Z'), 'Pacific/Chatham')).toBe('2027-01-16T01:45:00+13:45');
    expect(formatLocal(new Date('2027-01-15T12:00:00Z'), 'America/St_Johns')).toBe('2027-01-15T08:30:00-03:30');
    expect(formatLocal(new Date('2027-07-15T12:00:00Z'), 'America/New_York')).toBe('2027-07-15T08:00:00-04:00');
  });
});

describe('minimumIntervalMinutes', () => {
  it('is the smallest gap between the coming fires', () => {
    expect(gap('cron(0/15 * * * ? *)', 'UTC', '2027-10-25T00:00:00Z')).toBe(15);
    expect(gap('cron(0 3,4 * * ? *)', 'UTC', '2027-10-25T00:00:00Z')).toBe(60);
    expect(gap('cron(0/10 * ? * MON-FRI *)', 'UTC', '2027-10-25T00:00:00Z')).toBe(10);
    expect(gap('cron(0 9 ? * MON *)', 'UTC', '2027-10-25T00:00:00Z')).toBe(7 * 1440);
    expect(gap('cron(0 0 L * ? *)', 'UTC', '2027-01-15T00:00:00Z')).toBe(28 * 1440);
    expect(gap('cron(0 0 1 1 ? 2027)', 'UTC', '2026-11-22T00:00:00Z')).toBe(Number.POSITIVE_INFINITY);
  });

  it('is the interval of a rate', () => {
    expect(gap('rate(6 hours)', 'UTC', '2027-10-25T00:00:00Z')).toBe(360);
    expect(gap('rate(1 day)', 'Europe/London', '2027-10-25T00:00:00Z')).toBe(1440);
  });

  it('measures on the wall clock: a daily schedule stays daily over daylight-saving changes (plan limits)', () => {
    // Over the fall-back day 01:30 runs at 00:30Z then 01:30Z the next day.
    expect(gap('cron(30 1 * * ? *)', 'Europe/London', '2027-10-25T00:00:00Z')).toBe(1440);
    // Over the spring-forward day 03:00 runs at 03:00Z then 02:00Z: 23 real hours, one day on the clock.
    expect(gap('cron(0 3 * * ? *)', 'Europe/London', '2027-03-22T00:00:00Z')).toBe(1440);
    expect(gap('cron(0 3 * * ? *)', 'Australia/Lord_Howe', '2027-09-28T00:00:00Z')).toBe(1440);
    // Sub-daily schedules keep their gap.
    expect(gap('cron(0 0/6 * * ? *)', 'Europe/London', '2027-03-22T00:00:00Z')).toBe(360);
  });
});

describe('speed', () => {
  const timed = (work: () => unknown): number => {
    work(); // warm the zone's calendar
    const started = performance.now();
    work();
    return performance.now() - started;
  };

  it('computes 1,000 fires of every minute, a yearly schedule and a never-firing one in a few ms', () => {
    const everyMinute = parseScheduleExpression('cron(* * * * ? *)');
    const yearly = parseScheduleExpression('cron(0 0 1 1 ? *)');
    const never = parseScheduleExpression('cron(0 0 30 2 ? *)');
    const options = { timeZone: 'Europe/London', after: new Date('2027-03-27T12:00:00Z'), count: 1000 };
    expect(nextRuns(everyMinute, options)).toHaveLength(1000);
    expect(timed(() => nextRuns(everyMinute, options))).toBeLessThan(50);
    expect(timed(() => nextRuns(yearly, options))).toBeLessThan(50);
    expect(timed(() => nextRuns(never, options))).toBeLessThan(50);
  });
});
