import { describe, expect, it } from 'vitest';
import { ENTRIES, entryPath } from '../../infra/contract';
import { functionsByEntry, resourcesOfType, synth } from './support';

/** Tenant webhooks (infra/constructs/webhooks.ts): bus rule → queue → deliverer, and who may touch their secrets. */
const text = (node: unknown) => JSON.stringify(node);
type Resource = { Properties: Record<string, unknown> };

function roleOf(service: ReturnType<typeof synth>['service'], entry: string): string {
  const fn = functionsByEntry(service).get(entryPath(entry));
  if (!fn) throw new Error(`no function for ${entry}`);
  return (fn.resource.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
}

function statementsOf(service: ReturnType<typeof synth>['service'], role: string): Record<string, unknown>[] {
  return Object.values(resourcesOfType(service, 'AWS::IAM::Policy'))
    .filter((policy) => text(policy.Properties.Roles).includes(role))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement);
}

describe('webhooks', () => {
  it("sends every Strongbox event on the stage's bus to a redriven queue that the deliverer consumes in partial batches", () => {
    const { service } = synth();
    const [busId] = Object.keys(resourcesOfType(service, 'AWS::Events::EventBus'));
    const rules = Object.values(resourcesOfType(service, 'AWS::Events::Rule')).filter(
      (rule) => (rule as Resource).Properties.EventBusName !== undefined,
    ) as Resource[];
    expect(rules).toHaveLength(1);
    const rule = rules[0] as Resource;
    expect(rule.Properties.EventBusName).toEqual({ Ref: busId });
    expect(rule.Properties.EventPattern).toEqual({ source: ['strongbox'] });
    const target = (rule.Properties.Targets as { Arn: { 'Fn::GetAtt': [string, string] } }[])[0];
    const queueId = target?.Arn['Fn::GetAtt'][0] as string;
    const queue = resourcesOfType(service, 'AWS::SQS::Queue')[queueId] as Resource;
    expect(queue.Properties.RedrivePolicy).toMatchObject({ maxReceiveCount: 10 });
    expect(queue.Properties.SqsManagedSseEnabled).toBe(true);

    const mappings = Object.values(resourcesOfType(service, 'AWS::Lambda::EventSourceMapping')) as Resource[];
    expect(mappings).toHaveLength(1);
    expect(mappings[0]?.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
    });
    const deliverer = functionsByEntry(service).get(entryPath(ENTRIES.deliverWebhooks));
    expect(mappings[0]?.Properties.FunctionName).toEqual({ Ref: deliverer?.logicalId });
    expect(deliverer?.resource.Properties.Environment?.Variables?.STRONGBOX_WEBHOOK_QUEUE_URL).toEqual({
      Ref: queueId,
    });
    // Outside any VPC: the endpoints are on the internet.
    expect(deliverer?.resource.Properties.VpcConfig).toBeUndefined();
  });

  it('lets the webhooks API write and the deliverer read webhook secrets only, and no one else touch them', () => {
    const { service } = synth();
    const secretStatements = (role: string, action: string) =>
      statementsOf(service, role).filter((statement) => text(statement.Action).includes(action));
    const api = roleOf(service, ENTRIES.webhooks);
    const deliverer = roleOf(service, ENTRIES.deliverWebhooks);
    for (const statement of secretStatements(api, 'secretsmanager:CreateSecret')) {
      expect(text(statement.Resource)).toContain('secret:strongbox/*/webhooks/*');
    }
    expect(secretStatements(api, 'secretsmanager:CreateSecret')).toHaveLength(1);
    expect(secretStatements(api, 'secretsmanager:GetSecretValue')).toEqual([]);
    const reads = secretStatements(deliverer, 'secretsmanager:GetSecretValue');
    expect(reads).toHaveLength(1);
    expect(text(reads[0]?.Resource)).toContain('secret:strongbox/*/webhooks/*');
    expect(secretStatements(deliverer, 'secretsmanager:CreateSecret')).toEqual([]);
  });

  it('alarms on deliveries that gave up and on events the deliverer could not handle', () => {
    const { service } = synth();
    const alarms = Object.values(resourcesOfType(service, 'AWS::CloudWatch::Alarm')) as Resource[];
    const described = alarms.map((alarm) => String(alarm.Properties.AlarmDescription));
    expect(described.some((text) => text.includes('webhook delivery gave up'))).toBe(true);
    expect(described.some((text) => text.includes('webhook deliverer failed on an event'))).toBe(true);
  });
});
