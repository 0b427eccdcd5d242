import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextRuns, parseScheduleExpression } from '../../lambdas/domain/schedule';
import { wallOf, ZONES } from '../support/schedule-oracle';

/**
 * Fire times against an independent calculation: walk UTC minutes one by one, read each as wall-clock fields with the
 * test oracle's Intl.DateTimeFormat (test/support/schedule-oracle.ts, not the production ZoneCalendar), match them naively, and keep the first UTC minute of every local wall-clock time —
 * which is exactly "skipped in a spring-forward gap, once in a fall-back overlap".
 */

/** DST changes in 2027 of the oracle's ZONES (UTC), to start the search close to them. */
const CHANGES = [
  '2027-03-28T01:00:00Z',
  '2027-10-31T01:00:00Z',
  '2027-03-14T07:00:00Z',
  '2027-11-07T06:00:00Z',
  '2027-04-03T15:00:00Z',
  '2027-10-02T15:30:00Z',
  '2027-04-03T14:45:00Z',
  '2027-09-25T14:45:00Z',
  '2027-03-14T05:30:00Z',
  '2027-11-07T04:30:00Z',
].map((iso) => Date.parse(iso));

/** The oracle's own wall clock (test/support/schedule-oracle.ts), with the weekday (1 = Sunday) cron needs. */
function wall(utcMs: number, timeZone: string) {
  const w = wallOf(utcMs, timeZone);
  return { ...w, weekday: new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay() + 1 };
}

interface Spec {
  minutes: number[];
  hours: number[];
  days: number[] | undefined;
  weekdays: number[] | undefined;
  months: number[];
}

const toCron = (spec: Spec) =>
  `cron(${spec.minutes.join(',')} ${spec.hours.join(',')} ${spec.days ? spec.days.join(',') : '?'} ${spec.months.join(',')} ${spec.weekdays ? spec.weekdays.join(',') : '?'} *)`;

function bruteForce(spec: Spec, timeZone: string, after: number, windowMinutes: number, count: number): string[] {
  const seen = new Set<string>();
  const found: string[] = [];
  const first = Math.floor(after / 60_000) * 60_000 + 60_000;
  // Wall times already lived before the window (a window that starts inside a fall-back overlap) do not fire again:
  // the walk starts 3 hours early (more than any DST shift) and only collects from `first` on.
  for (let t = first - 3 * 3_600_000; t < first + windowMinutes * 60_000 && found.length < count; t += 60_000) {
    const w = wall(t, timeZone);
    const key = `${w.year}-${w.month}-${w.day} ${w.hour}:${w.minute}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (t < first) continue;
    const matches =
      spec.minutes.includes(w.minute) &&
      spec.hours.includes(w.hour) &&
      spec.months.includes(w.month) &&
      (spec.days === undefined || spec.days.includes(w.day)) &&
      (spec.weekdays === undefined || spec.weekdays.includes(w.weekday));
    if (matches) found.push(new Date(t).toISOString());
  }
  return found;
}

const sortedSet = (arb: fc.Arbitrary<number>, max: number) =>
  fc.uniqueArray(arb, { minLength: 1, maxLength: max }).map((values) => [...values].sort((a, b) => a - b));

const specArb: fc.Arbitrary<Spec> = fc
  .record({
    minutes: sortedSet(fc.integer({ min: 0, max: 59 }), 4),
    hours: sortedSet(fc.integer({ min: 0, max: 23 }), 6),
    byDay: fc.boolean(),
    days: sortedSet(fc.integer({ min: 1, max: 31 }), 20),
    weekdays: sortedSet(fc.integer({ min: 1, max: 7 }), 5),
    months: sortedSet(fc.integer({ min: 1, max: 12 }), 12),
  })
  .map(({ byDay, days, weekdays, ...rest }) => ({
    ...rest,
    days: byDay ? days : undefined,
    weekdays: byDay ? undefined : weekdays,
  }));

describe('schedule fire times (property: equal to a minute-by-minute walk of the wall clock)', () => {
  it('match the brute force near DST changes in zones with whole, half and three-quarter hour offsets', () => {
    fc.assert(
      fc.property(
        specArb,
        fc.constantFrom(...ZONES),
        fc.constantFrom(...CHANGES),
        fc.integer({ min: -36 * 60, max: 12 * 60 }),
        (spec, timeZone, change, shiftMinutes) => {
          const after = change + shiftMinutes * 60_000 + 17_000;
          const window = 3 * 24 * 60;
          const expected = bruteForce(spec, timeZone, after, window, 40);
          const actual = nextRuns(parseScheduleExpression(toCron(spec)), {
            timeZone,
            after: new Date(after),
            count: 40,
          })
            .map((date) => date.toISOString())
            .filter((iso) => Date.parse(iso) < Math.floor(after / 60_000) * 60_000 + 60_000 + window * 60_000);
          expect(actual).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('are strictly ascending, after `after`, at second 0; rates are start + k·interval', () => {
    fc.assert(
      fc.property(
        specArb,
        fc.constantFrom(...ZONES),
        fc.integer({ min: Date.parse('2026-01-01'), max: Date.parse('2028-12-31') }),
        fc.integer({ min: 1, max: 500 }),
        (spec, timeZone, after, rate) => {
          const fires = nextRuns(parseScheduleExpression(toCron(spec)), {
            timeZone,
            after: new Date(after),
            count: 20,
          });
          fires.forEach((fire, i) => {
            expect(fire.getTime()).toBeGreaterThan(after);
            expect(fire.getTime() % 60_000).toBe(0);
            if (i > 0) expect(fire.getTime()).toBeGreaterThan((fires[i - 1] as Date).getTime());
          });
          const start = new Date(Math.floor(after / 60_000) * 60_000 - 3 * 60_000);
          const rates = nextRuns(parseScheduleExpression(`rate(${rate} ${rate === 1 ? 'minute' : 'minutes'})`), {
            timeZone,
            after: new Date(after),
            count: 5,
            start,
          });
          for (const fire of rates) {
            expect((fire.getTime() - start.getTime()) % (rate * 60_000)).toBe(0);
            expect(fire.getTime()).toBeGreaterThan(after);
          }
          expect((rates[0] as Date).getTime() - after).toBeLessThanOrEqual(rate * 60_000);
        },
      ),
      { numRuns: 100 },
    );
  });
});
