import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { EmulatorEndpoint } from './schedules';
import { LOCAL_ACCOUNT, type TemplateResolver } from './template';

/**
 * The service stack's EventBridge buses, created on the emulator (moto's EventBridge stores events and delivers them
 * to rules' SQS targets), so functions publish to the same bus name they get in AWS. Idempotent: a bus that exists is
 * reused. Run before the functions' environments are resolved.
 */
export async function provisionEventBuses(emulator: EmulatorEndpoint, resolver: TemplateResolver): Promise<string[]> {
  const buses = resolver.resourcesOfType('AWS::Events::EventBus');
  if (buses.length === 0) return [];
  const client = new EventBridgeClient({
    region: emulator.region,
    endpoint: emulator.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const names: string[] = [];
  try {
    for (const [logicalId, resource] of buses) {
      const props = resolver.resolve(resource.Properties ?? {}) as { Name?: string };
      const Name = props.Name ?? logicalId;
      try {
        await client.send(new CreateEventBusCommand({ Name }));
      } catch (error) {
        if ((error as Error).name !== 'ResourceAlreadyExistsException') {
          throw new Error(`provisioning event bus ${Name} failed: ${(error as Error).message}`, { cause: error });
        }
      }
      const arn = `arn:aws:events:${resolver.region}:${LOCAL_ACCOUNT}:event-bus/${Name}`;
      resolver.set(logicalId, { ref: Name, attributes: { Arn: arn, Name } });
      names.push(Name);
    }
    return names;
  } finally {
    client.destroy();
  }
}
