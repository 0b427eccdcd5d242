import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../lambdas/domain/errors';
import {
  civilFromDays,
  DEFAULT_TIME_ZONE,
  dayLabel,
  daysFromCivil,
  hourLabel,
  isoWeekOfDays,
  isValidTimeZone,
  KEY_DAY,
  KEY_HOUR,
  KEY_MONTH,
  KEY_WEEK,
  KEY_YEAR,
  monthLabel,
  normalizePolicy,
  parseDuration,
  weekLabel,
  yearLabel,
  ZoneCalendar,
} from '../../lambdas/domain/retention/index';
import { parseRetentionPolicy } from '../../lambdas/shared/retention-schemas';

function keysOf(zone: string, iso: string) {
  const out = new Float64Array(5);
  new ZoneCalendar(zone).keys(Date.parse(iso), out);
  return {
    hour: hourLabel(out[KEY_HOUR] as number),
    day: dayLabel(out[KEY_DAY] as number),
    week: weekLabel(out[KEY_WEEK] as number),
    month: monthLabel(out[KEY_MONTH] as number),
    year: yearLabel(out[KEY_YEAR] as number),
  };
}

describe('civil date arithmetic', () => {
  it('round-trips days and dates, including leap days and far years', () => {
    // Arrange
    const dates: [number, number, number][] = [
      [1970, 1, 1],
      [2000, 2, 29],
      [2024, 2, 29],
      [2100, 3, 1],
      [1900, 2, 28],
      [2026, 11, 20],
    ];
    for (const [y, m, d] of dates) {
      // Act
      const days = daysFromCivil(y, m, d);
      // Assess
      expect(civilFromDays(days)).toEqual([y, m, d]);
      expect(days).toBe(Date.UTC(y, m - 1, d) / 86_400_000);
    }
  });

  it('numbers ISO weeks across year ends', () => {
    // Act / Assess: [isoYear, isoWeek, weekday]
    expect(isoWeekOfDays(daysFromCivil(2020, 12, 31))).toEqual([2020, 53, 4]);
    expect(isoWeekOfDays(daysFromCivil(2021, 1, 3))).toEqual([2020, 53, 7]);
    expect(isoWeekOfDays(daysFromCivil(2021, 1, 4))).toEqual([2021, 1, 1]);
    expect(isoWeekOfDays(daysFromCivil(2024, 12, 30))).toEqual([2025, 1, 1]);
    expect(isoWeekOfDays(daysFromCivil(2026, 11, 20))).toEqual([2026, 47, 5]);
  });
});

describe('ZoneCalendar', () => {
  it('buckets UTC without asking Intl', () => {
    // Act
    const keys = keysOf('UTC', '2026-11-20T14:59:59.999Z');
    // Assess
    expect(keys).toEqual({
      hour: '2026-11-20T14',
      day: '2026-11-20',
      week: '2026-W47',
      month: '2026-11',
      year: '2026',
    });
  });

  it('puts the ISO week of 31 December in the next year when its Thursday is there', () => {
    // Act / Assess
    expect(keysOf('UTC', '2024-12-31T12:00:00Z')).toMatchObject({ week: '2025-W01', year: '2024', month: '2024-12' });
    expect(keysOf('UTC', '2027-01-01T12:00:00Z')).toMatchObject({ week: '2026-W53', year: '2027' });
  });

  it('follows Europe/London through the autumn change: one 25-hour day, one repeated wall-clock hour', () => {
    // Arrange: 2026-10-25 01:00 BST becomes 01:00 GMT
    const zone = 'Europe/London';
    // Act / Assess
    expect(keysOf(zone, '2026-10-24T23:30:00Z')).toMatchObject({ day: '2026-10-25', hour: '2026-10-25T00' });
    expect(keysOf(zone, '2026-10-25T00:30:00Z').hour).toBe('2026-10-25T01');
    expect(keysOf(zone, '2026-10-25T01:30:00Z').hour).toBe('2026-10-25T01');
    expect(keysOf(zone, '2026-10-25T23:59:00Z').day).toBe('2026-10-25');
    expect(keysOf(zone, '2026-10-26T00:00:00Z').day).toBe('2026-10-26');
    expect(keysOf(zone, '2026-03-29T00:59:59Z').hour).toBe('2026-03-29T00');
    expect(keysOf(zone, '2026-03-29T01:00:00Z').hour).toBe('2026-03-29T02');
  });

  it('follows America/New_York through the spring change (a 23-hour day)', () => {
    // Arrange: 2026-03-08 02:00 EST becomes 03:00 EDT
    const zone = 'America/New_York';
    // Act / Assess
    expect(keysOf(zone, '2026-03-08T05:00:00Z')).toMatchObject({ day: '2026-03-08', hour: '2026-03-08T00' });
    expect(keysOf(zone, '2026-03-08T06:59:59Z').hour).toBe('2026-03-08T01');
    expect(keysOf(zone, '2026-03-08T07:00:00Z').hour).toBe('2026-03-08T03');
    expect(keysOf(zone, '2026-03-09T03:59:59Z').day).toBe('2026-03-08');
    expect(keysOf(zone, '2026-03-09T04:00:00Z').day).toBe('2026-03-09');
  });

  it('follows Australia/Lord_Howe, whose DST is 30 minutes and changes at half past the UTC hour', () => {
    // Arrange: +10:30 until 2026-10-04 02:00 local (15:30Z on the 3rd), then +11
    const zone = 'Australia/Lord_Howe';
    const calendar = new ZoneCalendar(zone);
    // Act / Assess
    expect(calendar.offset(Date.parse('2026-10-03T15:29:59Z'))).toBe(10.5 * 3_600_000);
    expect(calendar.offset(Date.parse('2026-10-03T15:30:00Z'))).toBe(11 * 3_600_000);
    expect(keysOf(zone, '2026-10-03T13:29:00Z').day).toBe('2026-10-03');
    expect(keysOf(zone, '2026-10-03T13:31:00Z').day).toBe('2026-10-04');
    expect(keysOf(zone, '2026-10-03T15:29:00Z').hour).toBe('2026-10-04T01');
    expect(keysOf(zone, '2026-10-03T15:30:00Z').hour).toBe('2026-10-04T02');
  });

  it('follows Asia/Kathmandu at +5:45', () => {
    // Act / Assess
    expect(keysOf('Asia/Kathmandu', '2026-11-19T18:14:00Z')).toMatchObject({
      day: '2026-11-19',
      hour: '2026-11-19T23',
    });
    expect(keysOf('Asia/Kathmandu', '2026-11-19T18:16:00Z')).toMatchObject({
      day: '2026-11-20',
      hour: '2026-11-20T00',
    });
  });

  it('subtracts calendar durations the way Go AddDate does', () => {
    // Arrange
    const utc = new ZoneCalendar('UTC');
    const london = new ZoneCalendar('Europe/London');
    // Act / Assess: 31 March minus one month normalizes to 3 March, as in Go
    expect(new Date(utc.minus(Date.parse('2026-03-31T10:00:00Z'), parseDuration('P1M'))).toISOString()).toBe(
      '2026-03-03T10:00:00.000Z',
    );
    // a day back over the spring change keeps the wall clock (12:00 BST → 12:00 GMT), 23 hours earlier
    expect(new Date(london.minus(Date.parse('2026-03-30T11:00:00Z'), parseDuration('P1D'))).toISOString()).toBe(
      '2026-03-29T11:00:00.000Z',
    );
    expect(new Date(london.minus(Date.parse('2026-03-29T11:00:00Z'), parseDuration('P1D'))).toISOString()).toBe(
      '2026-03-28T12:00:00.000Z',
    );
    // hours are exact
    expect(new Date(london.minus(Date.parse('2026-03-29T11:00:00Z'), parseDuration('PT24H'))).toISOString()).toBe(
      '2026-03-28T11:00:00.000Z',
    );
  });

  it('refuses a zone Intl does not know, or an offset instead of a zone', () => {
    // Act / Assess
    expect(() => new ZoneCalendar('Mars/Olympus_Mons')).toThrow(ValidationError);
    expect(isValidTimeZone('+01:00')).toBe(false);
    expect(isValidTimeZone('Europe/Paris')).toBe(true);
  });
});

