import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PRUNE_STATES } from '../../infra/constructs/retention';
import { overrideRuntimeForTests, runtime } from '../../lambdas/handlers/wiring';
import type { LocalService } from '../../scripts/local/service';
import { withEmulatorGaps } from '../support/fake-cloud';
import { type Api, apiAs, startTestService } from '../support/local-service';
import {
  type Body,
  backUp,
  backupOf,
  prune,
  REGION,
  runIdOf,
  runReport,
  snapshotsOf,
  statusOf,
  tenantApi,
  vaultPrefix,
  vaultVersions,
  volumeSource,
} from '../support/retention-e2e';

/**
 * The prune machine as synthesized, with the real step handler, over EBS snapshot backups on moto: the snapshots a
 * policy gives up are deleted from EC2 (DR copies in their own region with their original), the machine continues as
 * a new execution when a run needs more steps than it may take, and every deletion happens once.
 */
let service: LocalService;
let acme: Api;
let undo: (() => void) | undefined;

beforeAll(async () => {
  service = await startTestService();
  acme = apiAs(service, 'acme');
});

afterEach(() => {
  undo?.();
  undo = undefined;
});

afterAll(async () => {
  await service?.stop();
});

async function acknowledge(api: Api, sourceId: string, deletions: number): Promise<void> {
  const ack = await api.post('/v1/retention/acknowledge', { sourceId, deletions });
  expect(ack.status, JSON.stringify(ack.body)).toBe(200);
}

