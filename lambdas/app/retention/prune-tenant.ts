import { isArchivable, planArchive } from '../../domain/retention/archive';
import { planRetention } from '../../domain/retention/planner';
import {
  MAX_REPORTED_SKIPS,
  type PruneRun,
  type PruneSkip,
  type PruneSourceReport,
} from '../../domain/retention/prune-run';
import type { Source } from '../../domain/source';
import type { Catalog } from '../../ports/catalog';
import type { CloudResources } from '../../ports/cloud';
import type { Clock } from '../../ports/runtime';
import type { Vault } from '../../ports/vault';
import { loadPolicies } from '../policies/source-policies';
import { archiveBackup } from './archive-backup';
import { deleteBackup, type Pace } from './delete-backup';
import {
  type BrakeSettings,
  brakeFor,
  loadBackups,
  loadOpenRestores,
  loadSources,
  policyOf,
  toRetentionBackup,
} from './retention-inputs';

/**
 * Runs `work` for items with bounded concurrency, starting none after `deadline`; says how many it did not start and
 * which threw.
 */
export type RunEach = <T>(
  items: readonly T[],
  work: (item: T) => Promise<void>,
  deadline: Date,
) => Promise<{ notStarted: number; failed: readonly { item: T; error: unknown }[] }>;

export interface PruneTenantDeps {
  readonly catalog: Pick<Catalog, 'sources' | 'backups' | 'restores' | 'pruneRuns' | 'policies'>;
  readonly vault: Pick<Vault, 'protection' | 'removeAllVersions'>;
  readonly cloud: CloudResources;
  readonly clock: Clock;
  readonly brake: BrakeSettings;
  readonly paceEc2: Pace;
  readonly paceRds: Pace;
  readonly runEach: RunEach;
}

export interface PruneTenantResult {
  /** Every deletion and archive of the plan was tried; the tenant needs no further step in this run. */
  readonly finished: boolean;
  readonly deleted: number;
  readonly archived: number;
  readonly skipped: number;
  /** Sources whose brake tripped, counted once per run (the first plan of the tenant in the run). */
  readonly brakeTripped: number;
}

type Work =
  | { kind: 'delete'; backupId: string; sourceId: string; reasons: readonly string[] }
  | {
      kind: 'archive';
      backupId: string;
      sourceId: string;
    };

/**
 * One tenant's share of a prune run, until done or the deadline. It plans from the catalog as it is now, with the run's
 * fixed `now` (so backups made during the run are "created after now" and kept, P3), and tries every deletion and
 * archive the plan asks for that this run has not tried yet (a skip is recorded on the backup with the run id). A later
 * step re-plans: what was deleted meanwhile is "already deleted", so the plan converges. The run record accumulates
 * per source: planned, deleted, archived, skipped (with reasons) and the brake.
 */
