import { describe, expect, it } from 'vitest';
import { ENTRIES, entryPath } from '../../infra/contract';
import { type CfnResource, devConfig, functionByEntry, resourcesOfType, synth } from './support';

/** Policies' schedules in the service stack (infra/constructs/schedules.ts, the policies routes' grants). */
interface Statement {
  readonly Action: string[];
  readonly Resource: string[];
  readonly Condition?: Record<string, unknown>;
}

const text = (node: unknown) => JSON.stringify(node);

function statementsOfRole(roleLogicalId: string): Statement[] {
  const { service } = synth();
  return Object.values(resourcesOfType(service, 'AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleLogicalId))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement)
    .map((statement) => ({
      Action: [statement.Action as string | string[]].flat(),
      Resource: [statement.Resource].flat().map(text),
      ...(statement.Condition ? { Condition: statement.Condition as Record<string, unknown> } : {}),
    }));
}

function roleOf(fn: { resource: CfnResource }): string {
  return (fn.resource.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
}

function schedulerRole(): { logicalId: string; resource: CfnResource } {
  const { service } = synth();
  const roles = Object.entries(resourcesOfType(service, 'AWS::IAM::Role')).filter(([id]) =>
    id.startsWith('SchedulesSchedulerRole'),
  );
  expect(roles).toHaveLength(1);
  const [logicalId, resource] = roles[0] as [string, CfnResource];
  return { logicalId, resource };
}

describe('policy schedules', () => {
  it("lets Scheduler assume the dispatch role only from this account's tenant schedule groups", () => {
    const { resource } = schedulerRole();
    const trust = (resource.Properties.AssumeRolePolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
    expect(trust).toHaveLength(1);
    expect(trust[0]).toMatchObject({ Principal: { Service: 'scheduler.amazonaws.com' }, Action: 'sts:AssumeRole' });
    const condition = trust[0]?.Condition as Record<string, Record<string, unknown>>;
    expect(Object.keys(condition).sort()).toEqual(['ArnLike', 'StringEquals']);
    expect(condition.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
    // Scheduler's source is the schedule group (a schedule ARN there would refuse every assumption).
    expect(Object.keys(condition.ArnLike ?? {})).toEqual(['aws:SourceArn']);
    expect(text(condition.ArnLike?.['aws:SourceArn'])).toMatch(/:schedule-group\/strongbox-\*"/);
  });

  it('gives that role only lambda:InvokeFunction on the dispatcher and SendMessage to the dead-letter queue', () => {
    const { service } = synth();
    const dispatch = functionByEntry(service, entryPath(ENTRIES.dispatch));
    const statements = statementsOfRole(schedulerRole().logicalId);
    expect(statements.map((s) => [...s.Action].sort().join()).sort()).toEqual([
      'lambda:InvokeFunction',
      'sqs:GetQueueAttributes,sqs:GetQueueUrl,sqs:SendMessage',
    ]);
    const invoke = statements.find((s) => s.Action.includes('lambda:InvokeFunction'));
    expect(invoke?.Resource).toEqual([text({ 'Fn::GetAtt': [dispatch.logicalId, 'Arn'] })]);
    const send = statements.find((s) => s.Action.includes('sqs:SendMessage'));
    expect(send?.Resource.join()).toMatch(/SchedulesDeadLetters/);
  });

  it.each([
    ['the policies API', ENTRIES.policies],
    ['the daily repair', ENTRIES.reconcileAll],
  ])("lets %s manage schedules only in the deployment's groups and pass only the dispatch role", (_name, entry) => {
    const { service } = synth(devConfig({ schedules: { groupPrefix: 'sbx-dev' } }));
    const policies = functionByEntry(service, entryPath(entry));
    const statements = Object.values(resourcesOfType(service, 'AWS::IAM::Policy'))
      .filter((policy) => text(policy.Properties.Roles).includes(roleOf(policies)))
      .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement);
    const scheduler = statements.filter((s) => text(s.Action).includes('scheduler:'));
    for (const statement of scheduler) {
      const resources = text(statement.Resource);
      const acts = text(statement.Action);
      if (acts.includes('ListSchedules')) expect(statement.Resource).toBe('*');
      else if (acts.includes('ScheduleGroup')) expect(resources).toMatch(/:schedule-group\/sbx-dev-\*"\]\]\}$/);
      else expect(resources).toMatch(/:schedule\/sbx-dev-\*\/\*"\]\]\}$/);
    }
    const actions = scheduler.flatMap((s) => [s.Action].flat() as string[]);
    expect(actions.filter((action) => action.startsWith('scheduler:')).sort()).toEqual(
      [
        'scheduler:CreateSchedule',
        'scheduler:CreateScheduleGroup',
        'scheduler:DeleteSchedule',
        'scheduler:GetSchedule',
        'scheduler:GetScheduleGroup',
        'scheduler:ListSchedules',
        'scheduler:TagResource',
        'scheduler:UpdateSchedule',
      ].sort(),
    );
    const passRole = statements.filter((s) => text(s.Action).includes('iam:PassRole'));
    expect(passRole).toHaveLength(1);
    expect(text(passRole[0]?.Resource)).toMatch(/SchedulesSchedulerRole/);
    expect(passRole[0]?.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
    const variables = policies.resource.Properties.Environment?.Variables ?? {};
    expect(variables).toMatchObject({
      STRONGBOX_SCHEDULE_GROUP_PREFIX: 'sbx-dev',
      STRONGBOX_TENANT_PLAN: 'standard',
      STRONGBOX_DISPATCH_FUNCTION_ARN: expect.anything(),
      STRONGBOX_SCHEDULER_ROLE_ARN: expect.anything(),
      STRONGBOX_SCHEDULE_DLQ_ARN: expect.anything(),
    });
  });

  it('rejects a group prefix Scheduler cannot name', () => {
    expect(() => synth(devConfig({ schedules: { groupPrefix: 'has space' } }))).toThrow(/schedules.groupPrefix/);
  });

  it('sweeps for missed backups every 15 minutes from the default group, with its own narrow role', () => {
    const { service } = synth();
    const sweep = functionByEntry(service, entryPath(ENTRIES.rpoSweep));
    const schedules = Object.values(resourcesOfType(service, 'AWS::Scheduler::Schedule'));
    const rpo = schedules.find((s) => text(s.Properties.Target).includes(sweep.logicalId));
    expect(rpo?.Properties).toMatchObject({
      ScheduleExpression: 'rate(15 minutes)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Input: '{}', RetryPolicy: { MaximumRetryAttempts: 2 } },
    });
    const target = rpo?.Properties.Target as { RoleArn: { 'Fn::GetAtt': [string] } } | undefined;
    const roleId = target?.RoleArn['Fn::GetAtt'][0] ?? 'missing';
    expect(
      statementsOfRole(roleId)
        .flatMap((s) => s.Action)
        .sort(),
    ).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
    expect(sweep.resource.Properties.Environment?.Variables).toMatchObject({ STRONGBOX_RPO_GRACE_MINUTES: '60' });
  });

  it("repairs every tenant's schedules daily from the default group, with its own narrow role", () => {
    const { service } = synth();
    const repair = functionByEntry(service, entryPath(ENTRIES.reconcileAll));
    const schedules = Object.values(resourcesOfType(service, 'AWS::Scheduler::Schedule'));
    const daily = schedules.find((s) => text(s.Properties.Target).includes(repair.logicalId));
    expect(daily?.Properties).toMatchObject({ ScheduleExpression: 'cron(30 1 * * ? *)', Target: { Input: '{}' } });
    const target = daily?.Properties.Target as { RoleArn: { 'Fn::GetAtt': [string] } } | undefined;
    const roleId = target?.RoleArn['Fn::GetAtt'][0] ?? 'missing';
    expect(
      statementsOfRole(roleId)
        .flatMap((s) => s.Action)
        .sort(),
    ).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
  });
});
