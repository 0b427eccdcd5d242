import { StateMachine as LocalStateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { SNAPSHOT_POLLING, SNAPSHOT_STATES } from '../../infra/constructs/snapshots';
import { ENTRIES, entryPath, RDS_SNAPSHOT_QUOTA_METRIC } from '../../infra/contract';
import { QUOTA_ALARM_RATIO } from '../../lambdas/domain/snapshot';
import { METRIC } from '../../lambdas/shared/powertools';
import { type AslDefinition, functionsByEntry, resourcesOfType, stateMachineDefinition, synth } from './support';

type Json = Parameters<LocalStateMachine['run']>[0];
const TASKS = [
  SNAPSHOT_STATES.start,
  SNAPSHOT_STATES.create,
  SNAPSHOT_STATES.check,
  SNAPSHOT_STATES.copy,
  SNAPSHOT_STATES.checkCopies,
  SNAPSHOT_STATES.record,
  SNAPSHOT_STATES.recordFailure,
];

/** Runs the synthesized definition with stub tasks (keyed by state name) and no waits. */
async function run(definition: AslDefinition, handlers: Record<string, (state: Record<string, unknown>) => unknown>) {
  const visited: string[] = [];
  const taskResourceLocalHandlers = Object.fromEntries(
    TASKS.map((state) => [
      state,
      async (input: Json) => {
        visited.push(state);
        return ((handlers[state] ?? (() => ({})))(input as Record<string, unknown>) ?? {}) as Json;
      },
    ]),
  );
  const waitTimeOverrides = { [SNAPSHOT_STATES.wait]: 0, [SNAPSHOT_STATES.waitCopies]: 0 };
  const asl = definition as unknown as ConstructorParameters<typeof LocalStateMachine>[0];
  const machine = new LocalStateMachine(asl, { validationOptions: { checkArn: false } });
  const retryIntervalOverrides = Object.fromEntries(TASKS.map((state) => [state, 0]));
  const execution = machine.run(
    { tenantId: 'acme', backupId: 'bkp_1' },
    { overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides } },
  );
  try {
    return { output: (await execution.result) as Record<string, unknown>, error: undefined, visited };
  } catch (error) {
    return { output: undefined, error: error as Error, visited };
  }
}

const snapshotMachine = () => stateMachineDefinition(synth().service, 'Snapshots');

