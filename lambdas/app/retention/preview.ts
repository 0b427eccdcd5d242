import type { Backup } from '../../domain/backup';
import { ValidationError } from '../../domain/errors';
import { type ArchiveDecision, isArchivable, planArchive } from '../../domain/retention/archive';
import type { RetentionDecision, RetentionPlan } from '../../domain/retention/plan-types';
import { planRetention } from '../../domain/retention/planner';
import type { RetentionPolicy } from '../../domain/retention/policy';
import type { Source } from '../../domain/source';
import type { Catalog } from '../../ports/catalog';
import type { Clock } from '../../ports/runtime';
import { loadPolicies } from '../policies/source-policies';
import { getSource } from '../sources/source-queries';
import {
  type BrakeSettings,
  brakeFor,
  loadBackups,
  loadOpenRestores,
  policyOf,
  toRetentionBackup,
} from './retention-inputs';

export interface PreviewDeps {
  readonly catalog: Pick<Catalog, 'sources' | 'backups' | 'restores' | 'policies'>;
  readonly clock: Clock;
  readonly brake: BrakeSettings;
}

/** One decision as the API shows it: the plan's decision plus what a reader needs to recognise the backup. */
export interface DecisionView extends RetentionDecision {
  readonly createdAt: string;
  readonly status: string;
  readonly trigger: string;
}

export interface RetentionPreview {
  readonly sourceId: string;
  readonly now: string;
  readonly policy: RetentionPolicy;
  readonly summary: { readonly keep: number; readonly delete: number; readonly archive: number };
  readonly decisions: readonly DecisionView[];
  readonly coverage: RetentionPlan['coverage'];
  readonly brake: RetentionPlan['brake'];
  readonly archive: readonly ArchiveDecision[];
}

function view(
  source: Source,
  backups: readonly Backup[],
  policy: RetentionPolicy,
  plan: RetentionPlan,
  now: Date,
): RetentionPreview {
  const byId = new Map(backups.map((backup) => [backup.id, backup]));
  const archive = planArchive({
    decisions: plan.decisions,
    candidates: backups.map((backup) => ({ id: backup.id, archivable: isArchivable(backup) })),
    policyOf: () => policy,
  });
  const decisions = plan.decisions.map((decision) => {
    const backup = byId.get(decision.backupId) as Backup;
    return { ...decision, createdAt: backup.createdAt, status: backup.status, trigger: backup.trigger };
  });
  const deletions = plan.decisions.filter((decision) => decision.action === 'delete').length;
  return {
    sourceId: source.id,
    now: now.toISOString(),
    policy,
    summary: { keep: plan.decisions.length - deletions, delete: deletions, archive: archive.length },
    decisions,
    coverage: plan.coverage,
    brake: plan.brake,
    archive,
  };
}

async function planSource(deps: PreviewDeps, source: Source, policy: RetentionPolicy, backups: readonly Backup[]) {
  const now = deps.clock.now();
  const open = await loadOpenRestores(deps.catalog, source.tenantId);
  const plan = planRetention({
    backups: backups.map((backup) => toRetentionBackup(backup, now)),
    policy,
    now,
    tenantId: source.tenantId,
    openRestorePreRestoreIds: open.preRestoreIds,
    openRestoreBackupIds: open.backupIds,
    brake: brakeFor(deps.brake, [source]),
  });
  return view(source, backups, policy, plan, now);
}

/** GET /v1/retention/preview?sourceId=: the plan of the source's current policy against the catalog. Deletes nothing. */
export async function previewRetention(
  deps: PreviewDeps,
  input: { tenantId: string; sourceId: string },
): Promise<RetentionPreview> {
  const source = await getSource(deps.catalog, input.tenantId, input.sourceId);
  const backups = await loadBackups(deps.catalog, input.tenantId, source.id);
  return planSource(deps, source, policyOf(source, await loadPolicies(deps.catalog, input.tenantId)), backups);
}

export interface PolicyChangePreview {
  readonly sourceId: string;
  readonly current: RetentionPreview['summary'];
  readonly proposed: RetentionPreview['summary'];
  /** Deleted under the proposed policy but kept under the current one. */
  readonly newlyDeleted: readonly DecisionView[];
  /** Kept under the proposed policy but deleted under the current one. */
  readonly newlyKept: readonly DecisionView[];
  readonly brake: RetentionPlan['brake'];
  readonly plan: RetentionPreview;
}

/** POST /v1/retention/preview {sourceId, policy}: what would change if the source had this policy. Deletes nothing. */
export async function previewPolicyChange(
  deps: PreviewDeps,
  input: { tenantId: string; sourceId: string; policy: RetentionPolicy },
): Promise<PolicyChangePreview> {
  const source = await getSource(deps.catalog, input.tenantId, input.sourceId);
  const backups = await loadBackups(deps.catalog, input.tenantId, source.id);
  const policies = await loadPolicies(deps.catalog, input.tenantId);
  const current = await planSource(deps, source, policyOf(source, policies), backups);
  const proposed = await planSource(deps, source, input.policy, backups);
  const before = new Map(current.decisions.map((decision) => [decision.backupId, decision.action]));
  return {
    sourceId: source.id,
    current: current.summary,
    proposed: proposed.summary,
    newlyDeleted: proposed.decisions.filter((d) => d.action === 'delete' && before.get(d.backupId) === 'keep'),
    newlyKept: proposed.decisions.filter((d) => d.action === 'keep' && before.get(d.backupId) === 'delete'),
    brake: proposed.brake,
    plan: proposed,
  };
}

export interface SimulatedBackup {
  readonly id: string;
  readonly createdAt: string;
  readonly status?: 'pending' | 'running' | 'succeeded' | 'failed' | 'deleted' | undefined;
  readonly trigger?: string | undefined;
  readonly sourceId?: string | undefined;
  readonly legalHold?: boolean | undefined;
}

/** POST /v1/retention/simulate: the plan of any policy over any history (nothing is read or written). */
export function simulateRetention(input: {
  policy: RetentionPolicy;
  backups: readonly SimulatedBackup[];
  now: string;
  brake?: { maxDeleteShare?: number | undefined; maxDeleteCount?: number | undefined } | undefined;
}): RetentionPlan {
  const seen = new Set<string>();
  for (const [index, backup] of input.backups.entries()) {
    if (seen.has(backup.id)) {
      throw new ValidationError(`backup id ${backup.id} appears twice`, [
        { path: `backups.${index}.id`, message: 'must be unique' },
      ]);
    }
    seen.add(backup.id);
  }
  return planRetention({
    backups: input.backups.map((backup) => ({
      id: backup.id,
      createdAt: backup.createdAt,
      status: backup.status ?? 'succeeded',
      trigger: backup.trigger ?? 'scheduled',
      sourceId: backup.sourceId ?? 'simulated',
      ...(backup.legalHold === true ? { legalHold: true } : {}),
    })),
    policy: input.policy,
    now: input.now,
    ...(input.brake === undefined
      ? {}
      : {
          brake: {
            ...(input.brake.maxDeleteShare === undefined ? {} : { maxDeleteShare: input.brake.maxDeleteShare }),
            ...(input.brake.maxDeleteCount === undefined ? {} : { maxDeleteCount: input.brake.maxDeleteCount }),
          },
        }),
  });
}
