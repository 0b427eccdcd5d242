import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryCatalog } from '../../lambdas/adapters/memory/memory-catalog';
import { awaitRestoreApproval, checkApproval, decideRestore } from '../../lambdas/app/restores/approval';
import { putPolicy } from '../../lambdas/domain/policy';
import type { DumpRestore } from '../../lambdas/domain/restore';
import type { Source } from '../../lambdas/domain/source';
import type { TaskTokens } from '../../lambdas/ports/jobs';
import { restoreView } from '../../lambdas/shared/views';
import { aCompleteBackup, aPendingRestore, aSource, later } from '../support/catalog-fixtures';

/** The approval gate's use cases on the in-memory catalog; the task tokens port records what it was asked to send. */
class RecordedTaskTokens implements TaskTokens {
  readonly sent: { token: string; outcome: 'success' | 'failure'; payload: unknown }[] = [];
  /** The error name the next send fails with, if any. */
  failNext: string | undefined;
  async succeed(token: string, output: unknown): Promise<void> {
    this.check();
    this.sent.push({ token, outcome: 'success', payload: output });
  }
  async fail(token: string, error: { name: string; cause: string }): Promise<void> {
    this.check();
    this.sent.push({ token, outcome: 'failure', payload: error });
  }
  private check(): void {
    if (this.failNext) {
      const name = this.failNext;
      this.failNext = undefined;
      throw Object.assign(new Error(name), { name });
    }
  }
}

const clock = { now: () => later() };
let catalog: MemoryCatalog;
let tokens: RecordedTaskTokens;

async function aRestore(options: { replace?: boolean; approvalSetting?: boolean } = {}): Promise<DumpRestore> {
  const source = {
    ...aSource('acme'),
    settings: { copyRegions: [], restoreApproval: options.approvalSetting ?? false },
  };
  await catalog.sources.create(source);
  const backup = aCompleteBackup('acme', source.id);
  await catalog.backups.save(backup, 'absent');
  const pending = aPendingRestore('acme', backup.id);
  const restore: DumpRestore = {
    ...pending,
    status: 'running',
    target: { ...pending.target, sourceId: source.id, replaceExisting: options.replace ?? false },
  };
  await catalog.restores.save(restore, 'absent');
  return restore;
}

async function waitingRestore(): Promise<DumpRestore> {
  const restore = await aRestore({ replace: true });
  await checkApproval({ catalog, clock }, { tenantId: 'acme', restoreId: restore.id });
  await awaitRestoreApproval({ catalog, clock }, { tenantId: 'acme', restoreId: restore.id, taskToken: 'token-1' });
  return restore;
}

beforeEach(() => {
  catalog = new MemoryCatalog();
  tokens = new RecordedTaskTokens();
});

