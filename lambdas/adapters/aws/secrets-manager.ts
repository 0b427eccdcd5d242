import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../domain/errors';
import { type IdKind, isId, isTenantId } from '../../domain/ids';
import { redact } from '../../domain/redact';
import type { SecretStore, WebhookSecretStore } from '../../ports/secrets';

export interface SecretsManagerStoreOptions {
  /** Prefix of every secret name, e.g. `strongbox/` (STRONGBOX_SECRET_PREFIX). Empty or ending in `/`. */
  readonly prefix: string;
  /** KMS key that encrypts the secrets (the data key). */
  readonly kmsKeyId: string;
  /** Days a deleted secret can still be recovered (7–30). Default 7. */
  readonly recoveryWindowDays?: number;
  /** Delete without a recovery window. For tests and local mode only. */
  readonly forceImmediateDelete?: boolean;
}

const PREFIX_PATTERN = /^(?:[A-Za-z0-9_+=.@-]+\/)*$/;
/** `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 random characters>` */
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:(.+)-[A-Za-z0-9]{6}$/;

/** What a secret belongs to: its name segment, the id kind of its owner, the JSON field of its value. */
interface SecretKind {
  readonly segment: 'sources' | 'webhooks';
  readonly idKind: IdKind;
  readonly field: 'password' | 'secret';
  /** How messages name the owner and the value: "source src_…", "password". */
  readonly owner: string;
  readonly value: string;
}

const SOURCE: SecretKind = {
  segment: 'sources',
  idKind: 'source',
  field: 'password',
  owner: 'source',
  value: 'password',
};
const WEBHOOK: SecretKind = {
  segment: 'webhooks',
  idKind: 'webhook',
  field: 'secret',
  owner: 'webhook',
  value: 'signing secret',
};

/**
 * Source passwords in Secrets Manager, one secret per source, named `<prefix><tenantId>/sources/<sourceId>`; webhook
 * signing secrets likewise under `<prefix><tenantId>/webhooks/<webhookId>`.
 *
 * A reference is only honoured for the tenant whose name prefix it carries: the catalog stores references, and a
 * corrupted or tampered record must never make one tenant's dump read another tenant's password. Such a
 * reference is refused with ForbiddenError, not NotFoundError: it is not a missing secret (that is NotFoundError)
 * but a broken invariant, and should stand out in logs and alarms. The tenant never supplies the reference, so
 * the distinction reveals nothing to them.
 *
 * Error messages name the source, never the password; SDK failures are rethrown with their text scrubbed of it.
 */