describe('retention durations and policies', () => {
  it('parses ISO-8601, restic and object durations', () => {
    // Act / Assess
    expect(parseDuration('P30D')).toMatchObject({ years: 0, months: 0, days: 30, hours: 0, label: 'P30D' });
    expect(parseDuration('PT12H')).toMatchObject({ hours: 12, label: 'PT12H' });
    expect(parseDuration('P2W')).toMatchObject({ days: 14, label: 'P14D' });
    expect(parseDuration('P1Y2M3DT4H').label).toBe('P1Y2M3DT4H');
    expect(parseDuration('1y5m7d2h')).toMatchObject({ years: 1, months: 5, days: 7, hours: 2 });
    expect(parseDuration({ days: 1, hours: 6 }).label).toBe('P1DT6H');
    for (const bad of ['P', 'PT', '30 days', 'PT30M', 'P1.5D', '', '-P1D']) {
      expect(() => parseDuration(bad), bad).toThrow(ValidationError);
    }
  });

  it('normalizes counts: unlimited is infinite, a missing count is off, a missing zone is UTC', () => {
    // Act
    const policy = normalizePolicy({ keepDaily: 7, keepYearly: 'unlimited' });
    // Assess
    expect(policy.counts).toEqual({
      last: 0,
      hourly: 0,
      daily: 7,
      weekly: 0,
      monthly: 0,
      yearly: Number.POSITIVE_INFINITY,
    });
    expect(policy.timeZone).toBe(DEFAULT_TIME_ZONE);
    expect(() => normalizePolicy({ keepDaily: -1 })).toThrow(ValidationError);
  });

  it('validates the spec with zod, naming each bad field', () => {
    // Act
    const parsed = parseRetentionPolicy({
      keepDaily: 30,
      keepWeekly: 12,
      keepMonthly: 12,
      keepYearly: 'unlimited',
      timeZone: 'Europe/Zurich',
      manual: { keepWithin: 'P30D', keepLast: 3 },
    });
    // Assess
    expect(parsed.keepYearly).toBe('unlimited');
    expect(parseRetentionPolicy({ keepDaily: 7 }).timeZone).toBe('UTC');
    const bad = () =>
      parseRetentionPolicy({
        keepDaily: 1.5,
        keepWithin: '30 days',
        timeZone: 'Nowhere/City',
        manual: {},
        tenantId: 'x',
      });
    expect(bad).toThrow(ValidationError);
    try {
      bad();
    } catch (error) {
      const paths = (error as ValidationError).fields?.map((field) => field.path) ?? [];
      expect(paths).toEqual(expect.arrayContaining(['keepDaily', 'keepWithin', 'timeZone', 'manual', 'tenantId']));
    }
  });
});
