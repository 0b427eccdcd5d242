import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ConflictError, NotFoundError, StrongboxError, ValidationError, VaultError } from '../../domain/errors';
import { S3_MIN_PART_BYTES } from '../../domain/part-size';
import type { Vault, VaultObjectInfo, VaultProtection, VaultReadable, VaultUpload } from '../../ports/vault';
import { errorName, httpStatus, isAccessDenied, isNotFound, message, S3VaultLock } from './s3-vault-lock';

export interface S3VaultOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  /** The data key: every object is written with SSE-KMS under it. */
  readonly kmsKeyArn: string;
  /** Parts in flight per upload. Memory ≈ queueSize × partSize. */
  readonly queueSize?: number;
}

/** Pre-signed downloads live at most 15 minutes (DESIGN.md S6). */
export const MAX_DOWNLOAD_URL_SECONDS = 900;
const DOWNLOAD_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** S3 reports multipart objects with an ETag ending in "-<parts>"; a single PUT has none. */
export function partCountFromETag(etag: string | undefined): number {
  const match = /-(\d+)"?$/.exec(etag ?? '');
  return match ? Number(match[1]) : 1;
}

/**
 * The vault on S3 (the emulator in tests and local mode). Uploads go through lib-storage with SSE-KMS under the
 * data key; lib-storage's own `abort()` is not used, because it rejects `done()` at once while parts may still be
 * in flight and the multipart upload still open. Aborting here means: end the body with an error (lib-storage
 * then aborts the multipart upload itself), wait until it has, and sweep what is left for the key.
 */
export class S3Vault implements Vault {
  private readonly s3: S3Client;
  private readonly bucket: string;
  private readonly kmsKeyArn: string;
  private readonly queueSize: number;
  private readonly lock: S3VaultLock;

  constructor(options: S3VaultOptions) {
    this.s3 = options.s3;
    this.bucket = options.bucket;
    this.kmsKeyArn = options.kmsKeyArn;
    this.queueSize = options.queueSize ?? 2;
    this.lock = new S3VaultLock(options.s3, options.bucket);
  }

  upload(key: string, body: Readable, options: { partSize: number; contentType: string }): VaultUpload {
    let aborting = false;
    // What a completed upload created, so that an abort racing with completion can remove exactly that.
    let created: { versionId?: string } | undefined;
    const run = async (): Promise<VaultObjectInfo> => {
      if (!Number.isInteger(options.partSize) || options.partSize < S3_MIN_PART_BYTES) {
        body.destroy();
        throw new VaultError(
          `part size ${options.partSize} must be a whole number of bytes, at least S3's minimum of ${S3_MIN_PART_BYTES}`,
        );
      }
      const upload = new Upload({
        client: this.s3,
        params: {
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: options.contentType,
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId: this.kmsKeyArn,
        },
        partSize: options.partSize,
        queueSize: this.queueSize,
        leavePartsOnError: false,
      });
      try {
        const result = await upload.done();
        created = result.VersionId ? { versionId: result.VersionId } : {};
        if (aborting) throw new VaultError(`upload of ${key} was aborted`);
        const info = await this.headVersion(key, result.VersionId);
        if (!info) throw new VaultError(`upload of ${key} completed but the object is not there`);
        return info;
      } catch (error) {
        // lib-storage aborts the multipart upload it created; this sweep covers an abort call that failed too.
        await this.abortOpenUploads(key).catch(() => undefined);
        if (error instanceof VaultError) throw error;
        throw new VaultError(`upload of ${key} failed: ${message(error)}`, { cause: error });
      }
    };
    const done = run();
    done.catch(() => undefined); // observed by the caller; never an unhandled rejection here

    let aborted: Promise<void> | undefined;
    const abortOnce = async (): Promise<void> => {
      aborting = true;
      if (!body.destroyed) body.destroy(new VaultError(`upload of ${key} was aborted`));
      await done.catch(() => undefined);
      // The upload may have completed before the abort reached it: remove exactly what it created.
      if (created) await this.deleteVersion(key, created.versionId);
      await this.abortOpenUploads(key);
    };
    const abort = (): Promise<void> => {
      aborted ??= abortOnce();
      return aborted;
    };
    return { done, abort };
  }

