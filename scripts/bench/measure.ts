/**
 * The measured variants: the vault backup (a child process, vault-child.ts) and the baselines (the stock tools in a
 * shell, as a cron script would run them), plus the end-to-end check of every stored backup.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { build } from 'esbuild';
import { ESM_REQUIRE_BANNER, EXTERNAL_MODULES, MAIN_FIELDS, NODE_TARGET } from '../../infra/bundling';
import { partCountFromETag } from '../../lambdas/adapters/aws/s3-vault';
import { MYSQL_DUMP_OPTIONS } from '../../lambdas/adapters/dumps/mysql-writer';
import { createDumpDecompressor } from '../../lambdas/adapters/dumps/zstd';
import { expectedPartCount } from '../../lambdas/domain/part-size';
import type { DbServer } from '../testbed/index';
import type { VaultJob, VaultRun } from './vault-child';
import type { BenchVault } from './vault-env';

export interface Timed {
  readonly seconds: number;
  /** Bytes the variant wrote where that is known (a file), else undefined. */
  readonly outputBytes?: number;
}

/** Runs a bash script (pipefail), discarding stdout; rejects with the stderr tail on a non-zero exit. */
async function timeShell(script: string, env: Record<string, string>): Promise<number> {
  const started = performance.now();
  const child = spawn('bash', ['-c', `set -o pipefail; ${script}`], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`baseline failed (exit ${code}): ${script}\n${stderr}`);
  return (performance.now() - started) / 1000;
}

const quote = (value: string | number) => `'${String(value).replaceAll("'", `'\\''`)}'`;

function pgArgs(server: DbServer, database: string): string {
  return `--host=${quote(server.host)} --port=${server.port} --username=${quote(server.user)} --dbname=${quote(database)}`;
}

/** `pg_dump -Fc -Z0 > /dev/null`: the ceiling (the dump tool alone, no compression, no storage). */
export async function pgDumpToNull(server: DbServer, database: string): Promise<Timed> {
  const seconds = await timeShell(`pg_dump -Fc -Z0 ${pgArgs(server, database)} > /dev/null`, {
    PGPASSWORD: server.password,
  });
  return { seconds };
}

/** The classic cron script: plain-format `pg_dump | gzip > file` (gzip -6, single-threaded). */
export async function pgDumpGzip(server: DbServer, database: string): Promise<Timed> {
  const dir = mkdtempSync(join(tmpdir(), 'strongbox-bench-'));
  const file = join(dir, `${database}.sql.gz`);
  try {
    const seconds = await timeShell(`pg_dump ${pgArgs(server, database)} | gzip > ${quote(file)}`, {
      PGPASSWORD: server.password,
    });
    return { seconds, outputBytes: statSync(file).size };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `mariadb-dump <the product's options> > /dev/null`: the same dump the vault stores, without compression or storage. */
