import type { Readable } from 'node:stream';

export interface VaultObjectInfo {
  readonly key: string;
  readonly versionId?: string;
  readonly bytes: number;
  /** Number of multipart parts the object was assembled from (1 for a single PUT). */
  readonly partCount: number;
}

export interface VaultUpload {
  /** Resolves when the object is complete in the vault; rejects (and aborts the multipart upload) on error. */
  readonly done: Promise<VaultObjectInfo>;
  /** Aborts the multipart upload; nothing is left behind. Safe to call more than once. */
  abort(): Promise<void>;
}

export interface VaultReadable {
  readonly body: Readable;
  readonly versionId?: string;
  readonly bytes: number;
}

/** S3 Object Lock state of a key, over all its versions. */
export interface VaultProtection {
  /** Some version carries a legal hold. */
  readonly legalHold: boolean;
  /** The latest Object Lock retain-until date over the versions (ISO-8601), if any version has one. */
  readonly retainUntil?: string;
  readonly mode?: 'GOVERNANCE' | 'COMPLIANCE';
}

/** The encrypted, versioned object store that holds dumps and manifests (S3 in AWS and on the emulator). */
export interface Vault {
  upload(key: string, body: Readable, options: { partSize: number; contentType: string }): VaultUpload;
  /** Create-only: refuses to overwrite an existing object (manifests are written once). */
  putJsonOnce(key: string, json: string): Promise<{ versionId?: string }>;
  getText(key: string, versionId?: string): Promise<string>;
  open(key: string, versionId?: string): Promise<VaultReadable>;
  head(key: string): Promise<VaultObjectInfo | undefined>;
  /**
   * Deletes every version of the key (a failed backup's leftovers; retention). A version S3 refuses to delete because
   * of Object Lock → DeletionBlockedError ('locked' or 'legal_hold'); the other versions may then be gone already,
   * so callers check protection() first.
   */
  removeAllVersions(key: string): Promise<void>;
  /** Object Lock state over every version of the key; undefined when the key has no version. */
  protection(key: string): Promise<VaultProtection | undefined>;
  /** PutObjectLegalHold ON/OFF on every version of the key (the vault bucket always has Object Lock enabled). */
  setLegalHold(key: string, on: boolean): Promise<void>;
  presignDownload(
    key: string,
    options: { expiresInSeconds: number; fileName: string; versionId?: string },
  ): Promise<string>;
}
