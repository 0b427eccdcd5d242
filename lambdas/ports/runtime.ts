import type { GeneratedIdKind } from '../domain/ids';

/** Time is a parameter of the core; this port is where handlers get it. */
export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  next(kind: GeneratedIdKind): string;
}

/** Waiting, for code that paces itself (the retention deleter); tests and benchmarks pass their own. */
export interface Sleeper {
  sleep(ms: number): Promise<void>;
}
