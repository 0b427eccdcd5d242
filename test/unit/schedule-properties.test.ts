import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../lambdas/domain/errors';
import { minimumIntervalMinutes, nextRuns, parseScheduleExpression } from '../../lambdas/domain/schedule';
import {
  bruteForce,
  DAY,
  type Dom,
  type Dow,
  dateMatches,
  expand,
  FROM,
  type Item,
  type ListField,
  MINUTE,
  type Spec,
  TO,
  TRANSITIONS,
  toCron,
  wallOf,
  wallText,
  ZONES,
} from '../support/schedule-oracle';

/**
 * Fire times against an independent calculation (test/support/schedule-oracle.ts): a brute force that walks UTC minutes
 * one by one, reads each as wall-clock fields with its own Intl.DateTimeFormat (not the production ZoneCalendar),
 * matches them naively and keeps only the first UTC minute of each distinct wall-clock time — exactly "skipped in a
 * spring-forward gap, once (the first time) in a fall-back overlap". Random expressions (lists, ranges, steps, names,
 * L, LW, nW, nL, d#n, years) in zones with whole, half and three-quarter hour offsets and changes.
 */

// ---- Arbitraries ---------------------------------------------------------------------------------------------------

function itemArb(min: number, max: number, steps: boolean): fc.Arbitrary<Item> {
  const value = fc.integer({ min, max });
  const pair = fc.tuple(value, value).map(([x, y]) => [Math.min(x, y), Math.max(x, y)] as const);
  const step = fc.integer({ min: 1, max: Math.max(1, Math.floor((max - min) / 2)) });
  const plain: fc.Arbitrary<Item>[] = [
    value.map((v) => ({ kind: 'value', v })),
    value.map((v) => ({ kind: 'value', v })),
    pair.map(([a, b]) => ({ kind: 'range', a, b })),
  ];
  const stepped: fc.Arbitrary<Item>[] = [
    step.map((s) => ({ kind: 'step', s })),
    fc.tuple(value, step).map(([a, s]) => ({ kind: 'step', a, s })),
    fc.tuple(pair, step).map(([[a, b], s]) => ({ kind: 'step', a, b, s })),
  ];
  return fc.oneof(...plain, ...(steps ? stepped : []));
}

const listArb = (min: number, max: number, steps = true, named = false, maxItems = 3): fc.Arbitrary<ListField> =>
  fc.record({
    items: fc.oneof(
      { weight: 1, arbitrary: fc.constant<readonly Item[]>([{ kind: 'star' }]) },
      { weight: 4, arbitrary: fc.array(itemArb(min, max, steps), { minLength: 1, maxLength: maxItems }) },
    ),
    names: named
      ? fc.constantFrom(undefined, 'upper' as const, 'lower' as const, 'title' as const)
      : fc.constant(undefined),
  });

/** A few plain values within [min, max]: no `*`, no step reaching beyond, few fires per day. */
const valuesArb = (min: number, max: number, maxItems: number): fc.Arbitrary<ListField> =>
  fc
    .uniqueArray(fc.integer({ min, max }), { minLength: 1, maxLength: maxItems })
    .map((values) => ({ items: values.map((v) => ({ kind: 'value', v }) as const) }));

const domArb: fc.Arbitrary<Dom> = fc.oneof(
  { weight: 4, arbitrary: listArb(1, 31).map((list) => ({ kind: 'list', list }) as const) },
  { weight: 1, arbitrary: fc.constantFrom({ kind: 'L' } as const, { kind: 'LW' } as const) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 31 }).map((n) => ({ kind: 'W', n }) as const) },
);
const dowArb: fc.Arbitrary<Dow> = fc.oneof(
  { weight: 4, arbitrary: listArb(1, 7, false, true).map((list) => ({ kind: 'list', list }) as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'L' } as const) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 7 }).map((d) => ({ kind: 'last', d }) as const) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 5 }))
      .map(([d, n]) => ({ kind: 'nth', d, n }) as const),
  },
);

