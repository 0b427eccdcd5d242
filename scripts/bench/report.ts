/** The benchmark's report: per-variant timings, CPU use and the vault runs' internals, as text lines. */
import type { CpuUse } from './cpu';
import type { Timed } from './measure';
import type { BenchDatabase } from './pg-data';
import type { VaultRun } from './vault-child';
import { GB, MB } from './words';

export type Engine = 'postgres' | 'mysql';
export type VaultMeasured = VaultRun & { wallSeconds: number; load: number; cpu: CpuUse };
export type Measured = Timed & { cpu: CpuUse };

export interface Variant {
  readonly name: string;
  readonly run: () => Promise<Measured>;
  readonly times: number[];
  /** CPU use of each run, in the order of times. */
  readonly cpu: CpuUse[];
  outputBytes?: number;
}

export interface EngineReport {
  readonly db: BenchDatabase;
  readonly variants: readonly Variant[];
  readonly vaultRuns: readonly VaultMeasured[];
  readonly small?: { db: BenchDatabase; run: VaultMeasured };
}

export const best = (variant: Variant) => Math.min(...variant.times);
export const peakRssMb = (runs: readonly VaultRun[]) => Math.max(...runs.map((r) => r.maxRssKb)) / 1024;

export function describeCpu(cpu: CpuUse, engine: Engine): string {
  const db = engine === 'postgres' ? 'postgres' : 'mariadbd';
  return `machine ${cpu.machine.toFixed(1)} CPU-s (${db} ${cpu.dbServer.toFixed(1)}, moto ${cpu.moto.toFixed(1)})`;
}

export function describeRun(run: VaultRun & { wallSeconds: number }): string {
  const s3 = Object.entries(run.s3)
    .map(([name, t]) => `${name} ${t.count}× avg ${(t.totalMs / t.count).toFixed(0)} ms (max ${t.maxMs.toFixed(0)})`)
    .join(', ');
  const { memory } = run;
  return [
    `${run.seconds.toFixed(1)} s (process ${run.wallSeconds.toFixed(1)} s)`,
    `raw ${(run.result.rawBytes / MB).toFixed(0)} MB → ${(run.result.storedBytes / MB).toFixed(0)} MB zstd`,
    `${run.result.object.partCount} × ${(run.partSize / MB).toFixed(0)} MiB parts`,
    `node CPU ${run.cpuUserSeconds.toFixed(1)}+${run.cpuSystemSeconds.toFixed(1)} s`,
    `event loop ${(run.eventLoopUtilization * 100).toFixed(0)} % busy`,
    `peak RSS ${(run.maxRssKb / 1024).toFixed(0)} MB (${(run.startRssKb / 1024).toFixed(0)} before the dump; ` +
      `heap ${memory.heapUsed.toFixed(0)}/${memory.heapTotal.toFixed(0)}, buffers ${memory.arrayBuffers.toFixed(0)} MB)`,
    `S3: ${s3}`,
  ].join(', ');
}

export function table(engine: Engine, report: EngineReport): string[] {
  const { db } = report;
  const lines = [
    `${db.name}: ${(db.sizeBytes / GB).toFixed(2)} GiB (database size); MB = 2^20 bytes; MB/s = database size / time`,
    `${'variant'.padEnd(46)}${'runs (s)'.padEnd(18)}${'best (s)'.padStart(9)}${'MB/s'.padStart(8)}  output`,
  ];
  for (const variant of report.variants) {
    const output = variant.outputBytes === undefined ? '/dev/null' : `${(variant.outputBytes / MB).toFixed(0)} MB`;
    const runs = variant.times.map((t) => t.toFixed(1)).join(', ');
    const rate = db.sizeBytes / MB / best(variant);
    lines.push(
      `${variant.name.padEnd(46)}${runs.padEnd(18)}${best(variant).toFixed(1).padStart(9)}${rate.toFixed(1).padStart(8)}  ${output}`,
    );
  }
  lines.push('CPU during the best run of each variant (whole machine incl. other work; 2 cores = 2 CPU-s per s):');
  for (const variant of report.variants) {
    const cpu = variant.cpu[variant.times.indexOf(best(variant))];
    if (cpu) lines.push(`  ${variant.name.padEnd(44)}${describeCpu(cpu, engine)}`);
  }
  report.vaultRuns.forEach((run, i) => {
    lines.push(`  vault run ${i + 1} (load ${run.load.toFixed(1)}): ${describeRun(run)}`);
  });
  if (report.small) {
    const { db: smallDb, run } = report.small;
    lines.push(
      `  peak RSS vs size: ${(smallDb.sizeBytes / GB).toFixed(2)} GiB → ${(run.maxRssKb / 1024).toFixed(0)} MB, ` +
        `${(db.sizeBytes / GB).toFixed(2)} GiB → ${peakRssMb(report.vaultRuns).toFixed(0)} MB`,
      `  small run: ${describeRun(run)}`,
    );
  }
  return lines;
}
