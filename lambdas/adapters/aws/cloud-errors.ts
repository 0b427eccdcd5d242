import {
  ConflictError,
  DeletionBlockedError,
  NotFoundError,
  SnapshotQuotaExceededError,
  SnapshotThrottledError,
  ValidationError,
} from '../../domain/errors';

/**
 * EC2 and RDS failures as domain errors, by the SDK v3 exception `name`. RDS errors are modelled: the SDK names
 * them after the shape (`DBInstanceNotFoundFault`) while the wire code may lack the suffix (`DBInstanceNotFound`),
 * so both spellings are listed. EC2 errors are not modelled: the name is the wire code (`InvalidVolume.NotFound`).
 * Anything not listed is returned unchanged, so callers rethrow the original error.
 */
export type CloudResourceKind =
  | 'volume'
  | 'instance'
  | 'snapshot'
  | 'dbInstance'
  | 'dbCluster'
  | 'dbSnapshot'
  | 'dbClusterSnapshot';

export interface CloudCall {
  /** The API action, for messages: `CreateSnapshot`. */
  readonly action: string;
  readonly region: string;
  /** The ids the call names, so a NotFound error can say which resource is missing. */
  readonly ids?: Partial<Record<CloudResourceKind, string>>;
}

const THROTTLED = new Set([
  'RequestLimitExceeded',
  'SnapshotCreationPerVolumeRateExceeded',
  'ConcurrentSnapshotLimitExceeded',
  'PendingSnapshotLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
]);

const QUOTA_EXCEEDED = new Set(['SnapshotQuotaExceeded', 'SnapshotQuotaExceededFault']);

/**
 * Deletions EC2 refuses for a reason retention must respect, never retry into: a snapshot backing a registered AMI
 * (`InvalidSnapshot.InUse`, what AWS and moto answer), and one under an EBS snapshot lock. The lock's code could not
 * be confirmed from AWS's documentation: the two likely spellings are listed, and DeleteSnapshot also recognizes a
 * lock by its message (see ec2-snapshot-admin.ts).
 */
const DELETION_BLOCKED: Readonly<Record<string, 'locked' | 'in_use'>> = {
  'InvalidSnapshot.InUse': 'in_use',
  SnapshotLocked: 'locked',
  'InvalidSnapshot.Locked': 'locked',
};

const NOT_FOUND: Readonly<Record<string, CloudResourceKind>> = {
  'InvalidVolume.NotFound': 'volume',
  'InvalidInstanceID.NotFound': 'instance',
  'InvalidSnapshot.NotFound': 'snapshot',
  DBInstanceNotFound: 'dbInstance',
  DBInstanceNotFoundFault: 'dbInstance',
  DBClusterNotFoundFault: 'dbCluster',
  DBSnapshotNotFound: 'dbSnapshot',
  DBSnapshotNotFoundFault: 'dbSnapshot',
  DBClusterSnapshotNotFoundFault: 'dbClusterSnapshot',
};

const RESOURCE_NAMES: Readonly<Record<CloudResourceKind, string>> = {
  volume: 'EBS volume',
  instance: 'EC2 instance',
  snapshot: 'EBS snapshot',
  dbInstance: 'RDS DB instance',
  dbCluster: 'RDS DB cluster',
  dbSnapshot: 'RDS DB snapshot',
  dbClusterSnapshot: 'RDS DB cluster snapshot',
};

const ALREADY_EXISTS = new Set([
  'DBInstanceAlreadyExists',
  'DBInstanceAlreadyExistsFault',
  'DBClusterAlreadyExistsFault',
  'DBSnapshotAlreadyExists',
  'DBSnapshotAlreadyExistsFault',
  'DBClusterSnapshotAlreadyExistsFault',
]);

const INVALID = new Set([
  'InvalidParameterValue',
  'InvalidParameterCombination',
  'InvalidParameterDependency',
  'InvalidParameter',
  'MissingParameter',
  'InvalidVolume.ZoneMismatch',
  'InvalidZone.NotFound',
  'InvalidVolumeID.Malformed',
  'InvalidInstanceID.Malformed',
  'InvalidSnapshotID.Malformed',
  'InvalidParameterValueException',
  'InvalidParameterCombinationException',
]);

