/**
 * Every error Strongbox raises on purpose. An error's `name` is part of the API: it is the `ErrorEquals`
 * string in the state machines and the `code` family in HTTP responses, so names are literal and never
 * derived from the (minifiable) class name.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_many'
  | 'failed'
  | 'unavailable';

export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

export interface StrongboxErrorOptions {
  readonly cause?: unknown;
  readonly fields?: readonly FieldIssue[];
}

export abstract class StrongboxError extends Error {
  abstract override readonly name: string;
  abstract readonly kind: ErrorKind;
  /** Stable machine-readable code for API clients, e.g. `not_found`, `checksum_mismatch`. */
  abstract readonly code: string;
  readonly fields?: readonly FieldIssue[];

  constructor(message: string, options: StrongboxErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.fields !== undefined) this.fields = options.fields;
  }
}

export class ValidationError extends StrongboxError {
  override readonly name = 'ValidationError';
  readonly kind = 'invalid';
  readonly code = 'validation_failed';
  constructor(message: string, fields: readonly FieldIssue[] = [], options: { cause?: unknown } = {}) {
    super(message, { ...options, fields });
  }
}

export class UnauthenticatedError extends StrongboxError {
  override readonly name = 'UnauthenticatedError';
  readonly kind = 'unauthenticated';
  readonly code = 'unauthenticated';
}

export class ForbiddenError extends StrongboxError {
  override readonly name = 'ForbiddenError';
  readonly kind = 'forbidden';
  readonly code = 'forbidden';
}

export class NotFoundError extends StrongboxError {
  override readonly name = 'NotFoundError';
  readonly kind = 'not_found';
  readonly code = 'not_found';
  constructor(
    readonly resource: string,
    readonly id: string,
  ) {
    super(`${resource} ${id} was not found`);
  }
}

export class ConflictError extends StrongboxError {
  override readonly name = 'ConflictError';
  readonly kind = 'conflict';
  readonly code: string;
  constructor(message: string, code = 'conflict', options: StrongboxErrorOptions = {}) {
    super(message, options);
    this.code = code;
  }
}

/** A state change raced with another writer (conditional write failed). */
export class StaleStateError extends StrongboxError {
  override readonly name = 'StaleStateError';
  readonly kind = 'conflict';
  readonly code = 'stale_state';
}

