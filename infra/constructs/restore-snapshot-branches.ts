import { Duration } from 'aws-cdk-lib';
import {
  Choice,
  Condition,
  Errors,
  type IChainable,
  JsonPath,
  TaskInput,
  Timeout,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { THROTTLE_RETRY } from './cloud-access';
import type { StrongboxFunction } from './function';

/** State names of the restore machine's volume and DB branches (part of RESTORE_STATES, a contract). */
export const SNAPSHOT_RESTORE_STATES = {
  // Volume restores (EBS snapshots → new volumes attached to an instance).
  replaceVolumes: 'Replace volumes?',
  snapshotReplaced: 'Snapshot replaced volumes',
  checkReplaced: 'Check replaced snapshots',
  replacedCompleted: 'Replaced snapshots completed?',
  waitReplaced: 'Wait for replaced snapshots',
  detachReplaced: 'Detach replaced volumes',
  checkDetached: 'Check detached',
  volumesDetached: 'Volumes detached?',
  waitDetached: 'Wait for detach',
  createVolumes: 'Create volumes',
  checkVolumes: 'Check volumes',
  volumesAvailable: 'Volumes available?',
  waitVolumes: 'Wait for volumes',
  attachVolumes: 'Attach volumes',
  checkAttached: 'Check attachments',
  volumesAttached: 'Volumes attached?',
  waitAttached: 'Wait for attachments',
  // DB restores (RDS snapshot or point in time → a new DB instance / cluster).
  restoreDb: 'Restore DB instance',
  checkDb: 'Check DB instance',
  dbAvailable: 'DB instance available?',
  waitDb: 'Wait for DB instance',
  recordRestored: 'Record restored resources',
} as const;

/** Bounded polls of the volume and DB branches: [checks, seconds between them]. */
export const RESTORE_POLLING = {
  replacedSnapshots: { maxAttempts: 240, waitSeconds: 30 }, // ≈ 2 h: a first snapshot of a large volume is slow
  detach: { maxAttempts: 60, waitSeconds: 10 }, // 10 min
  volumes: { maxAttempts: 120, waitSeconds: 15 }, // 30 min
  attach: { maxAttempts: 60, waitSeconds: 10 }, // 10 min
  db: { maxAttempts: 240, waitSeconds: 30 }, // ≈ 2 h
} as const;

/**
 * The volume branch (Replace volumes? → pre-restore snapshots → detach → create → attach) and the DB branch
 * (restore → poll), each ending in "Record restored resources". Every poll is bounded (Check + Choice + Wait); every
 * step (create, check, record) retries throttling with backoff; any error goes to "Record failure".
 */
export function snapshotBranches(scope: Construct, fn: StrongboxFunction, recordFailure: IChainable) {
  const S = SNAPSHOT_RESTORE_STATES;
  const ids = { tenantId: JsonPath.stringAt('$.tenantId'), restoreId: JsonPath.stringAt('$.restoreId') };
  const step = (
    taskId: string,
    stateName: string,
    action: string,
    poll?: { maxAttempts: number; waitSeconds: number },
  ) => {
    const state = new LambdaInvoke(scope, taskId, {
      stateName,
      lambdaFunction: fn.function,
      payloadResponseOnly: true,
      payload: TaskInput.fromObject({
        action,
        ...ids,
        ...(poll === undefined ? {} : { attempts: JsonPath.numberAt('$.poll.attempts'), ...poll }),
      }),
      // Explicit, so no executor falls back to its own default (aws-local-stepfunctions uses 60 s).
      taskTimeout: Timeout.duration(fn.function.timeout?.plus(Duration.minutes(1)) ?? Duration.minutes(3)),
      resultPath: action === 'complete' ? JsonPath.DISCARD : '$.poll',
    });
    // Every step retries throttling: the creating steps, the polls (Describe*) and the final record alike.
    state.addRetry({ ...THROTTLE_RETRY, errors: [...THROTTLE_RETRY.errors] });
    state.addCatch(recordFailure, { errors: [Errors.ALL], resultPath: '$.error' });
    return state;
  };
  /** start → check → (done? next : wait → check). */
  const loop = (
    name: { start: string; check: string; done: string; wait: string },
    logicalIds: { start: string; check: string },
    actions: { start: string; check: string },
    poll: { maxAttempts: number; waitSeconds: number },
    next: IChainable,
  ) => {
    const start = step(logicalIds.start, name.start, actions.start);
    const check = step(logicalIds.check, name.check, actions.check, poll);
    const wait = new Wait(scope, `${logicalIds.check}Wait`, {
      stateName: name.wait,
      time: WaitTime.duration(Duration.seconds(poll.waitSeconds)),
    });
    const done = new Choice(scope, `${logicalIds.check}Done`, { stateName: name.done })
      .when(Condition.booleanEquals('$.poll.done', true), next)
      .otherwise(wait);
    wait.next(check);
    start.next(check).next(done);
    return start;
  };
  const P = RESTORE_POLLING;
  const record = step('RecordRestored', S.recordRestored, 'complete');

  const attach = loop(
    { start: S.attachVolumes, check: S.checkAttached, done: S.volumesAttached, wait: S.waitAttached },
    { start: 'AttachVolumes', check: 'CheckAttached' },
    { start: 'attach-volumes', check: 'check-attached' },
    P.attach,
    record,
  );
  const create = loop(
    { start: S.createVolumes, check: S.checkVolumes, done: S.volumesAvailable, wait: S.waitVolumes },
    { start: 'CreateVolumes', check: 'CheckVolumes' },
    { start: 'create-volumes', check: 'check-volumes' },
    P.volumes,
    attach,
  );
  const detach = loop(
    { start: S.detachReplaced, check: S.checkDetached, done: S.volumesDetached, wait: S.waitDetached },
    { start: 'DetachReplaced', check: 'CheckDetached' },
    { start: 'detach-replaced', check: 'check-detached' },
    P.detach,
    create,
  );
  const snapshotReplaced = loop(
    { start: S.snapshotReplaced, check: S.checkReplaced, done: S.replacedCompleted, wait: S.waitReplaced },
    { start: 'SnapshotReplaced', check: 'CheckReplaced' },
    { start: 'snapshot-replaced', check: 'check-replaced' },
    P.replacedSnapshots,
    detach,
  );
  const volumeBranch = new Choice(scope, 'ReplaceVolumes', { stateName: S.replaceVolumes })
    .when(Condition.and(Condition.isPresent('$.replace'), Condition.booleanEquals('$.replace', true)), snapshotReplaced)
    .otherwise(create);
  const dbBranch = loop(
    { start: S.restoreDb, check: S.checkDb, done: S.dbAvailable, wait: S.waitDb },
    { start: 'RestoreDb', check: 'CheckDb' },
    { start: 'restore-db', check: 'check-db' },
    P.db,
    record,
  );
  return { volumeBranch, dbBranch };
}
