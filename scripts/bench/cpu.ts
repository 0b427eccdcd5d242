/**
 * CPU accounting while a variant runs, from /proc (Linux): the whole machine's busy CPU-seconds, the database
 * server's processes (postgres / mariadbd) and this run's moto_server. It tells, on a small shared machine, how much
 * of a vault backup's time is the emulator and the database server competing for the same cores as the pipeline.
 * Other engineers' work on the machine shows up in "machine" too: read it as an upper bound.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export interface CpuUse {
  /** CPU-seconds the whole machine was busy. */
  readonly machine: number;
  /** CPU-seconds of the database server's processes (backends included). */
  readonly dbServer: number;
  /** CPU-seconds of the moto_server the benchmark started. */
  readonly moto: number;
}

function machineBusyTicks(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const [, user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).map(Number);
  return user + nice + system + irq + softirq + steal;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process ended meanwhile
  }
}

/**
 * utime + stime + cutime + cstime ticks of the processes whose command name or command line matches: the children's
 * share counts the backends that ended meanwhile (the postmaster reaps them), e.g. the one that served pg_dump.
 */
function processTicks(match: (comm: string, cmdline: string) => boolean): number {
  let total = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = read(`/proc/${pid}/stat`);
    if (!stat) continue;
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = (read(`/proc/${pid}/cmdline`) ?? '').replaceAll('\0', ' ');
    if (match(comm, cmdline)) {
      total += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    }
  }
  return total;
}

/** Starts measuring; the returned function stops and returns what was used since. */
export function cpuMeter(engine: 'postgres' | 'mysql', motoPort: number): () => CpuUse {
  const dbComm = engine === 'postgres' ? 'postgres' : 'mariadbd';
  const isDb = (comm: string) => comm === dbComm;
  const isMoto = (_comm: string, cmdline: string) =>
    cmdline.includes('moto_server') && new RegExp(`-p ${motoPort}( |$)`).test(cmdline);
  const before = { machine: machineBusyTicks(), db: processTicks(isDb), moto: processTicks(isMoto) };
  return () => ({
    machine: (machineBusyTicks() - before.machine) / TICKS_PER_SECOND,
    dbServer: (processTicks(isDb) - before.db) / TICKS_PER_SECOND,
    moto: (processTicks(isMoto) - before.moto) / TICKS_PER_SECOND,
  });
}