function specArb(hours: fc.Arbitrary<ListField>, minutes = listArb(0, 59)): fc.Arbitrary<Spec> {
  return fc
    .record({
      minutes,
      hours,
      byDay: fc.boolean(),
      dom: domArb,
      dow: dowArb,
      months: fc.oneof(fc.constant<ListField>({ items: [{ kind: 'star' }] }), listArb(1, 12, true, true)),
      years: fc.option(listArb(2025, 2030, true, false, 2), { freq: 4 }),
    })
    .map(({ byDay, dom, dow, years, ...rest }) => ({
      ...rest,
      ...(byDay ? { dom } : { dow }),
      ...(years ? { years } : {}),
    }));
}

/** An instant from 30 hours before to 18 hours after one of the zone's offset changes (any instant without). */
const nearTransitionArb = fc
  .tuple(
    fc.constantFrom(...ZONES),
    fc.nat(),
    fc.integer({ min: -30 * 60, max: 18 * 60 }),
    fc.integer({ min: 0, max: 59_999 }),
  )
  .map(([timeZone, index, shift, ms]) => {
    const changes = TRANSITIONS.get(timeZone) ?? [];
    const base = changes.length > 0 ? (changes[index % changes.length] as number) : FROM + (index % 1000) * DAY;
    return { timeZone, base, after: base + shift * MINUTE + ms };
  });

/** The wall-clock hours around an offset change (inside its gap or overlap), to aim expressions at it. */
const hoursAround = (base: number, timeZone: string): ListField => ({
  items: [...new Set([-90, -30, 0, 30, 90].map((shift) => wallOf(base + shift * MINUTE, timeZone).hour))].map(
    (v) => ({ kind: 'value', v }) as const,
  ),
});

/** A zone, an instant near one of its changes, and an expression whose hours often hit the change. */
const nearTransitionCaseArb = nearTransitionArb.chain((at) =>
  specArb(fc.oneof(listArb(0, 23), fc.constant(hoursAround(at.base, at.timeZone)))).map((spec) => ({ ...at, spec })),
);

// ---- Properties ----------------------------------------------------------------------------------------------------