export async function pruneTenant(
  deps: PruneTenantDeps,
  input: { tenantId: string; runId: string; now: string; deadline: Date },
): Promise<PruneTenantResult> {
  const { tenantId, runId } = input;
  const now = new Date(input.now);
  const [backups, sources, open, policies] = await Promise.all([
    loadBackups(deps.catalog, tenantId),
    loadSources(deps.catalog, tenantId),
    loadOpenRestores(deps.catalog, tenantId),
    loadPolicies(deps.catalog, tenantId),
  ]);
  const policyBySource = Object.fromEntries(
    [...new Set(backups.map((backup) => backup.sourceId))].map((id) => [id, policyOf(sources.get(id), policies)]),
  );
  const plan = planRetention({
    backups: backups.map((backup) => toRetentionBackup(backup, now)),
    policy: {},
    policyBySource,
    now,
    tenantId,
    openRestorePreRestoreIds: open.preRestoreIds,
    openRestoreBackupIds: open.backupIds,
    brake: brakeFor(deps.brake, sources.values()),
  });
  const byId = new Map(backups.map((backup) => [backup.id, backup]));
  const triedThisRun = (id: string) => byId.get(id)?.retentionSkip?.runId === runId;
  const work: Work[] = [];
  // Oldest first: an interrupted run has then removed the backups furthest from being needed.
  for (let i = plan.decisions.length - 1; i >= 0; i--) {
    const decision = plan.decisions[i];
    if (decision?.action === 'delete' && !triedThisRun(decision.backupId)) {
      work.push({
        kind: 'delete',
        backupId: decision.backupId,
        sourceId: decision.sourceId,
        reasons: decision.reasons,
      });
    }
  }
  const archive = planArchive({
    decisions: plan.decisions,
    candidates: backups.map((backup) => ({ id: backup.id, archivable: isArchivable(backup) })),
    policyOf: (sourceId) => policyBySource[sourceId],
  });
  for (const decision of archive) {
    if (!triedThisRun(decision.backupId)) work.push({ kind: 'archive', ...decision });
  }

  const existing = await deps.catalog.pruneRuns.get(tenantId, runId);
  const firstPlan = existing === undefined;
  const reports = new Map<string, MutableReport>(
    (existing?.sources ?? []).map((report) => [report.sourceId, { ...report, skipped: [...report.skipped] }]),
  );
  const reportOf = (sourceId: string): MutableReport => {
    let report = reports.get(sourceId);
    if (report === undefined) {
      report = { sourceId, planned: 0, deleted: 0, archived: 0, skipped: [], skippedCount: 0 };
      reports.set(sourceId, report);
    }
    return report;
  };
  let brakeTripped = 0;
  if (firstPlan) {
    for (const decision of plan.decisions) if (decision.action === 'delete') reportOf(decision.sourceId).planned += 1;
    for (const brake of plan.brake.sources) {
      if (brake.tripped || brake.acknowledged) reportOf(brake.sourceId).brake = brake;
      if (brake.tripped) brakeTripped += 1;
    }
  }
  await saveRun(deps, { tenantId, runId, now: input.now, reports, existing, finished: false });

  const counts = { deleted: 0, archived: 0, skipped: 0 };
  const skip = (report: MutableReport, entry: PruneSkip) => {
    counts.skipped += 1;
    report.skippedCount += 1;
    if (report.skipped.length < MAX_REPORTED_SKIPS) report.skipped.push(entry);
  };
  const { notStarted, failed } = await deps.runEach(
    work,
    async (item) => {
      const report = reportOf(item.sourceId);
      if (item.kind === 'archive') {
        const outcome = await archiveBackup(deps, { tenantId, backupId: item.backupId });
        if (outcome.outcome === 'archived') {
          counts.archived += 1;
          report.archived += 1;
        } else skip(report, { backupId: item.backupId, code: outcome.code, message: outcome.message });
        return;
      }
      const outcome = await deleteBackup(deps, { tenantId, backupId: item.backupId, runId, reasons: item.reasons });
      if (outcome.outcome === 'deleted') {
        counts.deleted += 1;
        report.deleted += 1;
      } else skip(report, { backupId: item.backupId, code: outcome.code, message: outcome.message });
    },
    input.deadline,
  );
  for (const { item, error } of failed) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    skip(reportOf(item.sourceId), { backupId: item.backupId, code: 'error', message: message.slice(0, 500) });
  }
  const finished = notStarted === 0;
  if (finished) await releaseUsedAcknowledgements(deps, tenantId, reports, sources);
  await saveRun(deps, { tenantId, runId, now: input.now, reports, existing, finished });
  return { finished, ...counts, brakeTripped };
}

type MutableReport = { -readonly [K in keyof PruneSourceReport]: PruneSourceReport[K] } & { skipped: PruneSkip[] };

async function saveRun(
  deps: Pick<PruneTenantDeps, 'catalog' | 'clock'>,
  input: {
    tenantId: string;
    runId: string;
    now: string;
    reports: Map<string, MutableReport>;
    existing: PruneRun | undefined;
    finished: boolean;
  },
): Promise<void> {
  const at = deps.clock.now().toISOString();
  await deps.catalog.pruneRuns.save({
    tenantId: input.tenantId,
    id: input.runId,
    now: input.now,
    startedAt: input.existing?.startedAt ?? at,
    status: input.finished ? 'finished' : 'running',
    ...(input.finished ? { finishedAt: at } : {}),
    sources: [...input.reports.values()].sort((a, b) => (a.sourceId < b.sourceId ? -1 : 1)),
  });
}

/**
 * An admin's acknowledgement covers one run: once a run has acted on it, it is removed from the source. Whether the run
 * acted on it is the verdict recorded at the run's first plan (the brake is counted once per run): a later step plans
 * over fewer backups and may not trip the brake at all, yet the run still used the acknowledgement.
 */
async function releaseUsedAcknowledgements(
  deps: Pick<PruneTenantDeps, 'catalog'>,
  tenantId: string,
  reports: ReadonlyMap<string, PruneSourceReport>,
  sources: Map<string, Source>,
): Promise<void> {
  for (const report of reports.values()) {
    const brake = report.brake;
    const used = sources.get(report.sourceId)?.retentionBrake;
    if (brake === undefined || !brake.acknowledged || used === undefined) continue;
    // Read the source again just before writing: an admin may have changed its policy, or acknowledged anew, while
    // the run deleted. Only the acknowledgement this run used is removed; everything else stays as it is now.
    const current = await deps.catalog.sources.get(tenantId, brake.sourceId);
    const same = current?.retentionBrake;
    if (current === undefined || same?.at !== used.at || same.by !== used.by || same.deletions !== used.deletions) {
      continue;
    }
    const { retentionBrake: _used, ...rest } = current;
    await deps.catalog.sources.update(rest as Source);
  }
}
