/**
 * `npm run bench:dump` (DESIGN.md §10): a vault backup against the stock tools, in one run, on generated databases.
 *
 *   PostgreSQL: vault backup (PostgresDumpWriter → zstd → SHA-256 → S3Vault multipart on moto) vs
 *               `pg_dump -Fc -Z0 > /dev/null` and vs the cron script `pg_dump | gzip > file`
 *   MariaDB:    vault backup (MysqlDumpWriter …) vs `mariadb-dump <same options> > /dev/null`
 *
 * Each variant runs BENCH_ROUNDS times (default 2), the order reversed every other round; the best time counts.
 * Ratios are time(baseline) / time(vault): above 1, the vault backup is faster. The vault backup's peak RSS is its
 * own process's maxRSS; it is also measured on a database a quarter the size, to show it does not grow with it.
 * Every stored backup is read back and checked (size, parts, SSE-KMS, SHA-256, decompressed size, row counts).
 *
 * Env: BENCH_PG_GB (2), BENCH_PG_SMALL_GB (¼ of it), BENCH_MYSQL_GB (1; 0 skips MariaDB), BENCH_MYSQL_SMALL_GB,
 * BENCH_ROUNDS (2), BENCH_MOTO_PORT (5700). Generated databases (strongbox_bench_pg_<size>, strongbox_bench_my_<size>)
 * are kept and reused. Progress goes to stderr; the report to stdout, its last line the PostgreSQL figures.
 */
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DbServer, startTestbed } from '../testbed/index';
import { cpuMeter } from './cpu';
import {
  bundleVaultChild,
  checkRows,
  mariadbDumpToNull,
  pgDumpGzip,
  pgDumpToNull,
  runVaultChild,
  type Timed,
  verifyStored,
} from './measure';
import { ensureMysqlDatabase, mysqlRowCounts } from './mysql-data';
import { type BenchDatabase, ensurePgDatabase, pgRowCounts, prewarmPg } from './pg-data';
import {
  best,
  describeCpu,
  describeRun,
  type Engine,
  type EngineReport,
  type Measured,
  peakRssMb,
  table,
  type Variant,
  type VaultMeasured,
} from './report';
import { type BenchVault, provisionVault } from './vault-env';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

function num(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`${name} must be a non-negative number, not ${value}`);
  return parsed;
}

let motoPort = 0;

async function withCpu(engine: Engine, work: () => Promise<Timed>): Promise<Measured> {
  const stop = cpuMeter(engine, motoPort);
  const timed = await work();
  return { ...timed, cpu: stop() };
}

let backupNumber = 0;
let vaultChild: Promise<string> | undefined;

/** One vault backup in a child process, then its end-to-end check and removal (moto keeps objects in memory). */
async function vaultBackup(engine: Engine, server: DbServer, v: BenchVault, db: BenchDatabase) {
  backupNumber += 1;
  const key = `tenants/bench/sources/src_${engine}/bkp_${process.pid}_${backupNumber}/data.${engine === 'postgres' ? 'dump' : 'sql'}.zst`;
  const load = loadavg()[0] ?? 0;
  const stopCpu = cpuMeter(engine, motoPort);
  vaultChild ??= bundleVaultChild(root);
  const run = await runVaultChild(await vaultChild, {
    engine,
    connection: {
      host: server.host,
      port: server.port,
      database: db.name,
      username: server.user,
      password: server.password,
    },
    endpoint: v.endpoint,
    region: v.region,
    bucket: v.bucket,
    kmsKeyArn: v.kmsKeyArn,
    key,
  });
  const cpu = stopCpu();
  await verifyStored(v, key, run, engine);
  checkRows(run, engine === 'postgres' ? await pgRowCounts(server, db.name) : await mysqlRowCounts(server, db.name));
  await v.vault.removeAllVersions(key);
  log(`  ${describeRun(run)}; ${describeCpu(cpu, engine)} — verified`);
  return { ...run, load, cpu } satisfies VaultMeasured;
}