export class SecretsManagerStore implements SecretStore, WebhookSecretStore {
  private readonly recoveryWindowDays: number;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly options: SecretsManagerStoreOptions,
  ) {
    if (!PREFIX_PATTERN.test(options.prefix)) {
      throw new ValidationError(`secret prefix ${JSON.stringify(options.prefix)} must be empty or end with "/"`, [
        { path: 'prefix', message: 'must be empty or end with "/"' },
      ]);
    }
    this.recoveryWindowDays = options.recoveryWindowDays ?? 7;
    if (!Number.isInteger(this.recoveryWindowDays) || this.recoveryWindowDays < 7 || this.recoveryWindowDays > 30) {
      throw new ValidationError('recovery window must be 7 to 30 days', [
        { path: 'recoveryWindowDays', message: 'must be an integer from 7 to 30' },
      ]);
    }
  }

  putSourcePassword(tenantId: string, sourceId: string, password: string): Promise<string> {
    return this.put(SOURCE, tenantId, sourceId, password);
  }

  getSourcePassword(tenantId: string, secretRef: string): Promise<string> {
    return this.get(SOURCE, tenantId, secretRef);
  }

  deleteSourcePassword(tenantId: string, secretRef: string): Promise<void> {
    return this.delete(SOURCE, tenantId, secretRef);
  }

  putWebhookSecret(tenantId: string, webhookId: string, secret: string): Promise<string> {
    return this.put(WEBHOOK, tenantId, webhookId, secret);
  }

  getWebhookSecret(tenantId: string, secretRef: string): Promise<string> {
    return this.get(WEBHOOK, tenantId, secretRef);
  }

  deleteWebhookSecret(tenantId: string, secretRef: string): Promise<void> {
    return this.delete(WEBHOOK, tenantId, secretRef);
  }

  /**
   * Creates the secret, or stores a new value in it when it exists (a retried registration, a rotated webhook
   * secret). A secret scheduled for deletion is not reused: ConflictError.
   */
  private async put(kind: SecretKind, tenantId: string, ownerId: string, value: string): Promise<string> {
    const name = this.secretName(kind, tenantId, ownerId);
    const secretString = JSON.stringify({ [kind.field]: value });
    const action = `store the ${kind.value} of ${kind.owner} ${ownerId}`;
    try {
      const created = await this.client.send(
        new CreateSecretCommand({
          Name: name,
          Description: `Strongbox: ${kind.value} of ${kind.owner} ${ownerId} of tenant ${tenantId}`,
          KmsKeyId: this.options.kmsKeyId,
          SecretString: secretString,
          Tags: [
            { Key: 'strongbox:tenant', Value: tenantId },
            { Key: 'managed-by', Value: 'strongbox' },
          ],
        }),
      );
      if (created.ARN !== undefined) return created.ARN;
    } catch (error) {
      if (errorName(error) !== 'ResourceExistsException') throw scrubbed(error, action, [value]);
    }
    let arn: string | undefined;
    try {
      const existing = await this.client.send(new DescribeSecretCommand({ SecretId: name }));
      // Writing a new value would not revive it (and the emulator would accept the write silently).
      if (existing.DeletedDate !== undefined) {
        throw new ConflictError(`the secret of ${kind.owner} ${ownerId} is scheduled for deletion`, 'secret_deleted');
      }
      arn = existing.ARN;
      await this.client.send(new PutSecretValueCommand({ SecretId: name, SecretString: secretString }));
    } catch (error) {
      if (error instanceof ConflictError) throw error;
      throw scrubbed(error, action, [value]);
    }
    if (arn === undefined)
      throw new Error(`Secrets Manager returned no ARN for the secret of ${kind.owner} ${ownerId}`);
    return arn;
  }

  private async get(kind: SecretKind, tenantId: string, secretRef: string): Promise<string> {
    const ownerId = this.ownedId(kind, tenantId, secretRef);
    let secretString: string | undefined;
    try {
      secretString = (await this.client.send(new GetSecretValueCommand({ SecretId: secretRef }))).SecretString;
    } catch (error) {
      if (await this.isGone(error, secretRef)) throw new NotFoundError(`${kind.owner} secret`, ownerId);
      throw scrubbed(error, `read the ${kind.value} of ${kind.owner} ${ownerId}`, []);
    }
    // JSON.parse quotes the text it fails on, so its error must not escape: it would carry the secret.
    let parsed: unknown;
    try {
      parsed = JSON.parse(secretString ?? '');
    } catch {
      parsed = undefined;
    }
    const value = (parsed as Record<string, unknown> | undefined)?.[kind.field];
    if (typeof value !== 'string') {
      throw new Error(`the secret of ${kind.owner} ${ownerId} does not hold a ${kind.value} in the expected form`);
    }
    return value;
  }

  /** Idempotent: a secret that is gone or already scheduled for deletion is not an error. */
  private async delete(kind: SecretKind, tenantId: string, secretRef: string): Promise<void> {
    const ownerId = this.ownedId(kind, tenantId, secretRef);
    const window = this.options.forceImmediateDelete
      ? { ForceDeleteWithoutRecovery: true }
      : { RecoveryWindowInDays: this.recoveryWindowDays };
    try {
      await this.client.send(new DeleteSecretCommand({ SecretId: secretRef, ...window }));
    } catch (error) {
      if (await this.isGone(error, secretRef)) return;
      throw scrubbed(error, `delete the ${kind.value} of ${kind.owner} ${ownerId}`, []);
    }
  }

  private secretName(kind: SecretKind, tenantId: string, ownerId: string): string {
    if (!isTenantId(tenantId)) {
      throw new ValidationError('tenant id is malformed', [{ path: 'tenantId', message: 'is not a tenant id' }]);
    }
    if (!isId(kind.idKind, ownerId)) {
      throw new ValidationError(`${kind.owner} id is malformed`, [
        { path: `${kind.idKind}Id`, message: `is not a ${kind.owner} id` },
      ]);
    }
    return `${this.options.prefix}${tenantId}/${kind.segment}/${ownerId}`;
  }

  /** The owner id a reference names, if it is a secret ARN under this tenant's prefix; else ForbiddenError. */
  private ownedId(kind: SecretKind, tenantId: string, secretRef: string): string {
    const name = SECRET_ARN.exec(secretRef)?.[1];
    const tenantPrefix = `${this.options.prefix}${tenantId}/${kind.segment}/`;
    const ownerId = name?.startsWith(tenantPrefix) ? name.slice(tenantPrefix.length) : undefined;
    if (!isTenantId(tenantId) || ownerId === undefined || !isId(kind.idKind, ownerId)) {
      throw new ForbiddenError(`secret reference does not belong to tenant ${tenantId}`);
    }
    return ownerId;
  }

  /** Missing, or scheduled for deletion (Secrets Manager answers InvalidRequestException for those). */
  private async isGone(error: unknown, secretRef: string): Promise<boolean> {
    const name = errorName(error);
    if (name === 'ResourceNotFoundException') return true;
    if (name !== 'InvalidRequestException') return false;
    try {
      const described = await this.client.send(new DescribeSecretCommand({ SecretId: secretRef }));
      return described.DeletedDate !== undefined;
    } catch (describeError) {
      return errorName(describeError) === 'ResourceNotFoundException';
    }
  }
}

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? String((error as { name?: unknown }).name) : undefined;
}

/**
 * An SDK failure as an Error that keeps the service's error name (callers may retry on throttling) but carries
 * neither the original object (its request echo could hold the secret) nor the secret in its text.
 */
function scrubbed(error: unknown, action: string, secrets: readonly string[]): Error {
  const name = errorName(error) ?? 'Error';
  const detail = error instanceof Error ? error.message : String(error);
  const out = new Error(redact(`could not ${action}: ${name}: ${detail}`, secrets));
  out.name = name;
  return out;
}
