import type { Backup } from '../../domain/backup';
import { startDeletion } from '../../domain/backup-retention';
import { ConflictError, StaleStateError } from '../../domain/errors';
import type { TenantPlan } from '../../domain/plans';
import type { Catalog } from '../../ports/catalog';
import type { Clock } from '../../ports/runtime';
import { allPages } from '../all-pages';

/** The run id retention notes carry when the manual-backup cap, not a prune run, started a deletion. */
export const MANUAL_CAP_RUN = 'manual-cap';

type Deps = { readonly catalog: Pick<Catalog, 'backups'>; readonly clock: Clock };

/** The source's manual backups that count against the cap (pending, running, succeeded), newest first. */
async function keptManual(deps: Deps, tenantId: string, sourceId: string): Promise<Backup[]> {
  const all = await allPages((page) => deps.catalog.backups.list(tenantId, { ...page, sourceId }));
  return all.filter(
    (backup) => backup.trigger === 'manual' && ['pending', 'running', 'succeeded'].includes(backup.status),
  );
}

/**
 * Before a manual backup starts, on a plan that rejects beyond its cap: 409 manual_backups_full when the source has
 * its plan's number of manual backups already, naming the oldest. Plans that expire the oldest take the backup and
 * make room once it has succeeded (expireSurplusManual). A soft limit, like the monthly allowance.
 */
export async function requireManualRoom(
  deps: Deps,
  input: { tenantId: string; sourceId: string; plan: TenantPlan },
): Promise<void> {
  const { plan } = input;
  if (plan.whenManualKeptFull !== 'reject') return;
  const kept = await keptManual(deps, input.tenantId, input.sourceId);
  if (kept.length < plan.manualKeptPerSource) return;
  const oldest = kept.at(-1) as Backup;
  throw new ConflictError(
    `the ${plan.name} plan keeps ${plan.manualKeptPerSource} manual backups per source and source ${input.sourceId} ` +
      `has ${kept.length}; the oldest is ${oldest.id} (${oldest.createdAt}). A place frees up when retention prunes ` +
      'one of them; scheduled backups are not affected.',
    'manual_backups_full',
  );
}

/**
 * After a manual backup succeeded, on a plan that expires the oldest: the source's succeeded manual backups beyond the
 * plan's cap, oldest first, go to `deleting` (no longer restorable) with the reason, and the next prune run deletes
 * them with every re-check a deletion gets (legal holds, Object Lock, open restores). Held backups are never chosen.
 * Best effort for callers: the new backup is recorded already.
 */
export async function expireSurplusManual(deps: Deps, input: { backup: Backup; plan: TenantPlan }): Promise<string[]> {
  const { backup, plan } = input;
  if (backup.trigger !== 'manual' || backup.status !== 'succeeded' || plan.whenManualKeptFull !== 'expire_oldest') {
    return [];
  }
  const kept = await keptManual(deps, backup.tenantId, backup.sourceId);
  const surplus = kept.length - plan.manualKeptPerSource;
  if (surplus <= 0) return [];
  const candidates = kept.filter(
    (old) => old.status === 'succeeded' && old.legalHold === undefined && old.id !== backup.id,
  );
  const expired: string[] = [];
  for (const old of candidates.reverse().slice(0, surplus)) {
    const note = {
      runId: MANUAL_CAP_RUN,
      at: deps.clock.now().toISOString(),
      reasons: [
        `the ${plan.name} plan keeps ${plan.manualKeptPerSource} manual backups per source; ${backup.id} took its place`,
      ],
    };
    try {
      await deps.catalog.backups.save(startDeletion(old, note), 'succeeded');
      expired.push(old.id);
    } catch (error) {
      // Changed meanwhile (held, restored from, already deleting): it keeps its place this time.
      if (!(error instanceof StaleStateError || error instanceof ConflictError)) throw error;
    }
  }
  return expired;
}
