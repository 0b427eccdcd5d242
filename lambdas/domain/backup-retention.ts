import {
  type Backup,
  expiryAfterDays,
  type HoldEvent,
  type LegalHold,
  type RetentionNote,
  requireStatus,
  type SnapshotBackup,
} from './backup';
import { ConflictError } from './errors';

/**
 * What retention does to a backup record: legal holds, the deletion lifecycle (succeeded → deleting → deleted, or back
 * with the reason it had to stop) and the archive tier. Pure, like the rest of the domain.
 */

/** Deleted backups' tombstones expire this long after the deletion. */
export const TOMBSTONE_TTL_DAYS = 400;

/** Places a legal hold (again placing one is a no-op that keeps the first). Only finished backups can be held. */
export function placeLegalHold<T extends Backup>(backup: T, hold: LegalHold): T {
  requireStatus(backup, ['succeeded'], 'place a legal hold on it');
  if (backup.legalHold !== undefined) return backup;
  const event: HoldEvent = {
    action: 'placed',
    by: hold.by,
    at: hold.at,
    ...(hold.reason ? { reason: hold.reason } : {}),
  };
  return { ...backup, legalHold: hold, holdHistory: [...(backup.holdHistory ?? []), event] };
}

/** Releases a legal hold (no hold: no-op). */
export function releaseLegalHold<T extends Backup>(backup: T, by: string, now: Date): T {
  if (backup.legalHold === undefined) return backup;
  const { legalHold: _hold, ...rest } = backup;
  const event: HoldEvent = { action: 'released', by, at: now.toISOString() };
  return { ...rest, holdHistory: [...(backup.holdHistory ?? []), event] } as unknown as T;
}

/** Retention starts deleting: only a succeeded backup without a hold; the note says which run and why. */
export function startDeletion<T extends Backup>(backup: T, note: RetentionNote): T {
  requireStatus(backup, ['succeeded', 'deleting'], 'delete it');
  if (backup.legalHold !== undefined) {
    throw new ConflictError(`backup ${backup.id} is under legal hold`, 'legal_hold');
  }
  const { retentionSkip: _skip, ...rest } = backup;
  return { ...rest, status: 'deleting', deletion: note } as T;
}

/** Every artifact is gone: the record becomes a tombstone that expires after TOMBSTONE_TTL_DAYS. */
export function finishDeletion<T extends Backup>(backup: T, now: Date): T {
  requireStatus(backup, ['deleting'], 'finish deleting it');
  return {
    ...backup,
    status: 'deleted',
    deletedAt: now.toISOString(),
    expiresAt: expiryAfterDays(now, TOMBSTONE_TTL_DAYS),
  };
}

/** Retention could not delete the backup: it stays succeeded, with the reason (a `deleting` one goes back too). */
export function skipDeletion<T extends Backup>(backup: T, note: RetentionNote, lockedUntil?: string): T {
  requireStatus(backup, ['succeeded', 'deleting'], 'record a skipped deletion');
  const { deletion: _deletion, ...rest } = backup;
  return {
    ...rest,
    status: 'succeeded',
    retentionSkip: note,
    ...(lockedUntil === undefined ? {} : { lockedUntil }),
  } as T;
}

/**
 * Retention had to stop deleting a backup. When some of its data may be gone already (`partlyGone`: a resumed deletion,
 * or an artifact was removed in this attempt) it stays `deleting` with the reason, so nobody restores from it and the
 * next run resumes; otherwise it is whole and goes back to `succeeded` (skipDeletion).
 */
export function haltDeletion<T extends Backup>(
  backup: T,
  note: RetentionNote,
  options: { readonly partlyGone: boolean; readonly lockedUntil?: string | undefined },
): T {
  if (!options.partlyGone) return skipDeletion(backup, note, options.lockedUntil);
  requireStatus(backup, ['deleting'], 'record a halted deletion');
  return {
    ...backup,
    retentionSkip: note,
    ...(options.lockedUntil === undefined ? {} : { lockedUntil: options.lockedUntil }),
  };
}

/** Retention moved these snapshots of a succeeded snapshot backup to the archive tier. */
export function recordArchived(backup: SnapshotBackup, snapshotIds: readonly string[], now: Date): SnapshotBackup {
  requireStatus(backup, ['succeeded'], 'archive it');
  const moved = new Set(snapshotIds);
  return {
    ...backup,
    snapshots: (backup.snapshots ?? []).map((snapshot) =>
      moved.has(snapshot.id) ? { ...snapshot, storageTier: 'archive' as const } : snapshot,
    ),
    archivedAt: now.toISOString(),
  };
}
