import type { AuditEntry } from '../domain/audit';
import type { Backup, BackupStatus } from '../domain/backup';
import type { Dispatch } from '../domain/dispatch';
import type { Policy } from '../domain/policy';
import type { Restore, RestoreStatus } from '../domain/restore';
import type { PruneRun } from '../domain/retention/prune-run';
import type { RpoStatus } from '../domain/rpo';
import type { Source } from '../domain/source';
import type { TenantEntry } from '../domain/tenant';
import type { Webhook } from '../domain/webhook';
import type { WebhookDelivery } from '../domain/webhook-delivery';

export interface PageRequest {
  readonly limit: number;
  /** Opaque cursor from a previous page; adapters reject cursors they did not issue for this tenant. */
  readonly cursor?: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor?: string;
}

/**
 * Every method takes the tenant id first: there is no access path without it.
 * `save` with `expect` is a conditional write: it fails with StaleStateError if the stored record is not in
 * the expected state ('absent' = must not exist yet).
 */
export interface SourceRepository {
  create(source: Source): Promise<void>;
  get(tenantId: string, id: string): Promise<Source | undefined>;
  list(tenantId: string, page: PageRequest): Promise<Page<Source>>;
  /** Replaces an existing source (settings, brake acknowledgement); a missing one → NotFoundError. */
  update(source: Source): Promise<void>;
  delete(tenantId: string, id: string): Promise<void>;
}

/**
 * Which tenants exist (for account-wide jobs such as the daily prune): an index of tenant ids only, the one catalog
 * listing whose key does not start with a tenant (docs/architecture.md). A tenant is registered with its first source.
 */
export interface TenantRegistry {
  /** Idempotent. */
  register(tenantId: string, at: string): Promise<void>;
  /** Tenant ids in ascending order; `cursor` is opaque. */
  list(page: PageRequest): Promise<Page<string>>;
  /** The entries (plans too), in the same order and with the same cursors as `list`. */
  entries(page: PageRequest): Promise<Page<TenantEntry>>;
  get(tenantId: string): Promise<TenantEntry | undefined>;
  /** Writes the entry whatever is stored (an operator's plan assignment; the entry keeps `registeredAt`). */
  put(entry: TenantEntry): Promise<void>;
}

export interface PruneRunRepository {
  /** Unconditional put: one step of one execution writes a run at a time. */
  save(run: PruneRun): Promise<void>;
  get(tenantId: string, id: string): Promise<PruneRun | undefined>;
  /** Newest first. */
  list(tenantId: string, page: PageRequest): Promise<Page<PruneRun>>;
}

export interface PolicyRepository {
  /**
   * Creates (`expect: 'absent'`) or replaces the policy stored at revision `expect` (optimistic locking: a concurrent
   * change → StaleStateError).
   */
  put(policy: Policy, expect: number | 'absent'): Promise<void>;
  get(tenantId: string, id: string): Promise<Policy | undefined>;
  /** In ascending id order (policy ids are names). */
  list(tenantId: string, page: PageRequest): Promise<Page<Policy>>;
  delete(tenantId: string, id: string): Promise<void>;
}

export interface DispatchQuery extends PageRequest {
  readonly policyId?: string;
}

export interface DispatchRepository {
  /** Unconditional: a dispatch is written once by the invocation that made it (idempotency guards repeats). */
  save(dispatch: Dispatch): Promise<void>;
  get(tenantId: string, id: string): Promise<Dispatch | undefined>;
  /** Newest first; with `policyId`, that policy's only. */
  list(tenantId: string, query: DispatchQuery): Promise<Page<Dispatch>>;
}

/** The RPO status of each source a policy schedule selects (one per source, written when it changes). */
export interface RpoRepository {
  put(status: RpoStatus): Promise<void>;
  get(tenantId: string, sourceId: string): Promise<RpoStatus | undefined>;
  /** By source, newest source first. */
  list(tenantId: string, page: PageRequest): Promise<Page<RpoStatus>>;
  delete(tenantId: string, sourceId: string): Promise<void>;
}

export interface WebhookRepository {
  /** Creates (`expect: 'absent'`) or replaces the webhook stored at revision `expect` (else StaleStateError). */
  put(webhook: Webhook, expect: number | 'absent'): Promise<void>;
  get(tenantId: string, id: string): Promise<Webhook | undefined>;
  /** In ascending id order (webhook ids are names). */
  list(tenantId: string, page: PageRequest): Promise<Page<Webhook>>;
  delete(tenantId: string, id: string): Promise<void>;
}

export interface WebhookDeliveryQuery extends PageRequest {
  readonly webhookId?: string;
}

export interface WebhookDeliveryRepository {
  /** Unconditional: the record of one (event, webhook) after its latest attempt. */
  save(delivery: WebhookDelivery): Promise<void>;
  get(tenantId: string, id: string): Promise<WebhookDelivery | undefined>;
  /** Newest event first; with `webhookId`, that webhook's only. */
  list(tenantId: string, query: WebhookDeliveryQuery): Promise<Page<WebhookDelivery>>;
}

export interface BackupQuery extends PageRequest {
  readonly sourceId?: string;
}

export interface BackupRepository {
  save(backup: Backup, expect: BackupStatus | 'absent'): Promise<void>;
  get(tenantId: string, id: string): Promise<Backup | undefined>;
  /** Newest first. */
  list(tenantId: string, query: BackupQuery): Promise<Page<Backup>>;
}

export interface RestoreRepository {
  save(restore: Restore, expect: RestoreStatus | 'absent'): Promise<void>;
  get(tenantId: string, id: string): Promise<Restore | undefined>;
  /** Newest first. */
  list(tenantId: string, page: PageRequest): Promise<Page<Restore>>;
}

/** A tenant's audit chain (domain/audit.ts): append-only, one writer per position. */
export interface AuditRepository {
  /** Writes the entry at its position if that is still free; else StaleStateError (another writer was first). */
  append(entry: AuditEntry): Promise<void>;
  /** The chain's last entry (undefined: none yet). */
  latest(tenantId: string): Promise<AuditEntry | undefined>;
  /** Newest first. */
  list(tenantId: string, page: PageRequest): Promise<Page<AuditEntry>>;
}

export interface Catalog {
  readonly sources: SourceRepository;
  readonly backups: BackupRepository;
  readonly restores: RestoreRepository;
  readonly tenants: TenantRegistry;
  readonly pruneRuns: PruneRunRepository;
  readonly policies: PolicyRepository;
  readonly dispatches: DispatchRepository;
  readonly rpo: RpoRepository;
  readonly webhooks: WebhookRepository;
  readonly webhookDeliveries: WebhookDeliveryRepository;
  readonly audit: AuditRepository;
}
