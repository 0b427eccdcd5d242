/**
 * One vault backup, in a process of its own (run as an esbuild bundle, as in production) so that its peak RSS is
 * the backup's and not the harness's:
 * the real PostgresDumpWriter / MysqlDumpWriter streaming into the real S3Vault on the emulator, with the part size
 * the product chooses (describe() → choosePartSize, as lambdas/app/backups/run-backup.ts does).
 *
 * Reads a VaultJob (JSON) on stdin, so the password is in neither argv nor the environment; prints one JSON line
 * (VaultRun) on stdout. An S3 client middleware records how long each S3 command took (including signing and the
 * flexible checksum), which is how the report tells the emulator's share of the time from the pipeline's.
 */
import { json } from 'node:stream/consumers';
import { createAwsClients } from '../../lambdas/adapters/aws/clients';
import { S3Vault } from '../../lambdas/adapters/aws/s3-vault';
import { MysqlDumpWriter } from '../../lambdas/adapters/dumps/mysql-writer';
import { PostgresDumpWriter } from '../../lambdas/adapters/dumps/postgres-writer';
import { choosePartSize } from '../../lambdas/domain/part-size';
import type { DumpResult } from '../../lambdas/ports/databases';

export interface VaultJob {
  readonly engine: 'postgres' | 'mysql';
  readonly connection: { host: string; port: number; database: string; username: string; password: string };
  readonly endpoint: string;
  readonly region: string;
  readonly bucket: string;
  readonly kmsKeyArn: string;
  readonly key: string;
}

export interface CommandTiming {
  count: number;
  totalMs: number;
  maxMs: number;
}

export interface VaultRun {
  /** describe() + choosePartSize + write(), as the product's run-backup does; excludes Node/tsx start-up. */
  readonly seconds: number;
  readonly describeSeconds: number;
  readonly estimateBytes: number;
  readonly partSize: number;
  readonly result: Pick<DumpResult, 'rawBytes' | 'storedBytes' | 'sha256' | 'object' | 'tables'>;
  /** process.resourceUsage().maxRSS, KiB: this process only (not pg_dump / mariadb-dump). */
  readonly maxRssKb: number;
  readonly cpuUserSeconds: number;
  readonly cpuSystemSeconds: number;
  /** Event-loop utilisation over the write (0–1): how busy the main JavaScript thread was. */
  readonly eventLoopUtilization: number;
  /** Peaks of process.memoryUsage() sampled every 100 ms during the write, MiB: where the RSS goes. */
  readonly memory: { rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number };
  /** maxRSS before describe() (modules loaded, nothing dumped yet), KiB. */
  readonly startRssKb: number;
  readonly s3: Record<string, CommandTiming>;
}

/** Samples process.memoryUsage() until stopped, keeping the peak of each figure. */
function sampleMemory(): () => VaultRun['memory'] {
  const peak = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
  const sample = () => {
    const now = process.memoryUsage();
    for (const key of Object.keys(peak) as (keyof typeof peak)[]) peak[key] = Math.max(peak[key], now[key] / 2 ** 20);
  };
  const timer = setInterval(sample, 100);
  return () => {
    clearInterval(timer);
    sample();
    return peak;
  };
}

async function main(): Promise<void> {
  const job = (await json(process.stdin)) as VaultJob;
  const clients = createAwsClients({
    region: job.region,
    endpoint: job.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const s3Timings: Record<string, CommandTiming> = {};
  clients.s3.middlewareStack.add(
    (next, context) => async (args) => {
      const started = performance.now();
      try {
        return await next(args);
      } finally {
        const ms = performance.now() - started;
        const name = context.commandName ?? '?';
        const timing = s3Timings[name] ?? { count: 0, totalMs: 0, maxMs: 0 };
        s3Timings[name] = timing;
        timing.count += 1;
        timing.totalMs += ms;
        timing.maxMs = Math.max(timing.maxMs, ms);
      }
    },
    { step: 'initialize', name: 'benchTiming' },
  );
  const vault = new S3Vault({ s3: clients.s3, bucket: job.bucket, kmsKeyArn: job.kmsKeyArn });
  const writer = job.engine === 'postgres' ? new PostgresDumpWriter({ vault }) : new MysqlDumpWriter({ vault });
  const connection = { engine: job.engine, ...job.connection };

  const startRssKb = process.resourceUsage().maxRSS;
  const stopSampling = sampleMemory();
  const cpuBefore = process.cpuUsage();
  const eluBefore = performance.eventLoopUtilization();
  const started = performance.now();
  const server = await writer.describe(connection);
  const described = performance.now();
  const partSize = choosePartSize(server.sizeBytes);
  const result = await writer.write({ connection, key: job.key, partSize });
  const finished = performance.now();
  const cpu = process.cpuUsage(cpuBefore);
  const elu = performance.eventLoopUtilization(eluBefore);
  const memory = stopSampling();

  const run: VaultRun = {
    seconds: (finished - started) / 1000,
    describeSeconds: (described - started) / 1000,
    estimateBytes: server.sizeBytes,
    partSize,
    result: {
      rawBytes: result.rawBytes,
      storedBytes: result.storedBytes,
      sha256: result.sha256,
      object: result.object,
      tables: result.tables,
    },
    maxRssKb: process.resourceUsage().maxRSS,
    cpuUserSeconds: cpu.user / 1e6,
    cpuSystemSeconds: cpu.system / 1e6,
    eventLoopUtilization: elu.utilization,
    memory,
    startRssKb,
    s3: s3Timings,
  };
  process.stdout.write(`${JSON.stringify(run)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`vault backup failed: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`);
  process.exitCode = 1;
});
