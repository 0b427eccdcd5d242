/**
 * Shared by the vault and dump integration tests: what is left in the bucket, and how to read an object back.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import {
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createAwsClients } from '../../lambdas/adapters/aws/clients';
import { S3Vault } from '../../lambdas/adapters/aws/s3-vault';
import { startTool } from '../../lambdas/adapters/dumps/child-process';
import { mysqlOptionFile, pgpassFile } from '../../lambdas/adapters/dumps/credentials';
import { createDumpDecompressor } from '../../lambdas/adapters/dumps/zstd';
import type { DatabaseConnection } from '../../lambdas/ports/databases';
import { createTestResources, type TestResources } from '../support/aws-resources';
import { awsTestSettings, withMysql, withPostgres } from '../support/testbed';

export interface VaultFixture {
  readonly s3: S3Client;
  readonly resources: TestResources;
  readonly vault: S3Vault;
}

/** A fresh bucket and key on the (already reset) emulator, and a vault over them. */
export async function vaultFixture(): Promise<VaultFixture> {
  const clients = createAwsClients(awsTestSettings());
  const resources = await createTestResources(clients);
  const vault = new S3Vault({ s3: clients.s3, bucket: resources.bucket, kmsKeyArn: resources.keyArn });
  return { s3: clients.s3, resources, vault };
}

/** Keys of the multipart uploads still open in the bucket. */
export async function openUploads(s3: S3Client, bucket: string): Promise<string[]> {
  const page = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (page.Uploads ?? []).map((upload) => upload.Key ?? '');
}

/** Every version and delete marker in the bucket, as `key@versionId` (markers end in `#marker`). */
export async function allVersions(s3: S3Client, bucket: string): Promise<string[]> {
  const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  return [
    ...(page.Versions ?? []).map((v) => `${v.Key}@${v.VersionId}`),
    ...(page.DeleteMarkers ?? []).map((m) => `${m.Key}@${m.VersionId}#marker`),
  ];
}

export async function readObject(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return buffer(object.Body as Readable);
}

export async function decompress(bytes: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const decompressor = createDumpDecompressor();
  decompressor.on('data', (chunk: Buffer) => chunks.push(chunk));
  decompressor.end(bytes);
  await new Promise<void>((resolve, reject) => {
    decompressor.once('end', resolve);
    decompressor.once('error', reject);
  });
  return Buffer.concat(chunks);
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Runs a client tool (pg_restore, mariadb) with `input` on stdin; the password goes through a credentials file. */
async function feedTool(command: string, args: string[], env: Record<string, string>, input: Buffer, password: string) {
  const tool = startTool({
    command,
    args,
    env,
    stdin: 'pipe',
    secrets: [password],
    failure: (message) => new Error(message),
  });
  tool.stdout.resume();
  await Promise.all([pipeline(Readable.from([input]), tool.stdin as NodeJS.WritableStream), tool.wait()]);
}

/** Loads a plain pg_dump custom-format archive with the stock pg_restore, as a tenant would. */
export async function pgRestore(archive: Buffer, target: DatabaseConnection): Promise<void> {
  const credentials = await pgpassFile(target.password);
  try {
    const args = ['--no-owner', '--exit-on-error', `--host=${target.host}`, `--port=${target.port}`];
    args.push(`--username=${target.username}`, `--dbname=${target.database}`);
    await feedTool('pg_restore', args, { PGPASSFILE: credentials.path }, archive, target.password);
  } finally {
    await credentials.remove();
  }
}

/** Loads a SQL dump with the stock mariadb client, as a tenant would. */
export async function mariadbLoad(sql: Buffer, target: DatabaseConnection): Promise<void> {
  const credentials = await mysqlOptionFile(target.password);
  try {
    const args = [`--defaults-extra-file=${credentials.path}`, '--protocol=TCP', `--host=${target.host}`];
    args.push(`--port=${target.port}`, `--user=${target.username}`, target.database);
    await feedTool('mariadb', args, {}, sql, target.password);
  } finally {
    await credentials.remove();
  }
}

export interface TableFingerprint {
  readonly rows: number;
  readonly md5: string;
}

/** Row count and an order-independent digest of every user table (leaf tables: partitions, not parents). */
export async function pgFingerprints(database: string): Promise<Record<string, TableFingerprint>> {
  return withPostgres(database, async (client) => {
    const tables = await client.query<{ schema: string; name: string }>(
      `select n.nspname as schema, c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind = 'r' and n.nspname not in ('pg_catalog', 'information_schema') order by 1, 2`,
    );
    const result: Record<string, TableFingerprint> = {};
    for (const { schema, name } of tables.rows) {
      const id = `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(name)}`;
      const { rows } = await client.query<{ rows: string; md5: string }>(
        `select count(*) as rows, md5(coalesce(string_agg(t::text, E'\\n' order by t::text), '')) as md5 from only ${id} t`,
      );
      result[`${schema}.${name}`] = { rows: Number(rows[0]?.rows), md5: rows[0]?.md5 ?? '' };
    }
    return result;
  });
}

/** Row count and digest of every base table of a MariaDB database. */
export async function mysqlFingerprints(database: string): Promise<Record<string, TableFingerprint>> {
  return withMysql(database, async (conn) => {
    const [tables] = await conn.query(
      "select table_name as name from information_schema.tables where table_schema = database() and table_type = 'BASE TABLE' order by 1",
    );
    const result: Record<string, TableFingerprint> = {};
    for (const { name } of tables as { name: string }[]) {
      const [rows] = await conn.query(`select * from \`${name.replaceAll('`', '``')}\``);
      const lines = (rows as Record<string, unknown>[]).map((row) => JSON.stringify(row, jsonSafe)).sort();
      result[name] = { rows: lines.length, md5: createHash('md5').update(lines.join('\n')).digest('hex') };
    }
    return result;
  });
}

/** Dates and buffers are already JSON-able (toJSON runs first); bigints are not. */
function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