describe('snapshot backup state machine', () => {
  it('has exactly the documented states, each task on the one snapshot-backup function with an explicit timeout', () => {
    const definition = snapshotMachine();
    const fn = functionsByEntry(synth().service).get(entryPath(ENTRIES.snapshotBackup));
    expect(definition.StartAt).toBe(SNAPSHOT_STATES.start);
    expect(Object.keys(definition.States).sort()).toEqual(Object.values(SNAPSHOT_STATES).sort());
    for (const task of TASKS) {
      const state = definition.States[task];
      expect(state, task).toMatchObject({ Type: 'Task', Resource: `arn:placeholder:${fn?.logicalId}` });
      expect(state?.TimeoutSeconds, task).toBeGreaterThan(Number(fn?.resource.Properties.Timeout));
      expect(JSON.stringify(state?.Parameters), task).toContain('"tenantId.$":"$.tenantId"');
    }
  });

  it('retries throttling by name with capped, jittered backoff on every step that calls EC2/RDS', () => {
    const { States: states } = snapshotMachine();
    for (const task of [
      SNAPSHOT_STATES.create,
      SNAPSHOT_STATES.check,
      SNAPSHOT_STATES.copy,
      SNAPSHOT_STATES.checkCopies,
      SNAPSHOT_STATES.record,
    ]) {
      expect(states[task]?.Retry, task).toContainEqual({
        ErrorEquals: ['SnapshotThrottledError'],
        IntervalSeconds: 5,
        BackoffRate: 2,
        MaxAttempts: 6,
        MaxDelaySeconds: 60,
        JitterStrategy: 'FULL',
      });
    }
    for (const task of TASKS) {
      expect(states[task]?.Catch?.[0], task).toMatchObject({ ErrorEquals: ['States.ALL'] });
    }
  });

  it('waits and checks again until the snapshots completed, then records', async () => {
    let polls = 0;
    const result = await run(snapshotMachine(), {
      [SNAPSHOT_STATES.start]: () => ({ copyRegions: 0 }),
      [SNAPSHOT_STATES.create]: () => ({ done: false, attempts: 0 }),
      [SNAPSHOT_STATES.check]: (state) => {
        polls += 1;
        expect(state).toMatchObject({ action: 'check', maxAttempts: SNAPSHOT_POLLING.maxAttempts });
        return { done: polls === 3, attempts: (state.attempts as number) + 1 };
      },
    });
    expect(result.error).toBeUndefined();
    expect(result.visited).toEqual([
      SNAPSHOT_STATES.start,
      SNAPSHOT_STATES.create,
      SNAPSHOT_STATES.check,
      SNAPSHOT_STATES.check,
      SNAPSHOT_STATES.check,
      SNAPSHOT_STATES.record,
    ]);
  });

  it('copies to DR regions and polls the copies when the source has any', async () => {
    const result = await run(snapshotMachine(), {
      [SNAPSHOT_STATES.start]: () => ({ copyRegions: 1 }),
      [SNAPSHOT_STATES.create]: () => ({ done: false, attempts: 0 }),
      [SNAPSHOT_STATES.check]: () => ({ done: true, attempts: 1 }),
      [SNAPSHOT_STATES.copy]: () => ({ done: false, attempts: 0 }),
      [SNAPSHOT_STATES.checkCopies]: () => ({ done: true, attempts: 1 }),
    });
    expect(result.visited).toEqual([
      SNAPSHOT_STATES.start,
      SNAPSHOT_STATES.create,
      SNAPSHOT_STATES.check,
      SNAPSHOT_STATES.copy,
      SNAPSHOT_STATES.checkCopies,
      SNAPSHOT_STATES.record,
    ]);
  });

  it('records the failure and fails with the original error', async () => {
    const failing = new Error('snap-1 is in state error');
    failing.name = 'SnapshotFailedError';
    let recorded: Record<string, unknown> | undefined;
    const result = await run(snapshotMachine(), {
      [SNAPSHOT_STATES.start]: () => ({ copyRegions: 0 }),
      [SNAPSHOT_STATES.create]: () => ({ done: false, attempts: 0 }),
      [SNAPSHOT_STATES.check]: () => {
        throw failing;
      },
      [SNAPSHOT_STATES.recordFailure]: (state) => {
        recorded = state;
        return {};
      },
    });
    expect(result.visited.at(-1)).toBe(SNAPSHOT_STATES.recordFailure);
    expect(recorded).toMatchObject({ action: 'fail', backupId: 'bkp_1', error: { Error: 'SnapshotFailedError' } });
    expect((result.error as Error & { cause?: unknown })?.cause).toMatchObject({ name: 'SnapshotFailedError' });
  });

  it('alarms on the RDS quota metric the handler emits, at 80 %, and on failed executions', () => {
    const { service } = synth();
    expect(METRIC.rdsSnapshotQuotaUsed).toBe(RDS_SNAPSHOT_QUOTA_METRIC.metricName);
    service.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: RDS_SNAPSHOT_QUOTA_METRIC.namespace,
      MetricName: RDS_SNAPSHOT_QUOTA_METRIC.metricName,
      Threshold: QUOTA_ALARM_RATIO * 100,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    const outputs = service.findOutputs('SnapshotStateMachineArn');
    expect(Object.keys(outputs)).toHaveLength(1);
    const backups = functionsByEntry(service).get(entryPath(ENTRIES.backups));
    const env = backups?.resource.Properties.Environment?.Variables ?? {};
    expect(env.STRONGBOX_SNAPSHOT_STATE_MACHINE_ARN).toEqual({ Ref: expect.stringMatching(/^SnapshotsStateMachine/) });
    expect(Object.keys(resourcesOfType(service, 'AWS::StepFunctions::StateMachine'))).toContainEqual(
      expect.stringMatching(/^SnapshotsStateMachine/),
    );
  });
});
