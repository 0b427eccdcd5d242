import { monotonicFactory } from 'ulidx';
import { formatId, type GeneratedIdKind } from '../domain/ids';
import type { Clock, IdGenerator, Sleeper } from '../ports/runtime';

export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }
}

/**
 * `<prefix>_<ULID>` ids. The factory is monotonic: ids made in the same millisecond (or after the clock stepped
 * back) still sort in creation order, which the catalog relies on for "newest first".
 */
export class UlidIdGenerator implements IdGenerator {
  private readonly ulid = monotonicFactory();

  constructor(private readonly clock: Clock = new SystemClock()) {}

  next(kind: GeneratedIdKind): string {
    return formatId(kind, this.ulid(this.clock.now().getTime()));
  }
}

export class TimerSleeper implements Sleeper {
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
  }
}
