import { describe, expect, it } from 'vitest';
import { SystemClock, UlidIdGenerator } from '../../lambdas/adapters/runtime';
import { type GeneratedIdKind, ID_PREFIXES, isId } from '../../lambdas/domain/ids';
import type { Clock } from '../../lambdas/ports/runtime';

/** A clock the test moves by hand. */
function manualClock(start: number): Clock & { set(ms: number): void } {
  let now = start;
  return {
    now: () => new Date(now),
    set: (ms: number) => {
      now = ms;
    },
  };
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

describe('UlidIdGenerator', () => {
  it('makes ids every kind accepts as its own', () => {
    // Prepare
    const ids = new UlidIdGenerator();
    const kinds = Object.keys(ID_PREFIXES) as GeneratedIdKind[];

    // Act
    const made = kinds.map((kind) => ({ kind, id: ids.next(kind) }));

    // Assess
    for (const { kind, id } of made) {
      expect(isId(kind, id)).toBe(true);
      for (const other of [...kinds, 'policy' as const].filter((k) => k !== kind)) expect(isId(other, id)).toBe(false);
    }
  });

  it('makes unique ids that sort in creation order within one millisecond', () => {
    // Prepare
    const ids = new UlidIdGenerator(manualClock(Date.parse('2025-03-01T12:00:00.000Z')));

    // Act
    const made = Array.from({ length: 5000 }, () => ids.next('backup'));

    // Assess
    expect(new Set(made).size).toBe(made.length);
    expect([...made].sort(byCodeUnit)).toEqual(made);
  });

  it('keeps creation order when the clock steps back', () => {
    // Prepare
    const clock = manualClock(Date.parse('2025-03-01T12:00:01.000Z'));
    const ids = new UlidIdGenerator(clock);
    const first = ids.next('source');
    clock.set(Date.parse('2025-03-01T12:00:00.000Z'));

    // Act
    const second = ids.next('source');

    // Assess
    expect(byCodeUnit(first, second)).toBe(-1);
  });

  it('orders ids from later milliseconds after earlier ones', () => {
    // Prepare
    const clock = manualClock(Date.parse('2025-03-01T12:00:00.000Z'));
    const ids = new UlidIdGenerator(clock);
    const earlier = Array.from({ length: 50 }, () => ids.next('restore'));
    clock.set(Date.parse('2025-03-01T12:00:00.001Z'));

    // Act
    const later = ids.next('restore');

    // Assess
    expect(earlier.every((id) => byCodeUnit(id, later) === -1)).toBe(true);
  });
});

describe('SystemClock', () => {
  it('tells the current time', () => {
    // Prepare
    const before = Date.now();

    // Act
    const now = new SystemClock().now().getTime();

    // Assess
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});
