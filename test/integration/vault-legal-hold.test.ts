import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
} from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { S3Vault } from '../../lambdas/adapters/aws/s3-vault';
import { resetMoto } from '../support/testbed';
import { allVersions, type VaultFixture, vaultFixture } from './dump-helpers';

const KEY = 'tenants/acme/sources/src_1/bkp_1/data.dump.zst';
/** Far beyond the machine's clock (which may itself be years ahead of the calendar). */
const FAR = '2099-02-03T04:05:06.000Z';
const FARTHER = '2099-12-31T23:59:59.000Z';
const PAST = '2020-01-01T00:00:00.000Z';

/**
 * The vault's S3 Object Lock on the emulator (moto 5.2.1): legal holds and retention per version, read back through
 * HeadObject, and deletions that S3 refuses. The bucket is the data stack's, provisioned from the synthesized template
 * (Object Lock always enabled, no default retention in the local config).
 */
describe('S3Vault Object Lock', () => {
  let f: VaultFixture;

  beforeEach(async () => {
    await resetMoto();
    f = await vaultFixture();
  });

  const put = async (body: string, key = KEY) =>
    (await f.s3.send(new PutObjectCommand({ Bucket: f.resources.bucket, Key: key, Body: body }))).VersionId as string;
  const hold = (versionId: string, status: 'ON' | 'OFF') =>
    f.s3.send(
      new PutObjectLegalHoldCommand({
        Bucket: f.resources.bucket,
        Key: KEY,
        VersionId: versionId,
        LegalHold: { Status: status },
      }),
    );
  const retain = (versionId: string, mode: 'GOVERNANCE' | 'COMPLIANCE', until: string) =>
    f.s3.send(
      new PutObjectRetentionCommand({
        Bucket: f.resources.bucket,
        Key: KEY,
        VersionId: versionId,
        Retention: { Mode: mode, RetainUntilDate: new Date(until) },
      }),
    );
  const versionsOfKey = async () =>
    (await allVersions(f.s3, f.resources.bucket)).filter((entry) => entry.startsWith(`${KEY}@`));

  it('is provisioned with Object Lock enabled and no default retention, as the template says', async () => {
    // Act
    const config = await f.s3.send(new GetObjectLockConfigurationCommand({ Bucket: f.resources.bucket }));

    // Assess
    expect(config.ObjectLockConfiguration?.ObjectLockEnabled).toBe('Enabled');
    expect(config.ObjectLockConfiguration?.Rule).toBeUndefined();
  });

  it('provisions again over the existing vault (local mode restarts) without touching its lock or objects', async () => {
    // Prepare
    await put('kept');
    await f.vault.setLegalHold(KEY, true);

    // Act
    const again = await vaultFixture();

    // Assess
    const config = await f.s3.send(new GetObjectLockConfigurationCommand({ Bucket: again.resources.bucket }));
    expect(again.resources.bucket).toBe(f.resources.bucket);
    expect(config.ObjectLockConfiguration?.ObjectLockEnabled).toBe('Enabled');
    expect(await again.vault.protection(KEY)).toStrictEqual({ legalHold: true });
  });

  it('places and releases a legal hold on every version, and protection() reflects it', async () => {
    // Prepare
    const versions = [await put('v1'), await put('v2'), await put('v3')];
    const before = await f.vault.protection(KEY);

    // Act
    await f.vault.setLegalHold(KEY, true);
    const held = await f.vault.protection(KEY);
    const heldHeads = await Promise.all(versions.map((versionId) => headOf(f, versionId)));
    await f.vault.setLegalHold(KEY, false);
    const released = await f.vault.protection(KEY);
    const releasedHeads = await Promise.all(versions.map((versionId) => headOf(f, versionId)));

    // Assess
    expect(before).toStrictEqual({ legalHold: false });
    expect(held).toStrictEqual({ legalHold: true });
    expect(heldHeads.map((head) => head.ObjectLockLegalHoldStatus)).toEqual(['ON', 'ON', 'ON']);
    expect(released).toStrictEqual({ legalHold: false });
    expect(releasedHeads.map((head) => head.ObjectLockLegalHoldStatus)).toEqual(['OFF', 'OFF', 'OFF']);
  });

  it('reports a legal hold on any version, and the latest retain-until date over the versions with its mode', async () => {
    // Prepare
    const [older, middle] = [await put('v1'), await put('v2')];
    await put('v3');
    await hold(older, 'ON');
    await retain(older, 'GOVERNANCE', FAR);
    await retain(middle, 'COMPLIANCE', FARTHER);
    await f.s3.send(new DeleteObjectCommand({ Bucket: f.resources.bucket, Key: KEY })); // a delete marker on top

    // Act
    const protection = await f.vault.protection(KEY);

    // Assess
    expect(protection).toStrictEqual({ legalHold: true, retainUntil: FARTHER, mode: 'COMPLIANCE' });
  });

  it('reflects a retention date set with PutObjectRetention, a past one too (the caller compares with its clock)', async () => {
    // Prepare
    const versionId = await put('locked');

    // Act
    await retain(versionId, 'GOVERNANCE', FAR);
    const future = await f.vault.protection(KEY);
    await retain(versionId, 'GOVERNANCE', PAST);
    const past = await f.vault.protection(KEY);

    // Assess
    expect(future).toStrictEqual({ legalHold: false, retainUntil: FAR, mode: 'GOVERNANCE' });
    expect(past).toStrictEqual({ legalHold: false, retainUntil: PAST, mode: 'GOVERNANCE' });
  });

  it('reports nothing for a key without versions, or with only a delete marker, and a longer key is not it', async () => {
    // Prepare
    await put('other', `${KEY}.bak`);
    await f.s3.send(new DeleteObjectCommand({ Bucket: f.resources.bucket, Key: KEY })); // a delete marker, no data

    // Act
    const [absent, onlyMarker] = [
      await f.vault.protection('tenants/acme/sources/src_1/bkp_9/data.dump.zst'),
      await f.vault.protection(KEY),
    ];
    const setOnAbsent = f.vault.setLegalHold('tenants/acme/missing', true);

    // Assess
    expect(absent).toBeUndefined();
    expect(onlyMarker).toBeUndefined();
    await expect(setOnAbsent).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  it('refuses to remove an object under legal hold with DeletionBlockedError (legal_hold) and keeps it readable', async () => {
    // Prepare
    await put('evidence');
    await f.vault.setLegalHold(KEY, true);
    const before = await versionsOfKey();

    // Act
    const removal = f.vault.removeAllVersions(KEY);

    // Assess
    await expect(removal).rejects.toMatchObject({ name: 'DeletionBlockedError', reason: 'legal_hold' });
    expect(await f.vault.getText(KEY)).toBe('evidence');
    expect(await versionsOfKey()).toEqual(before);
  });

  it('refuses to remove an object under retention with DeletionBlockedError (locked) and keeps it readable', async () => {
    // Prepare
    await retain(await put('retained'), 'GOVERNANCE', FAR);

    // Act
    const removal = f.vault.removeAllVersions(KEY);

    // Assess
    await expect(removal).rejects.toMatchObject({
      name: 'DeletionBlockedError',
      reason: 'locked',
      message: expect.stringContaining(`until ${FAR}`),
    });
    expect(await f.vault.getText(KEY)).toBe('retained');
  });

  it('deletes the unprotected versions of a batch and keeps the held one (callers check protection() first)', async () => {
    // Prepare
    const older = await put('held');
    await put('free');
    await hold(older, 'ON');

    // Act
    const removal = f.vault.removeAllVersions(KEY);

    // Assess
    await expect(removal).rejects.toMatchObject({ name: 'DeletionBlockedError', reason: 'legal_hold' });
    expect(await versionsOfKey()).toEqual([`${KEY}@${older}`]);
    expect(await f.vault.getText(KEY)).toBe('held');
  });

  it('removes every version once the hold is released and the retention has passed', async () => {
    // Prepare
    const versionId = await put('was protected');
    await f.vault.setLegalHold(KEY, true);
    await retain(versionId, 'GOVERNANCE', PAST);
    await f.vault.setLegalHold(KEY, false);

    // Act
    await f.vault.removeAllVersions(KEY);

    // Assess
    expect(await versionsOfKey()).toEqual([]);
    expect(await f.vault.protection(KEY)).toBeUndefined();
  });

  it('fails with VaultError when the bucket has no Object Lock (never the vault: infra always enables it)', async () => {
    // Prepare
    const bucket = 'plain-versioned';
    await f.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await f.s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await f.s3.send(new PutObjectCommand({ Bucket: bucket, Key: KEY, Body: 'x' }));
    const plain = new S3Vault({ s3: f.s3, bucket, kmsKeyArn: f.resources.keyArn });

    // Act
    const placing = plain.setLegalHold(KEY, true);

    // Assess
    await expect(placing).rejects.toMatchObject({
      name: 'VaultError',
      message: expect.stringContaining('Bucket is missing ObjectLockConfiguration'),
    });
    expect(await plain.protection(KEY)).toStrictEqual({ legalHold: false });
  });

  it('emulator gap: moto 5.2.1 has no GetObjectRetention (the request reads the object instead), so HeadObject is used', async () => {
    // Prepare
    const versionId = await put('locked');
    await retain(versionId, 'GOVERNANCE', FAR);

    // Act
    const retention = f.s3.send(
      new GetObjectRetentionCommand({ Bucket: f.resources.bucket, Key: KEY, VersionId: versionId }),
    );

    // Assess: real S3 answers with the retention; HeadObject carries the same facts on both
    await expect(retention).rejects.toThrow(/XML parse error|Deserialization error/);
    expect((await headOf(f, versionId)).ObjectLockRetainUntilDate?.toISOString()).toBe(FAR);
  });

  it('emulator gap: moto 5.2.1 lets a COMPLIANCE retention be shortened (real S3 refuses), so it unlocks in tests', async () => {
    // Prepare
    const versionId = await put('compliance');
    await retain(versionId, 'COMPLIANCE', FAR);

    // Act
    const shortened = retain(versionId, 'COMPLIANCE', PAST);

    // Assess
    await expect(shortened).resolves.toBeDefined();
    expect(await f.vault.protection(KEY)).toStrictEqual({ legalHold: false, retainUntil: PAST, mode: 'COMPLIANCE' });
    await f.vault.removeAllVersions(KEY);
    expect(await versionsOfKey()).toEqual([]);
  });
});

function headOf(f: VaultFixture, versionId: string) {
  return f.s3.send(new HeadObjectCommand({ Bucket: f.resources.bucket, Key: KEY, VersionId: versionId }));
}
