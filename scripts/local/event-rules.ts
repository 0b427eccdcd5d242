import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { physicalName } from './provision';
import type { EmulatorEndpoint } from './schedules';
import { LOCAL_ACCOUNT, type TemplateResolver } from './template';

/**
 * The service stack's EventBridge rules on the emulator's buses, with their SQS targets (moto delivers a bus's events
 * to the SQS targets of matching rules; it runs no Lambda targets, and the stack has none on its bus). Run after the
 * buses and queues exist. Idempotent: PutRule and PutTargets replace what a restart finds.
 */
type Props = Record<string, unknown>;

function settings(emulator: EmulatorEndpoint) {
  return {
    region: emulator.region,
    endpoint: emulator.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
}

export async function provisionEventRules(
  emulator: EmulatorEndpoint,
  resolver: TemplateResolver,
  stackName: string,
): Promise<string[]> {
  const rules = resolver
    .resourcesOfType('AWS::Events::Rule')
    .filter(([, resource]) => resource.Properties?.EventBusName !== undefined && resource.Properties?.EventPattern);
  if (rules.length === 0) return [];
  const client = new EventBridgeClient(settings(emulator));
  const names: string[] = [];
  try {
    for (const [logicalId, resource] of rules) {
      const props = resolver.resolve(resource.Properties ?? {}) as Props;
      const Name = typeof props.Name === 'string' ? props.Name : physicalName(stackName, logicalId, 64);
      const EventBusName = String(props.EventBusName);
      await client.send(
        new PutRuleCommand({
          Name,
          EventBusName,
          EventPattern: JSON.stringify(props.EventPattern),
          State: props.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
        }),
      );
      const targets = ((props.Targets ?? []) as { Id: string; Arn: string }[]).filter((target) =>
        String(target.Arn).startsWith('arn:aws:sqs:'),
      );
      if (targets.length > 0) {
        await client.send(
          new PutTargetsCommand({
            Rule: Name,
            EventBusName,
            Targets: targets.map((target) => ({ Id: target.Id, Arn: target.Arn })),
          }),
        );
      }
      const arn = `arn:aws:events:${resolver.region}:${LOCAL_ACCOUNT}:rule/${EventBusName}/${Name}`;
      resolver.set(logicalId, { ref: Name, attributes: { Arn: arn } });
      names.push(Name);
    }
    return names;
  } finally {
    client.destroy();
  }
}

/**
 * The queues' redrive policies (dead-letter queue and maxReceiveCount), set once every queue exists — a queue can name
 * a dead-letter queue created after it. moto moves a message to the dead-letter queue after maxReceiveCount receives.
 */
export async function applyRedrivePolicies(emulator: EmulatorEndpoint, resolver: TemplateResolver): Promise<void> {
  const queues = resolver
    .resourcesOfType('AWS::SQS::Queue')
    .filter(([, resource]) => resource.Properties?.RedrivePolicy !== undefined);
  if (queues.length === 0) return;
  const sqs = new SQSClient(settings(emulator));
  try {
    for (const [logicalId, resource] of queues) {
      const policy = resolver.resolve(resource.Properties?.RedrivePolicy) as Props;
      await sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: resolver.resource(logicalId).ref,
          Attributes: { RedrivePolicy: JSON.stringify(policy) },
        }),
      );
    }
  } finally {
    sqs.destroy();
  }
}
