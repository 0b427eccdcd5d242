import { type SnapshotBackup, succeedSnapshotBackup } from '../../domain/backup';
import { isStrongboxError } from '../../domain/errors';
import { buildSnapshotManifest, type SnapshotManifest } from '../../domain/snapshot-manifest';
import type { SnapshotSource } from '../../domain/source';
import { manifestKey } from '../../domain/vault-layout';
import type { Vault } from '../../ports/vault';
import { getSnapshotBackup, loadSnapshotContext, requireRunning } from './snapshot-context';
import type { SnapshotStepDeps } from './start-snapshot-backup';

export interface RecordSnapshotBackupDeps extends Pick<SnapshotStepDeps, 'catalog' | 'clock'> {
  readonly vault: Pick<Vault, 'putJsonOnce' | 'head'>;
}

/**
 * "Record backup": writes the manifests (each DR copy's, then the backup's own, which lists the copies) create-once
 * into the vault, then marks the copies and the backup succeeded. Every snapshot must have completed
 * (succeedSnapshotBackup and the manifest builder both refuse otherwise). A retried step finds a manifest it already
 * wrote and goes on.
 */
export async function recordSnapshotBackup(
  deps: RecordSnapshotBackupDeps,
  input: { tenantId: string; backupId: string },
): Promise<SnapshotBackup> {
  const { backup: loaded, source } = await loadSnapshotContext(deps.catalog, input.tenantId, input.backupId);
  const parent = requireRunning(loaded);
  const copies = await Promise.all(
    (parent.copies ?? []).map((id) => getSnapshotBackup(deps.catalog, input.tenantId, id)),
  );
  const now = deps.clock.now();
  const succeededCopies: SnapshotBackup[] = [];
  for (const copy of copies) {
    if (copy.status === 'succeeded') {
      succeededCopies.push(copy);
      continue;
    }
    const manifest = buildSnapshotManifest({ backup: requireRunning(copy), source, copies: [], finishedAt: now });
    const stored = await writeOnce(deps, source, copy, manifest);
    const done = succeedSnapshotBackup(copy, { snapshots: copy.snapshots ?? [], manifest: stored }, now);
    await deps.catalog.backups.save(done, 'running');
    succeededCopies.push(done);
  }
  const manifest = buildSnapshotManifest({ backup: parent, source, copies: succeededCopies, finishedAt: now });
  const stored = await writeOnce(deps, source, parent, manifest);
  const done = succeedSnapshotBackup(
    parent,
    { snapshots: parent.snapshots ?? [], manifest: stored, copies: parent.copies ?? [] },
    now,
  );
  await deps.catalog.backups.save(done, 'running');
  return done;
}

async function writeOnce(
  deps: RecordSnapshotBackupDeps,
  source: SnapshotSource,
  backup: SnapshotBackup,
  manifest: SnapshotManifest,
): Promise<{ key: string; versionId?: string }> {
  const key = manifestKey(source.tenantId, source.id, backup.id);
  try {
    const written = await deps.vault.putJsonOnce(key, `${JSON.stringify(manifest, null, 2)}\n`);
    return { key, ...written };
  } catch (error) {
    // Written by an earlier attempt of this step (create-once refused the second write): keep that one.
    if (isStrongboxError(error) && error.code === 'object_exists') {
      const head = await deps.vault.head(key);
      if (head) return { key, ...(head.versionId === undefined ? {} : { versionId: head.versionId }) };
    }
    throw error;
  }
}