describe('schedule fire times (properties)', () => {
  it('finds the transitions it tests near', () => {
    expect(TRANSITIONS.get('Europe/London')).toContain(Date.UTC(2027, 2, 28, 1));
    expect(TRANSITIONS.get('Australia/Lord_Howe')?.length).toBe(6);
    expect(TRANSITIONS.get('Asia/Kolkata')).toEqual([]);
  });

  it('equal a minute-by-minute walk of the wall clock over 2 days near DST changes', () => {
    fc.assert(
      fc.property(nearTransitionCaseArb, ({ spec, timeZone, after }) => {
        const until = after + 2 * DAY;
        const expected = bruteForce(spec, timeZone, after, until);
        const actual = nextRuns(parseScheduleExpression(toCron(spec)), {
          timeZone,
          after: new Date(after),
          count: expected.length + 1,
        }).map((date) => date.toISOString());
        expect(actual.slice(0, expected.length)).toEqual(expected);
        if (actual.length > expected.length) expect(Date.parse(actual.at(-1) as string)).toBeGreaterThanOrEqual(until);
      }),
      { numRuns: 70 },
    );
  });

  it('equal a day-by-day walk of the calendar over a year for the day, month and year fields', () => {
    // Hours 5-22: never inside a DST change of these zones, so the local time alone decides.
    const spec = specArb(valuesArb(5, 22, 2), valuesArb(0, 59, 2));
    fc.assert(
      fc.property(spec, fc.constantFrom(...ZONES), fc.integer({ min: FROM, max: TO }), (spec, timeZone, after) => {
        const start = wallOf(after, timeZone);
        const afterText = wallText(start);
        const minutes = [...expand(spec.minutes, 0, 59)].sort((a, b) => a - b);
        const hours = [...expand(spec.hours, 0, 23)].sort((a, b) => a - b);
        const firstDate = Date.UTC(start.year, start.month - 1, start.day);
        const lastDate = firstDate + 366 * DAY;
        const expected: string[] = [];
        for (let date = firstDate; date <= lastDate; date += DAY) {
          const d = new Date(date);
          const [year, month, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
          if (!dateMatches(spec, year, month, day)) continue;
          for (const hour of hours) {
            for (const minute of minutes) {
              const text = wallText({ year, month, day, hour, minute });
              if (text > afterText) expected.push(text);
            }
          }
        }
        const actual = nextRuns(parseScheduleExpression(toCron(spec)), {
          timeZone,
          after: new Date(after),
          count: expected.length + 1,
        }).map((date) => wallText(wallOf(date.getTime(), timeZone)));
        expect(actual.slice(0, expected.length)).toEqual(expected);
        if (actual.length > expected.length) {
          expect((actual.at(-1) as string) >= wallText(wallOf(lastDate + DAY, 'UTC'))).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('are ascending, strictly after `after`, at second 0; the minimum interval is the smallest wall-clock gap over 8 days', () => {
    fc.assert(
      fc.property(
        specArb(listArb(0, 23)),
        fc.constantFrom(...ZONES),
        fc.integer({ min: FROM, max: TO }),
        (spec, timeZone, after) => {
          const expression = parseScheduleExpression(toCron(spec));
          const fires = nextRuns(expression, { timeZone, after: new Date(after), count: 500 }).map((date) =>
            date.getTime(),
          );
          fires.forEach((fire, i) => {
            expect(fire).toBeGreaterThan(after);
            expect(fire % MINUTE).toBe(0);
            if (i > 0) expect(fire).toBeGreaterThan(fires[i - 1] as number);
          });
          const end = fires.findIndex((fire, i) => i >= 1 && fire >= after + 8 * DAY);
          const considered = end < 0 ? fires : fires.slice(0, end + 1);
          // Measured on the zone's wall clock (the oracle's own), as plan limits are: DST does not shorten a day.
          const wallMs = (utc: number) => {
            const w = wallOf(utc, timeZone);
            return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
          };
          const gaps = considered.slice(1).map((fire, i) => (wallMs(fire) - wallMs(considered[i] as number)) / MINUTE);
          expect(minimumIntervalMinutes(expression, { timeZone, after: new Date(after) })).toBe(
            gaps.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...gaps),
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('fire rates at start + k·interval, the first one after `after` (or the start itself)', () => {
    const units = [
      ['minute', 1],
      ['hour', 60],
      ['day', 1440],
    ] as const;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400 }),
        fc.constantFrom(...units),
        fc.integer({ min: FROM / MINUTE, max: TO / MINUTE }),
        fc.integer({ min: -20 * DAY, max: 20 * DAY }),
        fc.constantFrom(...ZONES),
        (value, [unit, minutes], startMinute, afterShift, timeZone) => {
          const start = startMinute * MINUTE;
          const after = start + afterShift;
          const interval = value * minutes * MINUTE;
          const expression = parseScheduleExpression(`rate(${value} ${unit}${value === 1 ? '' : 's'})`);
          const fires = nextRuns(expression, { timeZone, after: new Date(after), count: 5, start: new Date(start) });
          expect(fires).toHaveLength(5);
          const first = (fires[0] as Date).getTime();
          expect(first > after && (first === start || first - interval <= after)).toBe(true);
          fires.forEach((fire, i) => {
            expect((fire.getTime() - start) % interval).toBe(0);
            expect(fire.getTime()).toBe(first + i * interval);
          });
          expect(minimumIntervalMinutes(expression, { timeZone, after: new Date(after) })).toBe(value * minutes);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('parse the generated text as is, and refuse anything malformed with a ValidationError only', () => {
    fc.assert(
      fc.property(specArb(listArb(0, 23)), fc.string({ maxLength: 4 }), fc.nat(), (spec, noise, at) => {
        const text = toCron(spec);
        expect(parseScheduleExpression(text).text).toBe(text);
        const mangled = text.slice(0, at % text.length) + noise + text.slice(at % text.length);
        try {
          parseScheduleExpression(mangled);
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