export async function mariadbDumpToNull(server: DbServer, database: string): Promise<Timed> {
  const dir = mkdtempSync(join(tmpdir(), 'strongbox-bench-'));
  const options = join(dir, 'client.cnf');
  writeFileSync(options, `[client]\npassword=${server.password}\n`, { mode: 0o600 });
  try {
    const args = [
      `--defaults-extra-file=${quote(options)}`,
      '--protocol=TCP',
      `--host=${quote(server.host)}`,
      `--port=${server.port}`,
      `--user=${quote(server.user)}`,
      ...MYSQL_DUMP_OPTIONS,
      quote(database),
    ];
    return { seconds: await timeShell(`mariadb-dump ${args.join(' ')} > /dev/null`, {}) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * vault-child.ts bundled with the handlers' esbuild settings (infra/bundling.ts): in production the backup runs as
 * such a bundle, so that is what is measured (tsx alone adds ~15 MB of resident memory to the process).
 */
export async function bundleVaultChild(root: string): Promise<string> {
  const outfile = join(root, '.strongbox', 'bench', 'vault-child.mjs');
  await build({
    absWorkingDir: root,
    entryPoints: ['scripts/bench/vault-child.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: NODE_TARGET,
    mainFields: [...MAIN_FIELDS],
    external: [...EXTERNAL_MODULES],
    banner: { js: ESM_REQUIRE_BANNER },
    minify: true,
    logLevel: 'warning',
  });
  return outfile;
}

/** Runs the bundled vault child in its own Node process and returns its report and its wall time (with start-up). */
export async function runVaultChild(bundle: string, job: VaultJob): Promise<VaultRun & { wallSeconds: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [bundle], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  child.stdin.end(JSON.stringify(job));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const line = stdout.trim().split('\n').pop() ?? '';
  if (code !== 0 || !line.startsWith('{')) throw new Error(`the vault backup failed (exit ${code}):\n${stderr}`);
  return { ...(JSON.parse(line) as VaultRun), wallSeconds };
}

/** Counts, hashes and keeps the first and last bytes of a stream it passes through. */
class Probe extends Transform {
  bytes = 0;
  head = Buffer.alloc(0);
  tail = Buffer.alloc(0);
  readonly hash = createHash('sha256');

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    if (this.head.length < 64) this.head = Buffer.concat([this.head, chunk.subarray(0, 64 - this.head.length)]);
    this.tail = Buffer.concat([this.tail, chunk]).subarray(-256);
    callback(null, chunk);
  }
}

/**
 * The stored backup is what the run reported: the object version exists, with the streamed size, the part count
 * the part size implies, SSE-KMS under the data key, the streamed SHA-256; it decompresses (zstd frame checksums
 * included) to exactly rawBytes of a complete dump; and no multipart upload was left open. Throws otherwise.
 */
export async function verifyStored(v: BenchVault, key: string, run: VaultRun, engine: 'postgres' | 'mysql') {
  const { result } = run;
  const versionId = result.object.versionId;
  const head = await v.s3.send(new HeadObjectCommand({ Bucket: v.bucket, Key: key, VersionId: versionId }));
  const problems: string[] = [];
  if (head.ContentLength !== result.storedBytes) {
    problems.push(`ContentLength ${head.ContentLength} ≠ storedBytes ${result.storedBytes}`);
  }
  const parts = partCountFromETag(head.ETag);
  if (parts !== expectedPartCount(result.storedBytes, run.partSize) || parts !== result.object.partCount) {
    problems.push(`ETag says ${parts} parts, expected ${expectedPartCount(result.storedBytes, run.partSize)}`);
  }
  if (head.ServerSideEncryption !== 'aws:kms' || !v.kmsKeyArn.endsWith(head.SSEKMSKeyId?.split('/').pop() ?? '-')) {
    problems.push(`encryption ${head.ServerSideEncryption} ${head.SSEKMSKeyId} is not SSE-KMS under the data key`);
  }
  const object = await v.s3.send(new GetObjectCommand({ Bucket: v.bucket, Key: key, VersionId: versionId }));
  const stored = new Probe();
  const raw = new Probe();
  await pipeline(object.Body as Readable, stored, createDumpDecompressor(), raw, async (source) => {
    for await (const _ of source);
  });
  const sha256 = stored.hash.digest('hex');
  if (stored.bytes !== result.storedBytes) problems.push(`read ${stored.bytes} bytes, stored ${result.storedBytes}`);
  if (sha256 !== result.sha256) problems.push(`SHA-256 of the object ${sha256} ≠ reported ${result.sha256}`);
  if (raw.bytes !== result.rawBytes) problems.push(`decompressed to ${raw.bytes} bytes, raw ${result.rawBytes}`);
  if (engine === 'postgres' && raw.head.subarray(0, 5).toString() !== 'PGDMP') problems.push('no PGDMP header');
  if (engine === 'mysql' && !raw.tail.toString('latin1').includes('-- Dump completed')) {
    problems.push('the SQL dump does not end with "-- Dump completed"');
  }
  const open = await v.s3.send(new ListMultipartUploadsCommand({ Bucket: v.bucket, Prefix: key }));
  if ((open.Uploads ?? []).length > 0) problems.push(`${open.Uploads?.length} multipart upload(s) left open`);
  if (problems.length > 0)
    throw new Error(`the stored backup ${key} is not what was reported:\n- ${problems.join('\n- ')}`);
  return { sha256, storedBytes: stored.bytes, rawBytes: raw.bytes, parts };
}

/** Rows the writer reported per table must equal count(*) (the dump is a snapshot of an idle database). */
export function checkRows(run: VaultRun, counted: Record<string, number>): void {
  for (const [table, rows] of Object.entries(counted)) {
    const reported = run.result.tables.find((t) => t.name === table)?.rows;
    if (reported !== rows) throw new Error(`rows of ${table}: the backup reports ${reported}, count(*) is ${rows}`);
  }
}
