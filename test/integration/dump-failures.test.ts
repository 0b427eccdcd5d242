import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetBucketLifecycleConfigurationCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../lambdas/adapters/aws/clients';
import { S3Vault } from '../../lambdas/adapters/aws/s3-vault';
import { DUMP_APPLICATION_NAME, PostgresDumpWriter } from '../../lambdas/adapters/dumps/postgres-writer';
import { MIB } from '../../lambdas/domain/part-size';
import {
  awsTestSettings,
  createPostgresDatabase,
  resetMoto,
  type TestDatabase,
  withPostgres,
} from '../support/testbed';
import { allVersions, openUploads, type VaultFixture, vaultFixture } from './dump-helpers';

const PART = 5 * MIB;
const KEY = 'tenants/acme/sources/src_1/bkp_1/data.dump.zst';

describe('PostgresDumpWriter failures', () => {
  let big: TestDatabase;
  let f: VaultFixture;
  let credentialsDir: string;
  const originalTmpdir = process.env.TMPDIR;

  beforeAll(async () => {
    // 40 MiB of random bytea: ~80 MB of hex in the dump, several seconds through the emulator
    big = await createPostgresDatabase('sbfail');
    await withPostgres(big.name, async (client) => {
      await client.query('create table blobs (id int, data bytea)');
      for (let i = 0; i < 40; i++) await client.query('insert into blobs values ($1, $2)', [i, randomBytes(MIB)]);
    });
  });

  afterAll(async () => {
    await big?.drop();
  });

  beforeEach(async () => {
    await resetMoto();
    f = await vaultFixture();
    // Credentials files go under TMPDIR: a private one per test shows they are all removed.
    credentialsDir = await mkdtemp(join(tmpdir(), 'sbcred-test-'));
    process.env.TMPDIR = credentialsDir;
  });

  afterEach(async () => {
    process.env.TMPDIR = originalTmpdir;
    if (originalTmpdir === undefined) delete process.env.TMPDIR;
    await rm(credentialsDir, { recursive: true, force: true });
  });

  async function assertNothingLeft(): Promise<void> {
    expect(await openUploads(f.s3, f.resources.bucket)).toEqual([]);
    expect(await allVersions(f.s3, f.resources.bucket)).toEqual([]);
    expect(await readdir(credentialsDir)).toEqual([]);
  }

  it('fails with the tool’s stderr (and not the password) when the password is wrong, leaving nothing', async () => {
    // Prepare
    const password = `wrong-${randomBytes(6).toString('hex')}`;
    const writer = new PostgresDumpWriter({ vault: f.vault });

    // Act
    const write = writer.write({ connection: { ...big.connection, password }, key: KEY, partSize: PART });

    // Assess
    const error = (await write.then(
      () => new Error('the dump succeeded'),
      (e: unknown) => e,
    )) as Error;
    expect(error).toMatchObject({ name: 'DumpFailedError', code: 'dump_failed' });
    expect(error.message).toMatch(/^pg_dump exited with code 1: .*password authentication failed/s);
    expect(error.message).not.toContain(password);
    await assertNothingLeft();
    await expect(writer.describe({ ...big.connection, password })).rejects.toMatchObject({
      name: 'DumpFailedError',
      message: expect.stringMatching(/password authentication failed/),
    });
  });

  it('fails clearly when the host does not answer, leaving nothing', async () => {
    // Prepare: nothing listens on port 1
    const writer = new PostgresDumpWriter({ vault: f.vault });

    // Act
    const write = writer.write({ connection: { ...big.connection, port: 1 }, key: KEY, partSize: PART });

    // Assess
    await expect(write).rejects.toMatchObject({
      name: 'DumpFailedError',
      message: expect.stringMatching(/pg_dump exited with code 1: .*(Connection refused|could not connect)/s),
    });
    await assertNothingLeft();
  });

  it('fails clearly when pg_dump is not installed, leaving nothing', async () => {
    // Prepare
    const writer = new PostgresDumpWriter({ vault: f.vault, pgDump: '/nonexistent/bin/pg_dump' });

    // Act
    const write = writer.write({ connection: big.connection, key: KEY, partSize: PART });

    // Assess
    await expect(write).rejects.toMatchObject({
      name: 'DumpFailedError',
      message: expect.stringMatching(/^pg_dump is not available: .*ENOENT/),
    });
    await assertNothingLeft();
  });

  it('fails with VaultError and aborts the upload when UploadPart fails permanently from part 2 (R1, fault injected into the S3 client)', async () => {
    // Prepare: every UploadPart from part 2 on fails as S3 would with a 500
    const { s3 } = createAwsClients(awsTestSettings());
    let failedParts = 0;
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { PartNumber?: number };
        if (context.commandName === 'UploadPartCommand' && (input.PartNumber ?? 0) >= 2) {
          failedParts++;
          throw Object.assign(new Error('We encountered an internal error. Please try again.'), {
            name: 'InternalError',
            $metadata: { httpStatusCode: 500 },
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'failUploadPartFromTwo' },
    );
    const vault = new S3Vault({ s3, bucket: f.resources.bucket, kmsKeyArn: f.resources.keyArn });
    const writer = new PostgresDumpWriter({ vault });

    // Act
    const write = writer.write({ connection: big.connection, key: KEY, partSize: PART });

    // Assess
    await expect(write).rejects.toMatchObject({
      name: 'VaultError',
      message: expect.stringMatching(/internal error/),
    });
    expect(failedParts).toBeGreaterThan(0);
    await assertNothingLeft();
    const running = await withPostgres('postgres', (client) =>
      client.query('select 1 from pg_stat_activity where application_name = $1 and datname = $2', [
        DUMP_APPLICATION_NAME,
        big.name,
      ]),
    );
    expect(running.rowCount).toBe(0);
    // Belt and braces for any upload an abort could still miss: the vault expires incomplete uploads after a day.
    const lifecycle = await f.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: f.resources.bucket }));
    expect(lifecycle.Rules).toContainEqual(
      expect.objectContaining({ Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
    );
  });

  it('rejects and removes an object that lost a part on completion (fault injected into the S3 client: aws-sdk-js-v3#2311)', async () => {
    // Prepare: CompleteMultipartUpload is sent without the last part, as a library that swallowed a part error would
    const { s3 } = createAwsClients(awsTestSettings());
    let droppedPart: number | undefined;
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { MultipartUpload?: { Parts?: { PartNumber?: number }[] } };
        const parts = input.MultipartUpload?.Parts;
        if (context.commandName === 'CompleteMultipartUploadCommand' && parts && parts.length > 1) {
          droppedPart = parts.pop()?.PartNumber;
        }
        return next(args);
      },
      { step: 'initialize', name: 'dropLastPartOnComplete' },
    );
    const vault = new S3Vault({ s3, bucket: f.resources.bucket, kmsKeyArn: f.resources.keyArn });
    const writer = new PostgresDumpWriter({ vault });

    // Act
    const write = writer.write({ connection: big.connection, key: KEY, partSize: PART });

    // Assess
    await expect(write).rejects.toMatchObject({
      name: 'VaultError',
      message: expect.stringMatching(/^the stored object has \d+ bytes but \d+ were streamed$/),
    });
    expect(droppedPart).toBeGreaterThan(1);
    await assertNothingLeft();
  });

  it('fails with DumpFailedError when the dump dies mid-stream while S3 accepts every byte (R3)', async () => {
    // Prepare
    const writer = new PostgresDumpWriter({ vault: f.vault });
    const write = writer.write({ connection: big.connection, key: KEY, partSize: PART });
    write.catch(() => undefined);
    await waitForFirstPart(f);

    // Act: the server ends the dump's session once data is already in S3
    const terminated = await withPostgres('postgres', (client) =>
      client.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and datname = $2',
        [DUMP_APPLICATION_NAME, big.name],
      ),
    );

    // Assess
    expect(terminated.rowCount).toBe(1);
    await expect(write).rejects.toMatchObject({
      name: 'DumpFailedError',
      // PQgetCopyData() or, if the server ended the session after the last row, PQgetResult()
      message: expect.stringMatching(/^pg_dump exited with code 1: .*Dumping the contents of table "blobs" failed/s),
    });
    await assertNothingLeft();
  });
});

/** Waits until the upload for KEY has at least one part stored. */
async function waitForFirstPart(f: VaultFixture): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const uploads = await f.s3.send(new ListMultipartUploadsCommand({ Bucket: f.resources.bucket }));
    const upload = uploads.Uploads?.find((u) => u.Key === KEY);
    if (upload?.UploadId) {
      const parts = await f.s3.send(
        new ListPartsCommand({ Bucket: f.resources.bucket, Key: KEY, UploadId: upload.UploadId }),
      );
      if ((parts.Parts ?? []).length > 0) return;
    }
    if (Date.now() > deadline) throw new Error('no part was uploaded in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
