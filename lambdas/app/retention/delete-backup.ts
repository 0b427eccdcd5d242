import type { Backup, RetentionNote } from '../../domain/backup';
import { finishDeletion, haltDeletion, startDeletion } from '../../domain/backup-retention';
import { DeletionBlockedError, isStrongboxError, StaleStateError } from '../../domain/errors';
import type { SnapshotArtifact } from '../../domain/snapshot';
import { recordedKeys } from '../../domain/vault-layout';
import type { Catalog } from '../../ports/catalog';
import type { CloudResources } from '../../ports/cloud';
import type { Clock } from '../../ports/runtime';
import type { Vault } from '../../ports/vault';
import { loadOpenRestores } from './retention-inputs';

/** Runs a call under a pacer (EC2's DeleteSnapshot token bucket, RDS's API rate). */
export type Pace = <T>(call: () => Promise<T>) => Promise<T>;

export interface DeleteBackupDeps {
  readonly catalog: Pick<Catalog, 'backups' | 'restores'>;
  readonly vault: Pick<Vault, 'protection' | 'removeAllVersions'>;
  readonly cloud: CloudResources;
  readonly clock: Clock;
  readonly paceEc2: Pace;
  readonly paceRds: Pace;
}

export type DeleteOutcome =
  | { readonly outcome: 'deleted'; readonly backupId: string }
  | { readonly outcome: 'skipped'; readonly backupId: string; readonly code: string; readonly message: string };

function skipped(backupId: string, code: string, message: string): DeleteOutcome {
  return { outcome: 'skipped', backupId, code, message };
}

/**
 * Deletes one backup the plan gave up, re-checking it first (DESIGN.md P4: the plan may be minutes old):
 * 1. the catalog record, read again: still there, succeeded (or `deleting` from an interrupted run), no legal hold;
 * 2. the vault objects' Object Lock state: a legal hold or a retention date in the future → skipped, reported, kept;
 * 3. the record goes to `deleting` (a conditional write: a concurrent change wins), and no open restore reads it;
 * 4. the artifacts go — snapshots first, paced (EC2 DeleteSnapshot shares a 100-token bucket refilled at 5/s), then the
 *    vault objects; an artifact already gone counts as deleted (reruns converge, P5);
 * 5. the record becomes a tombstone (`deleted`, expires after TOMBSTONE_TTL_DAYS).
 * Whenever it stops (a protection found, an open restore, an artifact that cannot be deleted): if nothing can be gone
 * yet the backup goes back to `succeeded` with the reason; if something may be (this attempt removed an artifact, or it
 * resumes an interrupted deletion) it stays `deleting` with the reason — never `succeeded` over missing data (P5) — and
 * the next run resumes it.
 */
export async function deleteBackup(
  deps: DeleteBackupDeps,
  input: { tenantId: string; backupId: string; runId: string; reasons: readonly string[] },
): Promise<DeleteOutcome> {
  const { tenantId, backupId } = input;
  const note = (code?: string, message?: string): RetentionNote => ({
    runId: input.runId,
    at: deps.clock.now().toISOString(),
    reasons: message === undefined ? input.reasons : [message],
    ...(code === undefined ? {} : { code }),
  });
  const fresh = await deps.catalog.backups.get(tenantId, backupId);
  if (!fresh) return skipped(backupId, 'stale_state', 'no longer in the catalog');
  if (fresh.status !== 'succeeded' && fresh.status !== 'deleting') {
    return skipped(backupId, 'stale_state', `status is ${fresh.status} now`);
  }
  if (fresh.legalHold !== undefined) return skipped(backupId, 'legal_hold', 'placed under legal hold meanwhile');

  // A resumed deletion (status was `deleting`) may already have removed some artifacts: those report 'gone'.
  let partlyGone = fresh.status === 'deleting';
  /** Stops here, recording why: back to `succeeded` if the backup is whole, still `deleting` if it may not be. */
  const halt = async (from: Backup, code: string, message: string, lockedUntil?: string): Promise<DeleteOutcome> => {
    await record(deps, from, (b) => haltDeletion(b, note(code, message), { partlyGone, lockedUntil }));
    return skipped(backupId, code, message);
  };

  const keys = recordedKeys(fresh);
  for (const key of keys) {
    const protection = await deps.vault.protection(key);
    if (protection?.legalHold) {
      return halt(fresh, 'legal_hold', `vault object ${key} carries an S3 Object Lock legal hold`);
    }
    const until = protection?.retainUntil;
    if (until !== undefined && Date.parse(until) > deps.clock.now().getTime()) {
      const mode = protection?.mode ?? 'retention';
      return halt(fresh, 'locked', `vault object ${key} is under S3 Object Lock (${mode}) until ${until}`, until);
    }
  }

  let deleting: Backup;
  try {
    deleting = startDeletion(fresh, note());
    await deps.catalog.backups.save(deleting, fresh.status);
  } catch (error) {
    if (error instanceof StaleStateError) return skipped(backupId, 'stale_state', 'changed while being deleted');
    throw error;
  }
  const open = await loadOpenRestores(deps.catalog, tenantId, { newestOnly: true });
  if (open.backupIds.has(backupId) || open.preRestoreIds.has(backupId)) {
    return halt(deleting, 'in_use', 'an open restore reads it');
  }

  try {
    for (const snapshot of fresh.kind === 'snapshot' ? (fresh.snapshots ?? []) : []) {
      await deleteSnapshot(deps, snapshot);
      partlyGone = true;
    }
    for (const key of keys) {
      await deps.vault.removeAllVersions(key);
      partlyGone = true;
    }
  } catch (error) {
    const code = error instanceof DeletionBlockedError ? error.reason : isStrongboxError(error) ? error.code : 'error';
    return halt(deleting, code, error instanceof Error ? error.message : String(error));
  }
  await record(deps, deleting, (b) => finishDeletion(b, deps.clock.now()));
  return { outcome: 'deleted', backupId };
}

async function deleteSnapshot(deps: DeleteBackupDeps, snapshot: SnapshotArtifact): Promise<void> {
  if (snapshot.type === 'ebs-snapshot') {
    await deps.paceEc2(() => deps.cloud.ec2.deleteSnapshot(snapshot.region, snapshot.id));
  } else {
    await deps.paceRds(() => deps.cloud.rds.deleteDbSnapshot(snapshot.region, snapshot));
  }
}

/** Writes the changed record over `from` (conditional on its status). */
async function record(deps: DeleteBackupDeps, from: Backup, change: (backup: Backup) => Backup): Promise<void> {
  await deps.catalog.backups.save(change(from), from.status);
}