describe('restore approval gate', () => {
  it('requires no approval for a new target on a source without the setting', async () => {
    const restore = await aRestore();
    expect(await checkApproval({ catalog, clock }, { tenantId: 'acme', restoreId: restore.id })).toEqual({
      required: false,
      reason: null,
    });
  });

  it('always requires approval to replace, and when the source asks for it', async () => {
    const replacing = await aRestore({ replace: true });
    const guarded = await aRestore({ approvalSetting: true });
    expect(await checkApproval({ catalog, clock }, { tenantId: 'acme', restoreId: replacing.id })).toEqual({
      required: true,
      reason: 'replace',
    });
    expect(await checkApproval({ catalog, clock }, { tenantId: 'acme', restoreId: guarded.id })).toEqual({
      required: true,
      reason: 'source-settings',
    });
  });

  it("requires approval when a policy selecting the backup's source asks for it (here by tag)", async () => {
    const [tagged, untagged] = [await aRestore(), await aRestore()];
    const backup = await catalog.backups.get('acme', tagged.backupId);
    const source = await catalog.sources.get('acme', backup?.sourceId as string);
    await catalog.sources.update({ ...(source as Source), tags: { tier: 'gold' } });
    const gold = putPolicy(
      undefined,
      {
        tenantId: 'acme',
        id: 'gold',
        name: 'Gold',
        sources: { ids: [], tags: { tier: 'gold' } },
        schedules: [{ name: 'night', expression: 'cron(0 3 * * ? *)', timezone: 'UTC', windowMinutes: 0 }],
        settings: { restoreApproval: true },
      },
      new Date(),
    );
    await catalog.policies.put(gold, 'absent');

    expect(await checkApproval({ catalog, clock }, { tenantId: 'acme', restoreId: untagged.id })).toEqual({
      required: false,
      reason: null,
    });
    expect(await checkApproval({ catalog, clock }, { tenantId: 'acme', restoreId: tagged.id })).toEqual({
      required: true,
      reason: 'policy-settings',
    });
  });

  it('shows pending_approval while waiting and never the token', async () => {
    const restore = await waitingRestore();
    const stored = await catalog.restores.get('acme', restore.id);
    expect(stored).toMatchObject({ status: 'pending_approval', approvalToken: 'token-1' });
    const view = restoreView(stored as DumpRestore);
    expect(view).toMatchObject({ status: 'pending_approval', approval: { reason: 'replace' } });
    expect(view.approval?.requestedAt).toEqual(expect.any(String));
    expect(JSON.stringify(view)).not.toContain('token-1');
  });

  it('requires approval when the source that would decide was deleted, or the target source asks for it', async () => {
    const orphaned = await aRestore();
    const backup = await catalog.backups.get('acme', orphaned.backupId);
    await catalog.sources.delete('acme', backup?.sourceId as string);
    const guardedTarget = { ...aSource('acme'), settings: { copyRegions: [], restoreApproval: true } };
    await catalog.sources.create(guardedTarget);
    const ontoGuarded = await aRestore();
    await catalog.restores.save(
      { ...ontoGuarded, target: { ...ontoGuarded.target, sourceId: guardedTarget.id } },
      'running',
    );

    expect(await checkApproval({ catalog, clock }, { tenantId: 'acme', restoreId: orphaned.id })).toEqual({
      required: true,
      reason: 'source-deleted',
    });
    expect(await checkApproval({ catalog, clock }, { tenantId: 'acme', restoreId: ontoGuarded.id })).toEqual({
      required: true,
      reason: 'source-settings',
    });
  });

  it('never lets a retried wait undo a decision already given', async () => {
    const restore = await waitingRestore();
    await decideRestore(
      { catalog, clock, taskTokens: tokens },
      { tenantId: 'acme', restoreId: restore.id, by: 'lead@acme.local', approve: true },
    );
    const error = await awaitRestoreApproval(
      { catalog, clock },
      { tenantId: 'acme', restoreId: restore.id, taskToken: 'token-2' },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ConflictError', code: 'invalid_state' });
    expect(await catalog.restores.get('acme', restore.id)).toMatchObject({ status: 'running' });
  });

  it('lets another admin approve and resumes the machine with the stored token', async () => {
    const restore = await waitingRestore();
    const approved = await decideRestore(
      { catalog, clock, taskTokens: tokens },
      { tenantId: 'acme', restoreId: restore.id, by: 'lead@acme.local', approve: true },
    );
    expect(approved).toMatchObject({
      status: 'running',
      approval: { decision: 'approved', decidedBy: 'lead@acme.local' },
    });
    expect(approved).not.toHaveProperty('approvalToken');
    expect(tokens.sent).toEqual([{ token: 'token-1', outcome: 'success', payload: { approvedBy: 'lead@acme.local' } }]);
  });

  it('refuses the requester as approver (four eyes) and sends nothing', async () => {
    const restore = await waitingRestore();
    const error = await decideRestore(
      { catalog, clock, taskTokens: tokens },
      { tenantId: 'acme', restoreId: restore.id, by: restore.requestedBy, approve: true },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ForbiddenError' });
    expect(tokens.sent).toEqual([]);
    expect((await catalog.restores.get('acme', restore.id))?.status).toBe('pending_approval');
  });

  it('fails a rejected restore at once and fails the waiting task with RestoreRejectedError', async () => {
    const restore = await waitingRestore();
    const rejected = await decideRestore(
      { catalog, clock, taskTokens: tokens },
      { tenantId: 'acme', restoreId: restore.id, by: 'lead@acme.local', approve: false, comment: 'wrong backup' },
    );
    expect(rejected).toMatchObject({ status: 'failed', error: { code: 'restore_rejected' } });
    expect(rejected.error?.message).toContain('wrong backup');
    expect(tokens.sent[0]).toMatchObject({ outcome: 'failure', payload: { name: 'RestoreRejectedError' } });
  });

  it('fails the restore when the machine stopped waiting (timed out or stopped), instead of waiting forever', async () => {
    const restore = await waitingRestore();
    tokens.failNext = 'TaskTimedOut';
    const error = await decideRestore(
      { catalog, clock, taskTokens: tokens },
      { tenantId: 'acme', restoreId: restore.id, by: 'lead@acme.local', approve: true },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ConflictError', code: 'approval_expired' });
    const stored = await catalog.restores.get('acme', restore.id);
    expect(stored).toMatchObject({ status: 'failed', error: { code: 'approval_expired' } });
    expect(stored).not.toHaveProperty('approvalToken');
  });

  it('undoes the decision when Step Functions cannot be reached, so it can be given again', async () => {
    const restore = await waitingRestore();
    tokens.failNext = 'ServiceUnavailable';
    const error = await decideRestore(
      { catalog, clock, taskTokens: tokens },
      { tenantId: 'acme', restoreId: restore.id, by: 'lead@acme.local', approve: true },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ServiceUnavailable' });
    expect(await catalog.restores.get('acme', restore.id)).toMatchObject({
      status: 'pending_approval',
      approvalToken: 'token-1',
    });
  });

  it('refuses a decision on a restore that is not waiting', async () => {
    const restore = await aRestore();
    const error = await decideRestore(
      { catalog, clock, taskTokens: tokens },
      { tenantId: 'acme', restoreId: restore.id, by: 'lead@acme.local', approve: true },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ConflictError', code: 'invalid_state' });
  });
});