export class TooManyRequestsError extends StrongboxError {
  override readonly name = 'TooManyRequestsError';
  readonly kind = 'too_many';
  readonly code = 'too_many_requests';
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** The source host resolves to an address Strongbox refuses to connect to (SSRF guard). */
export class ForbiddenHostError extends StrongboxError {
  override readonly name = 'ForbiddenHostError';
  readonly kind = 'invalid';
  readonly code = 'forbidden_host';
}

/** The dump tool failed: bad credentials, unreachable host, killed mid-stream. */
export class DumpFailedError extends StrongboxError {
  override readonly name = 'DumpFailedError';
  readonly kind = 'failed';
  readonly code = 'dump_failed';
}

/** Writing to or reading from the vault failed, or the stored object is not what was streamed. */
export class VaultError extends StrongboxError {
  override readonly name = 'VaultError';
  readonly kind = 'failed';
  readonly code = 'vault_error';
}

/** A stored object's SHA-256 differs from the one recorded at backup time. */
export class ChecksumMismatchError extends StrongboxError {
  override readonly name = 'ChecksumMismatchError';
  readonly kind = 'failed';
  readonly code = 'checksum_mismatch';
}

/** The backup cannot be restored as asked (not succeeded, wrong engine, unknown tables). */
export class BackupNotRestorableError extends StrongboxError {
  override readonly name = 'BackupNotRestorableError';
  readonly kind = 'conflict';
  readonly code = 'backup_not_restorable';
}

/** The restore target already exists and replacing it was not asked for. */
export class RestoreTargetExistsError extends StrongboxError {
  override readonly name = 'RestoreTargetExistsError';
  readonly kind = 'conflict';
  readonly code = 'restore_target_exists';
}

/** Loading the dump into the target failed. */
export class RestoreFailedError extends StrongboxError {
  override readonly name = 'RestoreFailedError';
  readonly kind = 'failed';
  readonly code = 'restore_failed';
}

/** The restored data does not match what the backup recorded (row counts). */
export class RestoreCheckFailedError extends StrongboxError {
  override readonly name = 'RestoreCheckFailedError';
  readonly kind = 'failed';
  readonly code = 'restore_check_failed';
}

/**
 * The cloud provider throttled a call (EC2 RequestLimitExceeded, SnapshotCreationPerVolumeRateExceeded, RDS
 * Throttling). The state machines retry it with backoff; it never leads to a second snapshot.
 */
export class SnapshotThrottledError extends StrongboxError {
  override readonly name = 'SnapshotThrottledError';
  readonly kind = 'too_many';
  readonly code = 'throttled';
}

/** Taking the snapshot would exceed the account's snapshot quota (RDS: 100 manual snapshots per region). */
export class SnapshotQuotaExceededError extends StrongboxError {
  override readonly name = 'SnapshotQuotaExceededError';
  readonly kind = 'conflict';
  readonly code = 'snapshot_quota_exceeded';
}

/** A snapshot (or copy) ended in the provider's error state, or never completed within the machine's bound. */
export class SnapshotFailedError extends StrongboxError {
  override readonly name = 'SnapshotFailedError';
  readonly kind = 'failed';
  readonly code = 'snapshot_failed';
}

/** A volume, attachment or DB instance a restore created did not become usable (error state or time bound). */
export class ResourceNotReadyError extends StrongboxError {
  override readonly name = 'ResourceNotReadyError';
  readonly kind = 'failed';
  readonly code = 'resource_not_ready';
}

/** An approver rejected the restore; nothing was created or changed. */
export class RestoreRejectedError extends StrongboxError {
  override readonly name = 'RestoreRejectedError';
  readonly kind = 'conflict';
  readonly code = 'restore_rejected';
}

/**
 * Retention could not delete (or archive) a backup's artifact and must leave it: an S3 Object Lock retention or legal
 * hold, an EBS snapshot lock, a snapshot in use by an AMI. `reason` says which; the backup stays `succeeded`.
 */
export class DeletionBlockedError extends StrongboxError {
  override readonly name = 'DeletionBlockedError';
  readonly kind = 'conflict';
  readonly code = 'deletion_blocked';
  readonly reason: 'locked' | 'legal_hold' | 'in_use';
  constructor(message: string, reason: 'locked' | 'legal_hold' | 'in_use', options: StrongboxErrorOptions = {}) {
    super(message, options);
    this.reason = reason;
  }
}

export function isStrongboxError(error: unknown): error is StrongboxError {
  return error instanceof StrongboxError;
}

/** A dependency Strongbox needs (worker start, workflow start) is not available right now; retry later. */
export class ServiceUnavailableError extends StrongboxError {
  override readonly name = 'ServiceUnavailableError';
  readonly kind = 'unavailable';
  readonly code = 'service_unavailable';
}

/**
 * Codes by error name, for places that see only the name (a Step Functions Catch hands over `Error` and `Cause`).
 * Names outside Strongbox (States.Timeout, Lambda.Unknown…) map to `fallback`.
 */
const CODES_BY_NAME: Readonly<Record<string, string>> = {
  ValidationError: 'validation_failed',
  UnauthenticatedError: 'unauthenticated',
  ForbiddenError: 'forbidden',
  NotFoundError: 'not_found',
  ConflictError: 'conflict',
  StaleStateError: 'stale_state',
  TooManyRequestsError: 'too_many_requests',
  ForbiddenHostError: 'forbidden_host',
  DumpFailedError: 'dump_failed',
  VaultError: 'vault_error',
  ChecksumMismatchError: 'checksum_mismatch',
  BackupNotRestorableError: 'backup_not_restorable',
  RestoreTargetExistsError: 'restore_target_exists',
  RestoreFailedError: 'restore_failed',
  RestoreCheckFailedError: 'restore_check_failed',
  ServiceUnavailableError: 'service_unavailable',
  SnapshotThrottledError: 'throttled',
  SnapshotQuotaExceededError: 'snapshot_quota_exceeded',
  SnapshotFailedError: 'snapshot_failed',
  ResourceNotReadyError: 'resource_not_ready',
  RestoreRejectedError: 'restore_rejected',
  DeletionBlockedError: 'deletion_blocked',
  'States.Timeout': 'timeout',
};

export function errorCodeForName(name: string, fallback = 'internal_error'): string {
  return CODES_BY_NAME[name] ?? fallback;
}