const BUSY = new Set([
  'VolumeInUse',
  'IncorrectState',
  'IncorrectInstanceState',
  'InvalidDBInstanceState',
  'InvalidDBInstanceStateFault',
  'InvalidDBClusterStateFault',
  'InvalidDBSnapshotState',
  'InvalidDBSnapshotStateFault',
  'InvalidDBClusterSnapshotStateFault',
]);

export function errorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const name = (error as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

export function providerMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  // EC2 leaves some messages empty (moto: `None`); the code alone still says what happened.
  return message && message !== 'UnknownError' && message !== 'None' ? message : (errorName(error) ?? 'error');
}

/** The domain error for a failed EC2/RDS call, or the original error when it is none of the known kinds. */
export function translateCloudError(error: unknown, call: CloudCall): unknown {
  const name = errorName(error);
  if (name === undefined) return error;
  const where = `${call.action} in ${call.region}`;
  if (THROTTLED.has(name)) {
    return new SnapshotThrottledError(`${where} was throttled (${name}): ${providerMessage(error)}`, { cause: error });
  }
  if (QUOTA_EXCEEDED.has(name)) {
    return new SnapshotQuotaExceededError(`${where}: the manual snapshot quota is full: ${providerMessage(error)}`, {
      cause: error,
    });
  }
  const blocked = DELETION_BLOCKED[name];
  if (blocked !== undefined) {
    return new DeletionBlockedError(`${where}: ${providerMessage(error)}`, blocked, { cause: error });
  }
  const missing = NOT_FOUND[name];
  if (missing !== undefined) return new NotFoundError(RESOURCE_NAMES[missing], call.ids?.[missing] ?? '(unknown)');
  if (ALREADY_EXISTS.has(name)) {
    return new ConflictError(`${where}: ${providerMessage(error)}`, 'resource_exists', { cause: error });
  }
  if (INVALID.has(name)) return new ValidationError(`${where}: ${providerMessage(error)}`, [], { cause: error });
  if (BUSY.has(name)) return new ConflictError(`${where}: ${providerMessage(error)}`, 'conflict', { cause: error });
  return error;
}

/** A malformed id names nothing: for describe* that is the same as a missing resource. */
const MALFORMED: Readonly<Record<string, CloudResourceKind>> = {
  'InvalidVolumeID.Malformed': 'volume',
  'InvalidInstanceID.Malformed': 'instance',
  'InvalidSnapshotID.Malformed': 'snapshot',
};

/** True when a describe* call failed only because the resource does not exist (describe* returns undefined). */
export function isNotFound(error: unknown, ...kinds: CloudResourceKind[]): boolean {
  const name = errorName(error) ?? '';
  const kind = NOT_FOUND[name] ?? MALFORMED[name];
  return kind !== undefined && kinds.includes(kind);
}

/** Runs one SDK call, translating its failure. */
export async function cloudCall<T>(call: CloudCall, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw translateCloudError(error, call);
  }
}

/** Runs one describe call: a missing resource of the given kinds is undefined, other failures are translated. */
export async function describeCall<T>(
  call: CloudCall,
  missing: readonly CloudResourceKind[],
  send: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await send();
  } catch (error) {
    if (isNotFound(error, ...missing)) return undefined;
    throw translateCloudError(error, call);
  }
}

const UNSUPPORTED = new Set([
  'InvalidAction',
  'UnknownOperationException',
  'UnsupportedOperation',
  'UnsupportedOperationException',
  'NotImplemented',
  'NotImplementedException',
]);

/**
 * True when the service does not implement the action at all: AWS's own codes for that, or an emulator's answer
 * to an action it lacks. moto 5.2.1 answers an unimplemented action with HTTP 500 and an HTML page, which the SDK
 * cannot parse as an AWS error: it raises a plain `Error` ("Deserialization error") carrying the status code. An
 * AWS error document (AccessDenied, Throttling, InternalFailure…) always parses, so those never match.
 */
export function isUnsupportedOperation(error: unknown): boolean {
  const name = errorName(error);
  if (name !== undefined && UNSUPPORTED.has(name)) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return (
    name === 'Error' &&
    (status === 500 || status === 501) &&
    error instanceof Error &&
    error.message.includes('Deserialization error')
  );
}

/* Reading the services' answers: tags and dates (both services), RDS states and descriptions. */
