import type { IdKind } from '../domain/ids';

/** Time is a parameter of the core; this port is where handlers get it. */
export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  next(kind: IdKind): string;
}
