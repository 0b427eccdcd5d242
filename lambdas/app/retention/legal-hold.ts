import type { Backup } from '../../domain/backup';
import { placeLegalHold, releaseLegalHold } from '../../domain/backup-retention';
import { TAGS } from '../../domain/snapshot';
import { recordedKeys } from '../../domain/vault-layout';
import type { Catalog } from '../../ports/catalog';
import type { CloudResources } from '../../ports/cloud';
import type { Clock } from '../../ports/runtime';
import type { Vault } from '../../ports/vault';
import { getBackup } from '../backups/backup-queries';

export interface LegalHoldDeps {
  readonly catalog: Pick<Catalog, 'backups'>;
  readonly vault: Pick<Vault, 'setLegalHold'>;
  readonly cloud: CloudResources;
  readonly clock: Clock;
}

/** Puts the hold on (or takes it off) the artifacts themselves: S3 Object Lock legal hold, a tag on each snapshot. */
async function applyToArtifacts(deps: LegalHoldDeps, backup: Backup, on: boolean): Promise<void> {
  for (const key of recordedKeys(backup)) await deps.vault.setLegalHold(key, on);
  if (backup.kind !== 'snapshot') return;
  for (const snapshot of backup.snapshots ?? []) {
    if (snapshot.type === 'ebs-snapshot') {
      if (on) await deps.cloud.ec2.tagSnapshots(snapshot.region, [snapshot.id], { [TAGS.legalHold]: 'true' });
      else await deps.cloud.ec2.untagSnapshots(snapshot.region, [snapshot.id], [TAGS.legalHold]);
    } else if (on) await deps.cloud.rds.tagDbSnapshot(snapshot.region, snapshot, { [TAGS.legalHold]: 'true' });
    else await deps.cloud.rds.untagDbSnapshot(snapshot.region, snapshot, [TAGS.legalHold]);
  }
}

/**
 * POST /v1/backups/{id}/hold: retention never deletes the backup while the hold is on. The catalog records who placed
 * it and when (and the hold history); the vault objects get an S3 Object Lock legal hold (so not even a role that may
 * delete objects can remove them), snapshots the `strongbox:legal-hold` tag. Placing a hold twice keeps the first.
 * The artifacts are marked first: if that fails, nothing is recorded and the request can be repeated.
 */
export async function placeHold(
  deps: LegalHoldDeps,
  input: { tenantId: string; backupId: string; by: string; reason?: string | undefined },
): Promise<Backup> {
  const backup = await getBackup(deps.catalog, input.tenantId, input.backupId);
  if (backup.legalHold !== undefined) return backup;
  // The domain decides whether the backup can be held (succeeded only) before anything is marked.
  const held = placeLegalHold(backup, {
    by: input.by,
    at: deps.clock.now().toISOString(),
    ...(input.reason === undefined ? {} : { reason: input.reason }),
  });
  await applyToArtifacts(deps, backup, true);
  await deps.catalog.backups.save(held, backup.status);
  return held;
}

/** DELETE /v1/backups/{id}/hold: the catalog first (retention may act again), then the artifacts. No hold: no-op. */
export async function releaseHold(
  deps: LegalHoldDeps,
  input: { tenantId: string; backupId: string; by: string },
): Promise<Backup> {
  const backup = await getBackup(deps.catalog, input.tenantId, input.backupId);
  if (backup.legalHold === undefined) return backup;
  const released = releaseLegalHold(backup, input.by, deps.clock.now());
  await deps.catalog.backups.save(released, backup.status);
  await applyToArtifacts(deps, backup, false);
  return released;
}