  async putJsonOnce(key: string, json: string): Promise<{ versionId?: string }> {
    try {
      const result = await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: json,
          ContentType: 'application/json',
          IfNoneMatch: '*',
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId: this.kmsKeyArn,
        }),
      );
      return result.VersionId ? { versionId: result.VersionId } : {};
    } catch (error) {
      if (errorName(error) === 'PreconditionFailed' || httpStatus(error) === 412) {
        throw new ConflictError(`${key} already exists and is never rewritten`, 'object_exists', { cause: error });
      }
      throw new VaultError(`writing ${key} failed: ${message(error)}`, { cause: error });
    }
  }

  async getText(key: string, versionId?: string): Promise<string> {
    const object = await this.get(key, versionId);
    return object.Body ? object.Body.transformToString('utf8') : '';
  }

  async open(key: string, versionId?: string): Promise<VaultReadable> {
    const object = await this.get(key, versionId);
    if (!object.Body) throw new VaultError(`${key} has no body`);
    return {
      body: object.Body as Readable,
      bytes: object.ContentLength ?? 0,
      ...(object.VersionId ? { versionId: object.VersionId } : {}),
    };
  }

  head(key: string): Promise<VaultObjectInfo | undefined> {
    return this.headVersion(key, undefined);
  }

  /**
   * Deletes every version and delete marker of exactly `key`, page by page. A version S3 refuses because of Object
   * Lock (AccessDenied) → DeletionBlockedError ('legal_hold' or 'locked'); the other versions of that batch are gone.
   */
  async removeAllVersions(key: string): Promise<void> {
    try {
      for await (const page of this.lock.versionPages(key)) {
        const objects = [...page.versions, ...page.deleteMarkers].map((versionId) => ({
          Key: key,
          VersionId: versionId,
        }));
        if (objects.length === 0) continue;
        const result = await this.s3.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: objects, Quiet: true } }),
        );
        const failed = result.Errors ?? [];
        if (failed.length === 0) continue;
        const first = failed.find((entry) => isAccessDenied(entry.Code)) ?? failed[0];
        const detail = `${first?.Code ?? ''} ${first?.Message ?? ''}`.trim();
        if (isAccessDenied(first?.Code)) {
          throw await this.lock.refusal(key, `S3 refused ${failed.length} version(s): ${detail}`);
        }
        throw new VaultError(`could not delete ${failed.length} version(s) of ${key}: ${detail}`);
      }
    } catch (error) {
      if (error instanceof StrongboxError) throw error;
      if (isAccessDenied(errorName(error), httpStatus(error)))
        throw await this.lock.refusal(key, message(error), error);
      throw new VaultError(`removing every version of ${key} failed: ${message(error)}`, { cause: error });
    }
  }

  protection(key: string): Promise<VaultProtection | undefined> {
    return this.lock.protection(key);
  }

  setLegalHold(key: string, on: boolean): Promise<void> {
    return this.lock.setLegalHold(key, on);
  }

  async presignDownload(
    key: string,
    options: { expiresInSeconds: number; fileName: string; versionId?: string },
  ): Promise<string> {
    const { expiresInSeconds, fileName } = options;
    if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_DOWNLOAD_URL_SECONDS) {
      throw new ValidationError(`download links live 1–${MAX_DOWNLOAD_URL_SECONDS} seconds`, [
        { path: 'expiresInSeconds', message: `must be an integer from 1 to ${MAX_DOWNLOAD_URL_SECONDS}` },
      ]);
    }
    // The name ends up in a response header: letters, digits, dot, dash and underscore only.
    if (!DOWNLOAD_FILE_NAME.test(fileName)) {
      throw new ValidationError('invalid download file name', [
        { path: 'fileName', message: 'letters, digits, ".", "-" and "_" only (at most 200)' },
      ]);
    }
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ...(options.versionId ? { VersionId: options.versionId } : {}),
      ResponseContentDisposition: `attachment; filename="${fileName}"`,
    });
    return getSignedUrl(this.s3, command, { expiresIn: expiresInSeconds });
  }

  private async get(key: string, versionId: string | undefined) {
    try {
      return await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }),
      );
    } catch (error) {
      if (isNotFound(error)) throw new NotFoundError('object', versionId ? `${key}?versionId=${versionId}` : key);
      throw new VaultError(`reading ${key} failed: ${message(error)}`, { cause: error });
    }
  }

  private async headVersion(key: string, versionId: string | undefined): Promise<VaultObjectInfo | undefined> {
    try {
      const head = await this.s3.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }),
      );
      return {
        key,
        bytes: head.ContentLength ?? 0,
        partCount: partCountFromETag(head.ETag),
        ...(head.VersionId ? { versionId: head.VersionId } : {}),
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new VaultError(`reading the metadata of ${key} failed: ${message(error)}`, { cause: error });
    }
  }

  private async deleteVersion(key: string, versionId: string | undefined): Promise<void> {
    try {
      await this.s3.send(
        new DeleteObjectCommand({ Bucket: this.bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }),
      );
    } catch (error) {
      // A default retention (or a hold) on what a failed upload created: report it as Object Lock, not as a fault.
      if (versionId && isAccessDenied(errorName(error), httpStatus(error))) {
        throw await this.lock.refusal(key, message(error), error);
      }
      throw new VaultError(`deleting ${key} (version ${versionId ?? 'current'}) failed: ${message(error)}`, {
        cause: error,
      });
    }
  }

  /** Aborts every multipart upload still open for exactly this key (keys are unique per backup). */
  private async abortOpenUploads(key: string): Promise<void> {
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      const page = await this.s3.send(
        new ListMultipartUploadsCommand({
          Bucket: this.bucket,
          Prefix: key,
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
      );
      for (const open of page.Uploads ?? []) {
        if (open.Key !== key || !open.UploadId) continue;
        await this.s3.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: open.UploadId }));
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (keyMarker !== undefined);
  }
}
