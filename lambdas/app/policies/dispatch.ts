import { type Dispatch, type DispatchOutcome, SKIP_CODES } from '../../domain/dispatch';
import { isStrongboxError } from '../../domain/errors';
import { selectSources } from '../../domain/policy';
import type { Catalog } from '../../ports/catalog';
import type { DispatchTarget } from '../../ports/schedules';
import { allPages } from '../all-pages';
import { type RequestBackupDeps, requestBackup } from '../backups/request-backup';

export interface DispatchDeps extends RequestBackupDeps {
  readonly catalog: Pick<Catalog, 'sources' | 'backups' | 'policies' | 'dispatches'>;
}

export interface DispatchInput extends DispatchTarget {
  /** When the schedule fired for (Scheduler's `<aws.scheduler.scheduled-time>`). */
  readonly scheduledTime: string;
}

/** A backup in one of these states is still under way: a scheduled backup of the same source is not doubled. */
const UNDER_WAY = new Set(['pending', 'running']);

/** The backup of the source still under way, if any (the newest few are enough: backups are listed newest first). */
async function backupUnderWay(catalog: DispatchDeps['catalog'], tenantId: string, sourceId: string) {
  const page = await catalog.backups.list(tenantId, { sourceId, limit: 5 });
  return page.items.find((backup) => UNDER_WAY.has(backup.status));
}

/**
 * One firing of a policy schedule: resolves the policy's sources now (explicit ids and the tag selector) and starts one
 * backup per source, `trigger: scheduled`. A source whose previous backup is still pending or running is skipped with
 * that reason, not doubled. A source a backup cannot be started for is skipped with the error's code (recorded); an
 * unexpected failure is thrown after nothing else is left to try, so Scheduler retries the firing — the sources started
 * before are then skipped as under way, so a retry converges. The dispatch is recorded in the catalog either way.
 * Exactly once per (schedule, scheduled time) is the handler's job (Powertools idempotency over this input).
 */
export async function dispatchSchedule(deps: DispatchDeps, input: DispatchInput): Promise<Dispatch> {
  const { tenantId, policyId, scheduleName } = input;
  const record = async (fields: Pick<Dispatch, 'outcomes' | 'missingSources'> & { stale?: string }) => {
    const dispatch: Dispatch = {
      tenantId,
      id: deps.ids.next('dispatch'),
      policyId,
      scheduleName,
      scheduledTime: input.scheduledTime,
      at: deps.clock.now().toISOString(),
      ...fields,
    };
    await deps.catalog.dispatches.save(dispatch);
    return dispatch;
  };
  const policy = await deps.catalog.policies.get(tenantId, policyId);
  if (!policy?.schedules.some((schedule) => schedule.name === scheduleName)) {
    const stale = policy ? `policy ${policyId} has no schedule ${scheduleName} now` : `policy ${policyId} is gone`;
    return record({ outcomes: [], missingSources: [], stale });
  }
  const sources = await allPages((page) => deps.catalog.sources.list(tenantId, page));
  const { selected, missing } = selectSources(policy, sources);
  const outcomes: DispatchOutcome[] = [];
  let unexpected: unknown;
  for (const source of selected) {
    const underWay = await backupUnderWay(deps.catalog, tenantId, source.id);
    if (underWay) {
      const message = `backup ${underWay.id} of this source is still ${underWay.status}`;
      outcomes.push({ sourceId: source.id, outcome: 'skipped', code: SKIP_CODES.running, message });
      continue;
    }
    try {
      const backup = await requestBackup(deps, { tenantId, sourceId: source.id, trigger: 'scheduled' });
      outcomes.push({ sourceId: source.id, outcome: 'started', backupId: backup.id });
    } catch (error) {
      const code = isStrongboxError(error) ? error.code : SKIP_CODES.failed;
      const message = error instanceof Error ? error.message : String(error);
      outcomes.push({ sourceId: source.id, outcome: 'skipped', code, message });
      if (!isStrongboxError(error) || error.kind === 'unavailable') unexpected ??= error;
    }
  }
  const dispatch = await record({ outcomes, missingSources: missing });
  if (unexpected !== undefined) throw unexpected;
  return dispatch;
}