describe('prune machine over EBS snapshot backups (synthesized ASL, real handler, moto)', () => {
  it('deletes the snapshots keepLast 1 gives up (after the admin accepts the brake) and keeps the newest', async () => {
    // Prepare: keepLast 1 of 3 would delete 67 % (> 50 %): the admin accepts the 2 deletions first
    const sourceId = await volumeSource(service, acme, 'acme', { retention: { keepLast: 1 } });
    const [oldest, older, newest] = (await backUp(service, acme, sourceId, 3)) as [string, string, string];
    for (const id of [oldest, older, newest]) expect(await snapshotsOf(service, REGION, id)).toHaveLength(1);
    expect(await vaultVersions(service, vaultPrefix('acme', sourceId, oldest))).toHaveLength(1);
    await acknowledge(acme, sourceId, 2);

    // Act
    const execution = await prune(service, { run: { tenantId: 'acme' } });

    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    for (const id of [oldest, older]) {
      expect(await backupOf(acme, id)).toMatchObject({
        status: 'deleted',
        retention: { deletion: { reasons: ['no rule keeps it (last 1)'] } },
      });
      expect(await snapshotsOf(service, REGION, id)).toEqual([]);
      expect(await vaultVersions(service, vaultPrefix('acme', sourceId, id))).toEqual([]);
    }
    expect(await statusOf(acme, newest)).toBe('succeeded');
    const [kept] = await snapshotsOf(service, REGION, newest);
    expect(kept?.SnapshotId).toBe(((await backupOf(acme, newest)).snapshots as Body[])[0]?.id);
    expect(await runReport(acme, runIdOf(execution), sourceId)).toMatchObject({
      planned: 2,
      deleted: 2,
      brake: { acknowledged: true, tripped: false },
    });
  });

  it('deletes a DR copy with its original: the old backup, its copy backup and the copy snapshot in eu-west-1', async () => {
    // Prepare
    const sourceId = await volumeSource(service, acme, 'acme', {
      copyRegions: [{ region: 'eu-west-1' }],
      retention: { keepLast: 1 },
    });
    const [old, recent] = (await backUp(service, acme, sourceId, 2)) as [string, string];
    const copyOf = async (id: string) => ((await backupOf(acme, id)).copies as string[])[0] as string;
    const [oldCopy, recentCopy] = [await copyOf(old), await copyOf(recent)];
    expect(await backupOf(acme, oldCopy)).toMatchObject({ status: 'succeeded', copyOf: old, region: 'eu-west-1' });
    expect(await snapshotsOf(service, 'eu-west-1', oldCopy)).toHaveLength(1);
    expect(await snapshotsOf(service, 'eu-west-1', recentCopy)).toHaveLength(1);

    // Act
    const execution = await prune(service, { run: { tenantId: 'acme' } });

    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(await statusOf(acme, old)).toBe('deleted');
    expect(await backupOf(acme, oldCopy)).toMatchObject({
      status: 'deleted',
      retention: { deletion: { reasons: [`DR copy of ${old}, which is deleted`] } },
    });
    expect(await snapshotsOf(service, REGION, old)).toEqual([]);
    expect(await snapshotsOf(service, 'eu-west-1', oldCopy)).toEqual([]);
    expect(await statusOf(acme, recent)).toBe('succeeded');
    expect(await backupOf(acme, recentCopy)).toMatchObject({
      status: 'succeeded',
      retention: { deletion: null },
    });
    expect(await snapshotsOf(service, REGION, recent)).toHaveLength(1);
    expect(await snapshotsOf(service, 'eu-west-1', recentCopy)).toHaveLength(1);
    expect(await runReport(acme, runIdOf(execution), sourceId)).toMatchObject({ planned: 2, deleted: 2 });
  });

  it('keeps a policy change an admin makes while the run deletes (the used acknowledgement is released on the source as it is then)', async () => {
    // Prepare: keepLast 1 of 3, the 2 deletions accepted; the admin raises the policy to keepLast 3 while the run is
    // deleting (injected at the first DeleteSnapshot, through the API like any admin request)
    const sourceId = await volumeSource(service, acme, 'acme', { retention: { keepLast: 1 } });
    await backUp(service, acme, sourceId, 3);
    await acknowledge(acme, sourceId, 2);
    const gaps = withEmulatorGaps(runtime().cloud, {});
    let patched: number | undefined;
    const ec2 = {
      ...gaps.cloud.ec2,
      deleteSnapshot: async (region: string, snapshotId: string) => {
        patched ??= (await acme.patch(`/v1/sources/${sourceId}`, { settings: { retention: { keepLast: 3 } } })).status;
        return gaps.cloud.ec2.deleteSnapshot(region, snapshotId);
      },
    };
    undo = overrideRuntimeForTests({ cloud: { ...gaps.cloud, ec2 } });

    // Act
    const execution = await prune(service, { run: { tenantId: 'acme' } });

    // Assess: the run did what it planned, the acknowledgement is used up, and the admin's change stays
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(patched).toBe(200);
    expect(await runReport(acme, runIdOf(execution), sourceId)).toMatchObject({ planned: 2, deleted: 2 });
    const source = (await acme.get(`/v1/sources/${sourceId}`)).body;
    expect(source).not.toHaveProperty('retentionBrake');
    expect((source.settings as Body).retention).toEqual({ keepLast: 3, timeZone: 'UTC' });
  });

  it('continues as a new execution (<runId>-g1) when a run needs more steps than maxSteps, each deletion done once (real handler, paced)', async () => {
    // Prepare: three tenants, each with an EBS source keeping 1 of 5 backups (4 deletions each)
    const tenants = [
      { id: 'acme', api: acme },
      { id: 'globex', api: apiAs(service, 'globex') },
      { id: 'initech', api: await tenantApi(service, 'initech') },
    ];
    const made: { tenant: string; api: Api; sourceId: string; ids: string[] }[] = [];
    for (const { id, api } of tenants) {
      const sourceId = await volumeSource(service, api, id, { retention: { keepLast: 1 } });
      made.push({ tenant: id, api, sourceId, ids: await backUp(service, api, sourceId, 5) });
    }
    // One-second steps; one DeleteSnapshot every half second (burst 1): a tenant's 4 deletions take ≥ 1.5 s, so
    // every step ends after one tenant. No brake (4 of 5 is its business here). Deletes are counted at the cloud port.
    const gaps = withEmulatorGaps(runtime().cloud, {});
    undo = overrideRuntimeForTests({
      cloud: gaps.cloud,
      env: {
        ...runtime().env,
        STRONGBOX_PRUNE_STEP_SECONDS: 1,
        STRONGBOX_PRUNE_EC2_DELETE_RATE: 2,
        STRONGBOX_PRUNE_EC2_DELETE_BURST: 1,
        STRONGBOX_PRUNE_MAX_DELETE_SHARE: 1,
      },
    });

    // Act: a run of every tenant, at most 2 steps per execution
    const first = await prune(service, { run: { maxSteps: 2 } });

    // Assess: the first execution took 2 steps and continued as <runId>-g1, which finished the run
    expect(first.status, first.cause).toBe('SUCCEEDED');
    expect(first.states).toEqual([
      PRUNE_STATES.step,
      PRUNE_STATES.done,
      PRUNE_STATES.step,
      PRUNE_STATES.done,
      PRUNE_STATES.continueAsNew,
      PRUNE_STATES.continued,
    ]);
    const runId = runIdOf(first);
    const executionArn = (name: string) =>
      `${service.pruneStateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    expect(JSON.parse(first.output ?? '{}').next).toEqual({ executionArn: executionArn(`${runId}-g1`) });
    const second = service.machines.describe(executionArn(`${runId}-g1`));
    expect(second.status, second.cause).toBe('SUCCEEDED');
    expect(second.states).toEqual([PRUNE_STATES.step, PRUNE_STATES.done, PRUNE_STATES.finished]);
    expect(JSON.parse(second.output ?? '{}').run).toMatchObject({
      runId,
      generation: 1,
      done: true,
      totals: { deleted: 12, archived: 0, skipped: 0 },
    });
    const chain = service.machines.list(service.pruneStateMachineArn).filter((e) => e.name.startsWith(runId));
    expect(chain.map((execution) => execution.name)).toEqual([`${runId}-g1`]);
    // every planned deletion done, once: 12 DeleteSnapshot calls for 12 snapshots, none throttled or repeated
    expect(gaps.counts).toMatchObject({ deletes: 12, deletesThrottled: 0 });
    for (const { tenant, api, sourceId, ids } of made) {
      for (const id of ids.slice(0, 4)) {
        expect(await backupOf(api, id), `${tenant} ${id}`).toMatchObject({
          status: 'deleted',
          retention: { deletion: { runId } },
        });
        expect(await snapshotsOf(service, REGION, id)).toEqual([]);
      }
      expect(await statusOf(api, ids[4] as string)).toBe('succeeded');
      expect(await snapshotsOf(service, REGION, ids[4] as string)).toHaveLength(1);
      expect(await runReport(api, runId, sourceId)).toMatchObject({ planned: 4, deleted: 4, skippedCount: 0 });
      expect((await api.get(`/v1/retention/runs/${runId}`)).body).toMatchObject({ status: 'finished' });
    }
  });
});
