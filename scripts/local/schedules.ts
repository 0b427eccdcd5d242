import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { physicalName } from './provision';
import { LOCAL_ACCOUNT, type TemplateResolver } from './template';

/**
 * The service stack's EventBridge Scheduler schedules (the daily prune, the missed-backup sweep, the daily repair),
 * created on the emulator from the template, with what they reference: their dead-letter queues (created too) and
 * execution roles (named only: nothing checks IAM here). moto stores schedules and never fires them (DESIGN.md §8);
 * the local ticker (ticker.ts) reads them back and fires them. Run after the state machines are declared, so a target
 * resolves to the local machine's ARN. Idempotent: a restart on a long-lived emulator updates the schedules it finds.
 */
type Props = Record<string, unknown>;

export interface EmulatorEndpoint {
  readonly endpoint: string;
  readonly region: string;
}

/** CreateQueue answers the existing queue when the attributes match, so a restart reuses it. */
async function provisionQueue(
  sqs: SQSClient,
  resolver: TemplateResolver,
  logicalId: string,
  raw: Props,
  stackName: string,
) {
  const props = resolver.resolve(raw) as Props;
  const QueueName = typeof props.QueueName === 'string' ? props.QueueName : physicalName(stackName, logicalId, 80);
  const Attributes: Record<string, string> = {};
  for (const name of ['MessageRetentionPeriod', 'SqsManagedSseEnabled', 'VisibilityTimeout']) {
    if (props[name] !== undefined) Attributes[name] = String(props[name]);
  }
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName, Attributes }));
  const arn = `arn:aws:sqs:${resolver.region}:${LOCAL_ACCOUNT}:${QueueName}`;
  resolver.set(logicalId, { ref: String(QueueUrl), attributes: { Arn: arn, QueueName, QueueUrl: String(QueueUrl) } });
}

async function provisionSchedule(
  scheduler: SchedulerClient,
  resolver: TemplateResolver,
  logicalId: string,
  raw: Props,
  stackName: string,
) {
  const props = resolver.resolve(raw) as Props;
  const Name = typeof props.Name === 'string' ? props.Name : physicalName(stackName, logicalId, 64);
  const GroupName = typeof props.GroupName === 'string' ? props.GroupName : 'default';
  const input = {
    Name,
    GroupName,
    ScheduleExpression: props.ScheduleExpression,
    ScheduleExpressionTimezone: props.ScheduleExpressionTimezone,
    FlexibleTimeWindow: props.FlexibleTimeWindow,
    Target: props.Target,
    State: props.State ?? 'ENABLED',
    ...(props.Description === undefined ? {} : { Description: props.Description }),
  } as CreateScheduleCommandInput;
  try {
    await scheduler.send(new CreateScheduleCommand(input));
  } catch (error) {
    if ((error as Error).name !== 'ConflictException') throw error;
    await scheduler.send(new UpdateScheduleCommand(input));
  }
  const arn = `arn:aws:scheduler:${resolver.region}:${LOCAL_ACCOUNT}:schedule/${GroupName}/${Name}`;
  resolver.set(logicalId, { ref: Name, attributes: { Arn: arn } });
}

/**
 * Creates the stack's queues and schedules on the emulator and names its roles; returns the names of the schedules.
 * Queues and roles are provisioned even when the stack has no schedule of its own: the policies API creates tenants'
 * schedules at run time with the dispatcher's role and dead-letter queue (STRONGBOX_SCHEDULER_ROLE_ARN,
 * STRONGBOX_SCHEDULE_DLQ_ARN), so those must resolve to real names, and the queue must exist.
 */
export async function provisionSchedules(
  emulator: EmulatorEndpoint,
  resolver: TemplateResolver,
  stackName: string,
): Promise<string[]> {
  const schedules = resolver.resourcesOfType('AWS::Scheduler::Schedule');
  for (const [logicalId] of resolver.resourcesOfType('AWS::IAM::Role')) {
    const name = physicalName(stackName, logicalId, 64);
    resolver.set(logicalId, { ref: name, attributes: { Arn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/${name}` } });
  }
  const settings = {
    region: emulator.region,
    endpoint: emulator.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  const sqs = new SQSClient(settings);
  const scheduler = new SchedulerClient(settings);
  try {
    for (const [logicalId, resource] of resolver.resourcesOfType('AWS::SQS::Queue')) {
      await step(`queue ${logicalId}`, () =>
        provisionQueue(sqs, resolver, logicalId, resource.Properties ?? {}, stackName),
      );
    }
    const names: string[] = [];
    for (const [logicalId, resource] of schedules) {
      await step(`schedule ${logicalId}`, () =>
        provisionSchedule(scheduler, resolver, logicalId, resource.Properties ?? {}, stackName),
      );
      names.push(resolver.resource(logicalId).ref);
    }
    return names;
  } finally {
    scheduler.destroy();
    sqs.destroy();
  }
}

async function step(what: string, work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (error) {
    throw new Error(`provisioning ${what} failed: ${(error as Error).name}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
