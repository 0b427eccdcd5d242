import {
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectVersionsCommand,
  PutObjectLegalHoldCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { DeletionBlockedError, NotFoundError, VaultError } from '../../domain/errors';
import type { VaultProtection } from '../../ports/vault';

/**
 * S3 Object Lock on the vault (the bucket always has Object Lock enabled; a default retention is optional):
 * reading a key's lock state over all its versions, legal holds, and telling an Object Lock refusal from other
 * failures when versions are deleted.
 *
 * The lock state is read with HeadObject per version (ObjectLockMode, ObjectLockRetainUntilDate,
 * ObjectLockLegalHoldStatus): moto has no GetObjectRetention (DESIGN.md §8), and HeadObject answers both questions in
 * one call. In AWS, S3 only returns those headers to a caller with s3:GetObjectRetention and s3:GetObjectLegalHold;
 * without them every version reads as unprotected — a deletion is then still refused by S3 and reported as
 * DeletionBlockedError, but the pruner's check beforehand would not see it.
 */

/** One page of ListObjectVersions narrowed to exactly one key (a prefix listing also returns longer keys). */
export interface KeyVersionPage {
  /** Object versions (data), newest first. */
  readonly versions: readonly string[];
  readonly deleteMarkers: readonly string[];
}

export function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : undefined;
}

export function httpStatus(error: unknown): number | undefined {
  const metadata = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata;
  return metadata?.httpStatusCode;
}

export function isNotFound(error: unknown): boolean {
  return ['NotFound', 'NoSuchKey', 'NoSuchVersion'].includes(errorName(error) ?? '') || httpStatus(error) === 404;
}

export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** S3 refuses to delete a locked or held version with AccessDenied (403), per entry in DeleteObjects. */
export function isAccessDenied(code: string | undefined, status?: number): boolean {
  return code === 'AccessDenied' || status === 403;
}

export class S3VaultLock {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  /** Every page of the versions and delete markers of exactly `key`. */
  async *versionPages(key: string): AsyncGenerator<KeyVersionPage> {
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectVersionsCommand({
          Bucket: this.bucket,
          Prefix: key,
          KeyMarker: keyMarker,
          VersionIdMarker: versionIdMarker,
        }),
      );
      const ofKey = (entries: readonly { Key?: string; VersionId?: string }[] | undefined) =>
        (entries ?? [])
          .filter((entry) => entry.Key === key && entry.VersionId)
          .map((entry) => entry.VersionId as string);
      yield { versions: ofKey(page.Versions), deleteMarkers: ofKey(page.DeleteMarkers) };
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker !== undefined);
  }

  /** The object versions of `key` (delete markers carry no data and no Object Lock state). */
  async versionsOf(key: string): Promise<string[]> {
    const versions: string[] = [];
    for await (const page of this.versionPages(key)) versions.push(...page.versions);
    return versions;
  }

  /**
   * Object Lock state over every object version of `key`: a legal hold on any version, and the latest retain-until
   * date (with its mode), past dates included — the caller compares with its clock. Undefined when the key has no
   * object version (nothing, or only delete markers).
   */
  async protection(key: string): Promise<VaultProtection | undefined> {
    let versions: string[];
    try {
      versions = await this.versionsOf(key);
    } catch (error) {
      throw new VaultError(`listing the versions of ${key} failed: ${message(error)}`, { cause: error });
    }
    let seen = false;
    let legalHold = false;
    let latest: { until: Date; mode?: string } | undefined;
    for (const versionId of versions) {
      const head = await this.headVersion(key, versionId);
      if (head === undefined) continue; // deleted meanwhile
      seen = true;
      if (head.ObjectLockLegalHoldStatus === 'ON') legalHold = true;
      const until = head.ObjectLockRetainUntilDate;
      if (until !== undefined && (latest === undefined || until.getTime() > latest.until.getTime())) {
        latest = { until, ...(head.ObjectLockMode === undefined ? {} : { mode: head.ObjectLockMode }) };
      }
    }
    if (!seen) return undefined;
    const mode = latest?.mode === 'GOVERNANCE' || latest?.mode === 'COMPLIANCE' ? latest.mode : undefined;
    return {
      legalHold,
      ...(latest === undefined ? {} : { retainUntil: latest.until.toISOString() }),
      ...(mode === undefined ? {} : { mode }),
    };
  }

  /** PutObjectLegalHold ON/OFF on every object version of `key`; a key without versions → NotFoundError. */
  async setLegalHold(key: string, on: boolean): Promise<void> {
    let versions: string[];
    try {
      versions = await this.versionsOf(key);
    } catch (error) {
      throw new VaultError(`listing the versions of ${key} failed: ${message(error)}`, { cause: error });
    }
    if (versions.length === 0) throw new NotFoundError('object', key);
    for (const versionId of versions) {
      try {
        await this.s3.send(
          new PutObjectLegalHoldCommand({
            Bucket: this.bucket,
            Key: key,
            VersionId: versionId,
            LegalHold: { Status: on ? 'ON' : 'OFF' },
          }),
        );
      } catch (error) {
        if (isNotFound(error)) continue; // that version was deleted meanwhile
        throw new VaultError(
          `${on ? 'placing' : 'releasing'} the legal hold on ${key} (version ${versionId}) failed: ${message(error)}`,
          { cause: error },
        );
      }
    }
  }

  /**
   * The error for an AccessDenied while deleting versions of `key`. S3's answer does not say whether a legal hold or
   * a retention refused it (nor is AccessDenied always Object Lock: IAM may deny too), so the key's lock state decides:
   * a legal hold → 'legal_hold', a retention date in the future → 'locked', neither → a plain VaultError.
   */
  async refusal(key: string, detail: string, cause?: unknown): Promise<DeletionBlockedError | VaultError> {
    const options = cause === undefined ? {} : { cause };
    let protection: VaultProtection | undefined;
    try {
      protection = await this.protection(key);
    } catch {
      // The lock state is unreadable: trust S3's own wording, if it names Object Lock.
      return /object lock/i.test(detail)
        ? new DeletionBlockedError(`S3 Object Lock refused deleting ${key}: ${detail}`, 'locked', options)
        : new VaultError(`could not delete ${key}: ${detail}`, options);
    }
    if (protection?.legalHold) {
      return new DeletionBlockedError(`${key} carries an S3 Object Lock legal hold: ${detail}`, 'legal_hold', options);
    }
    const until = protection?.retainUntil;
    if ((until !== undefined && Date.parse(until) > Date.now()) || /object lock/i.test(detail)) {
      const what = until === undefined ? 'S3 Object Lock' : `S3 Object Lock (${protection?.mode ?? 'retention'})`;
      return new DeletionBlockedError(
        `${key} is under ${what}${until ? ` until ${until}` : ''}: ${detail}`,
        'locked',
        options,
      );
    }
    return new VaultError(`could not delete ${key}: ${detail}`, options);
  }

  private async headVersion(key: string, versionId: string): Promise<HeadObjectCommandOutput | undefined> {
    try {
      return await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key, VersionId: versionId }));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new VaultError(`reading the Object Lock state of ${key} (version ${versionId}) failed: ${message(error)}`, {
        cause: error,
      });
    }
  }
}
