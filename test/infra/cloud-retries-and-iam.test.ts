import { describe, expect, it } from 'vitest';
import { SNAPSHOT_RESTORE_STATES } from '../../infra/constructs/restore-snapshot-branches';
import { SNAPSHOT_STATES } from '../../infra/constructs/snapshots';
import { ENTRIES, entryPath } from '../../infra/contract';
import { type CfnResource, functionByEntry, resourcesOfType, stateMachineDefinition, synth } from './support';

const THROTTLE_RETRY = {
  ErrorEquals: ['SnapshotThrottledError'],
  IntervalSeconds: 5,
  BackoffRate: 2,
  MaxAttempts: 6,
  MaxDelaySeconds: 60,
  JitterStrategy: 'FULL',
};

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

function statementsOf(fn: CfnResource): Statement[] {
  const { service } = synth();
  const role = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return Object.values(resourcesOfType(service, 'AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(`"${role}"`))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actions = (statement: Statement) => [statement.Action].flat();
const on = (statement: Statement, resource: string) => JSON.stringify(statement.Resource).includes(resource);

describe('throttling is retried on every EC2/RDS-calling step (#8)', () => {
  it('snapshot backup: create, check, copy, check copies and record retry SnapshotThrottledError with backoff', () => {
    const { States: states } = stateMachineDefinition(synth().service, 'Snapshots');
    for (const task of [
      SNAPSHOT_STATES.create,
      SNAPSHOT_STATES.check,
      SNAPSHOT_STATES.copy,
      SNAPSHOT_STATES.checkCopies,
      SNAPSHOT_STATES.record,
    ]) {
      expect(states[task]?.Retry, task).toContainEqual(THROTTLE_RETRY);
    }
  });

  it('snapshot restore branches: every step, the check polls and the final record included, retries throttling', () => {
    const { States: states } = stateMachineDefinition(synth().service);
    const S = SNAPSHOT_RESTORE_STATES;
    for (const task of [
      S.snapshotReplaced,
      S.checkReplaced,
      S.detachReplaced,
      S.checkDetached,
      S.createVolumes,
      S.checkVolumes,
      S.attachVolumes,
      S.checkAttached,
      S.restoreDb,
      S.checkDb,
      S.recordRestored,
    ]) {
      expect(states[task]?.Retry, task).toContainEqual(THROTTLE_RETRY);
    }
  });
});

describe('cloud IAM matches what EC2 evaluates (#12) and KMS is scoped to tenant keys (#3)', () => {
  const snapshotFn = () => functionByEntry(synth().service, entryPath(ENTRIES.snapshotBackup)).resource;

  it('CreateSnapshots needs the tenant tag on the instance only; CreateSnapshot keeps it on the volume', () => {
    const statements = statementsOf(snapshotFn());
    const multi = statements.filter((s) => actions(s).includes('ec2:CreateSnapshots'));
    const onInstance = multi.filter((s) => on(s, 'instance/*'));
    const onVolume = multi.filter((s) => on(s, 'volume/*'));
    expect(onInstance).toHaveLength(1);
    expect(onInstance[0]?.Condition).toEqual({ StringLike: { 'aws:ResourceTag/strongbox:tenant': '?*' } });
    expect(onVolume).toHaveLength(1);
    expect(onVolume[0]?.Condition).toBeUndefined();
    const single = statements.filter((s) => actions(s).includes('ec2:CreateSnapshot') && on(s, 'volume/*'));
    expect(single).toHaveLength(1);
    expect(single[0]?.Condition).toEqual({ StringLike: { 'aws:ResourceTag/strongbox:tenant': '?*' } });
  });

  it('KMS use through EC2/RDS only on keys tagged strongbox:tenant; key checks may describe and list tags', () => {
    const statements = statementsOf(snapshotFn());
    const use = statements.find((s) => actions(s).includes('kms:ReEncryptTo'));
    expect(use?.Condition).toEqual({
      StringLike: {
        'kms:ViaService': ['ec2.*.amazonaws.com', 'rds.*.amazonaws.com'],
        'aws:ResourceTag/strongbox:tenant': '?*',
      },
    });
    const sources = functionByEntry(synth().service, entryPath(ENTRIES.sources)).resource;
    const check = statementsOf(sources).find((s) => actions(s).includes('kms:ListResourceTags'));
    expect(actions(check as Statement)).toEqual(['kms:DescribeKey', 'kms:ListResourceTags']);
    expect(JSON.stringify(check?.Resource)).toContain(':key/*');
  });

  it('DetachVolume needs the tenant tag on the instance, not on the volume it detaches', () => {
    const restoreFn = functionByEntry(synth().service, entryPath(ENTRIES.restoreSnapshot)).resource;
    const statements = statementsOf(restoreFn);
    const detach = statements.filter((s) => actions(s).includes('ec2:DetachVolume'));
    expect(detach.length).toBeGreaterThan(0);
    for (const statement of detach) {
      if (on(statement, 'instance/*')) {
        expect(statement.Condition).toEqual({ StringLike: { 'aws:ResourceTag/strongbox:tenant': '?*' } });
      } else {
        expect(on(statement, 'volume/*')).toBe(true);
        expect(statement.Condition).toBeUndefined();
      }
    }
  });
});
