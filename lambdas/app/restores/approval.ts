import type { Backup } from '../../domain/backup';
import { ConflictError, RestoreRejectedError, StaleStateError } from '../../domain/errors';
import {
  type Approval,
  awaitApproval,
  decideApproval,
  failRestore,
  isFinished,
  type Restore,
} from '../../domain/restore';
import { sourceSettings } from '../../domain/source';
import type { Catalog } from '../../ports/catalog';
import type { TaskTokens } from '../../ports/jobs';
import type { Clock } from '../../ports/runtime';
import { getBackup } from '../backups/backup-queries';
import { settingsOf } from '../policies/source-policies';
import { getRestore } from './restore-context';

/**
 * The restore approval gate (four eyes). A restore needs approval when its source's settings say so, and always
 * when it replaces something (a database or a volume). The machine then waits on a task token that only a tenant
 * admin other than the requester can release, before anything is created or changed.
 */
export interface ApprovalDeps {
  readonly catalog: Pick<Catalog, 'sources' | 'backups' | 'restores' | 'policies'>;
  readonly clock: Clock;
}

function replaces(restore: Restore): boolean {
  switch (restore.kind) {
    case 'dump':
      return restore.target.replaceExisting;
    case 'volume':
      return restore.target.replace;
    case 'db':
      return false;
  }
}

/**
 * Why a restore must be approved, or undefined when it need not be. The backup's source decides, and for a dump
 * restored onto another registered server, that server's source too. A source that no longer exists cannot say
 * "no approval needed": deleting a guarded source must not be a way around the gate.
 */
export async function approvalReason(
  deps: Pick<ApprovalDeps, 'catalog'>,
  restore: Restore,
  backup: Backup,
): Promise<Approval['reason'] | undefined> {
  if (replaces(restore)) return 'replace';
  const sourceIds = new Set([backup.sourceId, ...(restore.kind === 'dump' ? [restore.target.sourceId] : [])]);
  for (const sourceId of sourceIds) {
    const source = await deps.catalog.sources.get(restore.tenantId, sourceId);
    if (!source) return 'source-deleted';
    if (sourceSettings(source).restoreApproval) return 'source-settings';
    if ((await settingsOf(deps.catalog, source)).settings.restoreApproval) return 'policy-settings';
  }
  return undefined;
}

/** "Approval required?": decides once and records the decision on the restore; a retried step keeps it. */
export async function checkApproval(
  deps: ApprovalDeps,
  input: { tenantId: string; restoreId: string },
): Promise<{ required: boolean; reason: Approval['reason'] | null }> {
  const restore = await getRestore(deps.catalog, input.tenantId, input.restoreId);
  if (restore.approval) {
    return { required: restore.approval.decision !== 'approved', reason: restore.approval.reason };
  }
  const backup = await getBackup(deps.catalog, restore.tenantId, restore.backupId);
  const reason = await approvalReason(deps, restore, backup);
  if (reason === undefined) return { required: false, reason: null };
  await deps.catalog.restores.save({ ...restore, approval: { reason } }, restore.status);
  return { required: true, reason };
}

/** "Await approval": keeps the task token on the restore, which now shows `pending_approval`. */
export async function awaitRestoreApproval(
  deps: ApprovalDeps,
  input: { tenantId: string; restoreId: string; taskToken: string },
): Promise<Restore> {
  const restore = await getRestore(deps.catalog, input.tenantId, input.restoreId);
  if (isFinished(restore))
    throw new ConflictError(`restore ${restore.id} is already ${restore.status}`, 'invalid_state');
  const waiting = awaitApproval(restore, input.taskToken, deps.clock.now());
  await deps.catalog.restores.save(waiting, restore.status);
  return waiting;
}

export interface DecideRestoreDeps extends ApprovalDeps {
  readonly taskTokens: TaskTokens;
}

/**
 * Approve or reject a restore waiting for approval. The decision is recorded first (conditionally, so two racing
 * decisions cannot both win), then the machine is resumed; if resuming fails the decision is undone so it can be
 * given again. A rejected restore is failed right away: nothing was created or changed.
 */
export async function decideRestore(
  deps: DecideRestoreDeps,
  input: { tenantId: string; restoreId: string; by: string; approve: boolean; comment?: string },
): Promise<Restore> {
  const restore = await getRestore(deps.catalog, input.tenantId, input.restoreId);
  const now = deps.clock.now();
  const decided = decideApproval(
    restore,
    { by: input.by, approve: input.approve, ...(input.comment ? { comment: input.comment } : {}) },
    now,
  );
  const reason = `rejected by ${input.by}${input.comment ? `: ${input.comment}` : ''}; nothing was created or changed`;
  const outcome = input.approve
    ? decided.restore
    : failRestore(decided.restore, { code: 'restore_rejected', message: reason }, now);
  await deps.catalog.restores.save(outcome, 'pending_approval');
  try {
    if (input.approve) await deps.taskTokens.succeed(decided.token, { approvedBy: input.by });
    else await deps.taskTokens.fail(decided.token, { name: new RestoreRejectedError(reason).name, cause: reason });
  } catch (error) {
    if (DEAD_TOKEN_ERRORS.has((error as Error).name)) {
      // The waiting task is gone (approval window over, execution stopped): the restore can never resume.
      const ended = failRestore(
        decided.restore,
        {
          code: 'approval_expired',
          message: 'the restore stopped waiting for approval (timed out or stopped); nothing was created or changed',
        },
        now,
      );
      await deps.catalog.restores.save(ended, outcome.status).catch(() => undefined);
      throw new ConflictError(`restore ${restore.id} is no longer waiting for approval`, 'approval_expired', {
        cause: error,
      });
    }
    // Anything else (Step Functions unavailable): undo the decision so it can be given again.
    await deps.catalog.restores.save(restore, outcome.status).catch((undo: unknown) => {
      if (!(undo instanceof StaleStateError)) throw undo;
    });
    throw error;
  }
  return outcome;
}

/** Step Functions' answers for a token whose task no longer waits. */
const DEAD_TOKEN_ERRORS = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);
