import type { Backup } from '../../domain/backup';
import { type Policy, selectSources } from '../../domain/policy';
import { type RpoStatus, rpoChanged, rpoStatus } from '../../domain/rpo';
import type { Source } from '../../domain/source';
import type { Catalog } from '../../ports/catalog';
import type { Clock } from '../../ports/runtime';
import { allPages } from '../all-pages';

export interface CheckRpoDeps {
  readonly catalog: Pick<Catalog, 'policies' | 'sources' | 'backups' | 'rpo'>;
  readonly clock: Clock;
  readonly graceMinutes: number;
}

export interface RpoCheckResult {
  readonly checked: number;
  /** Sources that became `missed` in this check. */
  readonly newlyMissed: readonly RpoStatus[];
  /** Sources missed before that have a successful backup now. */
  readonly recovered: readonly RpoStatus[];
  /** Every source missed now. */
  readonly missed: number;
}

/** The source's newest successful backup (backups are listed newest first; failed and running ones are skipped). */
async function newestSuccess(catalog: CheckRpoDeps['catalog'], tenantId: string, sourceId: string) {
  let cursor: string | undefined;
  do {
    const page = await catalog.backups.list(tenantId, { sourceId, limit: 100, ...(cursor ? { cursor } : {}) });
    const found = page.items.find((backup: Backup) => backup.status === 'succeeded');
    if (found) return found;
    cursor = page.nextCursor;
  } while (cursor);
  return undefined;
}

/**
 * Checks every source of a tenant that a policy schedule selects (domain/rpo.ts) and records its RPO status when it
 * changes; a source no schedule selects any more loses its status. Reports which sources became missed and which
 * recovered, so the caller can count, alarm and notify.
 */
export async function checkRpo(deps: CheckRpoDeps, input: { tenantId: string }): Promise<RpoCheckResult> {
  const { tenantId } = input;
  const now = deps.clock.now();
  const [policies, sources, before] = await Promise.all([
    allPages((page) => deps.catalog.policies.list(tenantId, page)),
    allPages((page) => deps.catalog.sources.list(tenantId, page)),
    allPages((page) => deps.catalog.rpo.list(tenantId, page)),
  ]);
  const selecting = new Map<string, Policy[]>();
  for (const policy of policies) {
    for (const source of selectSources(policy, sources).selected) {
      selecting.set(source.id, [...(selecting.get(source.id) ?? []), policy]);
    }
  }
  const previous = new Map(before.map((status) => [status.sourceId, status]));
  const newlyMissed: RpoStatus[] = [];
  const recovered: RpoStatus[] = [];
  let missed = 0;
  let checked = 0;
  for (const source of sources as Source[]) {
    const policiesOfSource = selecting.get(source.id);
    const earlier = previous.get(source.id);
    if (!policiesOfSource) {
      if (earlier) await deps.catalog.rpo.delete(tenantId, source.id);
      continue;
    }
    checked += 1;
    const lastSuccess = await newestSuccess(deps.catalog, tenantId, source.id);
    const status = rpoStatus({
      tenantId,
      sourceId: source.id,
      policies: policiesOfSource,
      ...(lastSuccess ? { lastSuccess } : {}),
      sourceCreatedAt: source.createdAt,
      now,
      graceMinutes: deps.graceMinutes,
    });
    if (!status) continue;
    if (status.status === 'missed') missed += 1;
    if (rpoChanged(earlier, status)) {
      await deps.catalog.rpo.put(status);
      if (status.status === 'missed' && earlier?.status !== 'missed') newlyMissed.push(status);
      if (status.status === 'ok' && earlier?.status === 'missed') recovered.push(status);
    }
  }
  // Statuses of sources that no longer exist.
  for (const status of before) {
    if (!sources.some((source) => source.id === status.sourceId))
      await deps.catalog.rpo.delete(tenantId, status.sourceId);
  }
  return { checked, newlyMissed, recovered, missed };
}