async function benchEngine(
  engine: Engine,
  server: DbServer,
  v: BenchVault,
  db: BenchDatabase,
  small: BenchDatabase | undefined,
  rounds: number,
): Promise<EngineReport> {
  const vaultRuns: VaultMeasured[] = [];
  const vault: Variant = {
    name: 'vault backup (zstd, SHA-256, S3 multipart)',
    times: [],
    cpu: [],
    run: async () => {
      const run = await vaultBackup(engine, server, v, db);
      vaultRuns.push(run);
      return { seconds: run.seconds, outputBytes: run.result.storedBytes, cpu: run.cpu };
    },
  };
  const baseline = (name: string, work: () => Promise<Timed>): Variant => ({
    name,
    times: [],
    cpu: [],
    run: () => withCpu(engine, work),
  });
  const baselines =
    engine === 'postgres'
      ? [
          baseline('pg_dump -Fc -Z0 > /dev/null', () => pgDumpToNull(server, db.name)),
          baseline('pg_dump | gzip > file', () => pgDumpGzip(server, db.name)),
        ]
      : [baseline('mariadb-dump > /dev/null', () => mariadbDumpToNull(server, db.name))];
  const variants = [vault, ...baselines];
  if (engine === 'postgres') await prewarmPg(server, db.name);
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) {
      log(`${engine} round ${round + 1}/${rounds}: ${variant.name} (load ${loadavg()[0]?.toFixed(1)})`);
      const timed = await variant.run();
      variant.times.push(timed.seconds);
      variant.cpu.push(timed.cpu);
      if (timed.outputBytes !== undefined) variant.outputBytes = timed.outputBytes;
      log(`  ${timed.seconds.toFixed(1)} s; ${describeCpu(timed.cpu, engine)}`);
    }
  }
  let smallRun: EngineReport['small'];
  if (small) {
    if (engine === 'postgres') await prewarmPg(server, small.name);
    log(`${engine}: vault backup of the smaller ${small.name}, for peak RSS`);
    smallRun = { db: small, run: await vaultBackup(engine, server, v, small) };
  }
  return { db, variants, vaultRuns, ...(smallRun ? { small: smallRun } : {}) };
}

async function main(): Promise<void> {
  const pgGb = num('BENCH_PG_GB', 2);
  const pgSmallGb = num('BENCH_PG_SMALL_GB', pgGb / 4);
  const myGb = num('BENCH_MYSQL_GB', 1);
  const mySmallGb = num('BENCH_MYSQL_SMALL_GB', myGb / 4);
  const rounds = Math.max(1, Math.round(num('BENCH_ROUNDS', 2)));
  if (pgGb <= 0) throw new Error('BENCH_PG_GB must be above 0');

  const testbed = await startTestbed({
    motoPorts: [Math.round(num('BENCH_MOTO_PORT', 5700))],
    exclusiveMoto: true,
    log: (line) => log(`testbed: ${line}`),
  });
  const stopOnSignal = () => void testbed.stop().finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    const moto = testbed.info.moto[0];
    if (!moto) throw new Error('the test bed started no moto_server');
    motoPort = moto.port;
    const v = await provisionVault(root, moto.endpoint);
    log(`vault: bucket ${v.bucket} on ${moto.endpoint}, SSE-KMS ${v.kmsKeyArn}`);
    const { postgres, mysql } = testbed.info;
    // Everything is generated before anything is measured.
    const pgDb = await ensurePgDatabase(postgres, pgGb, log);
    const pgSmall = pgSmallGb > 0 ? await ensurePgDatabase(postgres, pgSmallGb, log) : undefined;
    const myDb = myGb > 0 ? await ensureMysqlDatabase(mysql, myGb, log) : undefined;
    const mySmall = myGb > 0 && mySmallGb > 0 ? await ensureMysqlDatabase(mysql, mySmallGb, log) : undefined;

    const myReport = myDb ? await benchEngine('mysql', mysql, v, myDb, mySmall, rounds) : undefined;
    const pgReport = await benchEngine('postgres', postgres, v, pgDb, pgSmall, rounds);

    const out: string[] = [`bench:dump — best of ${rounds} per variant, order reversed every other round`];
    if (myReport) {
      const [vault, dump] = myReport.variants as [Variant, Variant];
      out.push('', `MariaDB (${myReport.db.name})`, ...table('mysql', myReport));
      out.push(
        `mariadb_ratio_vs_dump=${(best(dump) / best(vault)).toFixed(2)} mariadb_peak_rss_mb=${peakRssMb(myReport.vaultRuns).toFixed(0)}`,
      );
    }
    const [vault, fc, gzip] = pgReport.variants as [Variant, Variant, Variant];
    out.push('', `PostgreSQL (${pgReport.db.name})`, ...table('postgres', pgReport));
    out.push(
      `ratio_vs_pg_dump=${(best(fc) / best(vault)).toFixed(2)} ratio_vs_gzip_script=${(best(gzip) / best(vault)).toFixed(2)} ` +
        `peak_rss_mb=${peakRssMb(pgReport.vaultRuns).toFixed(0)}`,
    );
    await testbed.stop();
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await testbed.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:dump failed: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`);
  process.exitCode = 1;
});
