import { randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { crc32 } from 'node:zlib';
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../lambdas/adapters/aws/clients';
import { MIB } from '../../lambdas/domain/part-size';
import { awsTestSettings, resetMoto } from '../support/testbed';
import { allVersions, openUploads, readObject, sha256, type VaultFixture, vaultFixture } from './dump-helpers';

const PART = 5 * MIB;
const KEY = 'tenants/acme/sources/src_1/bkp_1/data.dump.zst';

describe('S3Vault', () => {
  let f: VaultFixture;

  beforeEach(async () => {
    await resetMoto();
    f = await vaultFixture();
  });

  it('stores a streamed body as a multipart upload under SSE-KMS and reports its size and part count', async () => {
    // Prepare
    const bytes = randomBytes(12 * MIB);

    // Act
    const info = await f.vault.upload(KEY, Readable.from([bytes]), { partSize: PART, contentType: 'application/zstd' })
      .done;

    // Assess
    expect(info).toMatchObject({ key: KEY, bytes: bytes.length, partCount: 3 });
    const head = await f.s3.send(new HeadObjectCommand({ Bucket: f.resources.bucket, Key: KEY }));
    expect(head.ETag).toMatch(/-3"$/);
    expect(head.VersionId).toBe(info.versionId);
    expect(head.ServerSideEncryption).toBe('aws:kms');
    expect(head.SSEKMSKeyId).toBe(f.resources.keyArn);
    expect(sha256(await readObject(f.s3, f.resources.bucket, KEY))).toBe(sha256(bytes));
    expect(await openUploads(f.s3, f.resources.bucket)).toEqual([]);
  });

  it('stores a body smaller than one part with a single PUT (part count 1)', async () => {
    // Prepare
    const bytes = randomBytes(1000);

    // Act
    const info = await f.vault.upload(KEY, Readable.from([bytes]), { partSize: PART, contentType: 'application/zstd' })
      .done;

    // Assess
    expect(info).toMatchObject({ bytes: 1000, partCount: 1 });
    expect(await readObject(f.s3, f.resources.bucket, KEY)).toEqual(bytes);
  });

  it('aborts an upload in flight and leaves neither an open multipart upload nor an object', async () => {
    // Prepare: one full part is on its way, the stream is still open
    const body = new PassThrough();
    const upload = f.vault.upload(KEY, body, { partSize: PART, contentType: 'application/zstd' });
    body.write(randomBytes(PART + 1024));
    await waitFor(async () => (await openUploads(f.s3, f.resources.bucket)).length === 1);

    // Act
    await upload.abort();

    // Assess
    await expect(upload.done).rejects.toMatchObject({ name: 'VaultError' });
    expect(await openUploads(f.s3, f.resources.bucket)).toEqual([]);
    expect(await allVersions(f.s3, f.resources.bucket)).toEqual([]);
  });

  it('removes the object when the abort comes after the upload completed', async () => {
    // Prepare
    const upload = f.vault.upload(KEY, Readable.from([randomBytes(100)]), { partSize: PART, contentType: 'x/y' });
    await upload.done;

    // Act
    await upload.abort();
    await upload.abort();

    // Assess
    expect(await allVersions(f.s3, f.resources.bucket)).toEqual([]);
  });

  it('refuses a part size below 5 MiB and leaves nothing behind', async () => {
    // Act
    const upload = f.vault.upload(KEY, Readable.from([randomBytes(100)]), { partSize: MIB, contentType: 'x/y' });

    // Assess
    await expect(upload.done).rejects.toThrow(/at least S3's minimum of 5242880/);
    expect(await allVersions(f.s3, f.resources.bucket)).toEqual([]);
  });

  it('writes a manifest once and refuses to overwrite it (If-None-Match is enforced)', async () => {
    // Prepare
    const key = 'tenants/acme/sources/src_1/bkp_1/manifest.json';
    const first = await f.vault.putJsonOnce(key, '{"n":1}');

    // Act
    const second = f.vault.putJsonOnce(key, '{"n":2}');

    // Assess
    await expect(second).rejects.toMatchObject({ name: 'ConflictError', code: 'object_exists' });
    expect(first.versionId).toBeTruthy();
    expect(await f.vault.getText(key)).toBe('{"n":1}');
    expect(await allVersions(f.s3, f.resources.bucket)).toEqual([`${key}@${first.versionId}`]);
  });

  it('removes every version and delete marker of a key, and nothing under a longer key', async () => {
    // Prepare
    const bucket = f.resources.bucket;
    for (const body of ['v1', 'v2', 'v3'])
      await f.s3.send(new PutObjectCommand({ Bucket: bucket, Key: KEY, Body: body }));
    await f.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${KEY}.bak`, Body: 'keep' }));
    await f.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: KEY }));
    expect((await allVersions(f.s3, bucket)).filter((v) => v.startsWith(`${KEY}@`))).toHaveLength(4);

    // Act
    await f.vault.removeAllVersions(KEY);

    // Assess
    const left = await allVersions(f.s3, bucket);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(new RegExp(`^${KEY.replaceAll('.', '\\.')}\\.bak@`));
    expect(await f.vault.head(KEY)).toBeUndefined();
  });

  it('opens a pinned version even after the key was overwritten', async () => {
    // Prepare
    const old = await f.s3.send(new PutObjectCommand({ Bucket: f.resources.bucket, Key: KEY, Body: 'old bytes' }));
    await f.s3.send(new PutObjectCommand({ Bucket: f.resources.bucket, Key: KEY, Body: 'new bytes!' }));

    // Act
    const pinned = await f.vault.open(KEY, old.VersionId);
    const current = await f.vault.open(KEY);

    // Assess
    expect((await buffer(pinned.body)).toString()).toBe('old bytes');
    expect(pinned).toMatchObject({ bytes: 9, versionId: old.VersionId });
    expect((await buffer(current.body)).toString()).toBe('new bytes!');
    await expect(f.vault.getText('tenants/acme/missing')).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  it('hands out a pre-signed URL that downloads the exact bytes as an attachment, for at most 15 minutes', async () => {
    // Prepare
    const bytes = randomBytes(64 * 1024);
    const { versionId } = await f.vault.upload(KEY, Readable.from([bytes]), { partSize: PART, contentType: 'x/y' })
      .done;

    // Act
    const url = await f.vault.presignDownload(KEY, { expiresInSeconds: 900, fileName: 'bkp_1.dump.zst', versionId });
    const response = await fetch(url);

    // Assess
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes);
    const query = new URL(url).searchParams;
    expect(query.get('X-Amz-Expires')).toBe('900');
    expect(query.get('response-content-disposition')).toBe('attachment; filename="bkp_1.dump.zst"');
    // Only the host is signed: a browser can follow the link without sending any extra header.
    expect(query.get('X-Amz-SignedHeaders')).toBe('host');
    await expect(f.vault.presignDownload(KEY, { expiresInSeconds: 901, fileName: 'a.zst' })).rejects.toMatchObject({
      name: 'ValidationError',
    });
    await expect(
      f.vault.presignDownload(KEY, { expiresInSeconds: 60, fileName: 'a"\r\nSet-Cookie: x' }),
    ).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it("sends the SDK's default CRC32 request checksums, which the emulator stores and returns (R17)", async () => {
    // Prepare
    const bytes = randomBytes(3000);
    const expected = Buffer.alloc(4);
    expected.writeUInt32BE(crc32(bytes));

    // Act
    await f.vault.upload(KEY, Readable.from([bytes]), { partSize: PART, contentType: 'x/y' }).done;
    const head = await f.s3.send(
      new HeadObjectCommand({ Bucket: f.resources.bucket, Key: KEY, ChecksumMode: 'ENABLED' }),
    );

    // Assess: the checksum arrived with the PUT; GetObject validates it on the way back (no error while reading)
    expect(head.ChecksumCRC32).toBe(expected.toString('base64'));
    expect(await readObject(f.s3, f.resources.bucket, KEY)).toEqual(bytes);
  });

  it('is not protected by request checksums on the emulator: moto 5.2.1 stores a body whose CRC32 is wrong (R17 gap)', async () => {
    // Prepare: a fault injected into the client rewrites the checksum header after the SDK computed it
    const { s3 } = createAwsClients(awsTestSettings());
    let rewritten = false;
    s3.middlewareStack.add(
      (next) => async (args) => {
        const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
        if (headers['x-amz-checksum-crc32']) {
          headers['x-amz-checksum-crc32'] = 'AAAAAA==';
          rewritten = true;
        }
        return next(args);
      },
      { step: 'finalizeRequest', name: 'corruptChecksum' },
    );

    // Act
    const put = s3.send(new PutObjectCommand({ Bucket: f.resources.bucket, Key: KEY, Body: 'hello' }));

    // Assess: real S3 answers BadDigest; the emulator stores it — only Strongbox's own SHA-256 catches corruption here
    await expect(put).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
    expect(rewritten).toBe(true);
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: f.resources.bucket, Key: KEY, ChecksumMode: 'ENABLED' }),
    );
    expect(head.ChecksumCRC32).toBe('AAAAAA==');
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
