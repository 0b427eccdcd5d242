import { describe, expect, it } from 'vitest';
import {
  CONTINUE_RETRY,
  LAMBDA_SERVICE_RETRY,
  PRUNE_HISTORY,
  PRUNE_MAX_STEPS_PER_EXECUTION,
  PRUNE_STATES,
} from '../../infra/constructs/retention';
import { ENTRIES, entryPath, RETENTION_BRAKE_METRIC } from '../../infra/contract';
import { METRIC } from '../../lambdas/shared/powertools';
import {
  acknowledgments,
  type CfnResource,
  devConfig,
  functionByEntry,
  nagFindings,
  resourcesOfType,
  stateMachineDefinition,
  synth,
} from './support';

/** Renders an intrinsic the way a reviewer reads it: Ref → `<X>`, GetAtt → `<X.Attr>`, ImportValue → `<import X>`. */
function flat(node: unknown): string {
  if (typeof node === 'string') return node;
  const record = node as Record<string, unknown>;
  if (Array.isArray(record['Fn::Join'])) {
    const [delimiter, items] = record['Fn::Join'] as [string, unknown[]];
    return items.map(flat).join(delimiter);
  }
  if (Array.isArray(record['Fn::GetAtt'])) return `<${(record['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Ref' in record) return `<${String(record.Ref)}>`;
  if ('Fn::ImportValue' in record) return `<import ${String(record['Fn::ImportValue'])}>`;
  return JSON.stringify(node);
}

interface Statement {
  readonly Action: string[];
  readonly Resource: string[];
  readonly Condition?: unknown;
}

/** Every statement of every policy attached to a role, intrinsics flattened, actions as a list. */
function statementsOfRole(roleLogicalId: string, config = devConfig()): Statement[] {
  const { service } = synth(config);
  return Object.values(resourcesOfType(service, 'AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleLogicalId))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement)
    .map((statement) => {
      expect(statement.Effect).toBe('Allow');
      const condition = statement.Condition;
      return {
        Action: [statement.Action as string | string[]].flat(),
        Resource: [statement.Resource].flat().map(flat),
        ...(condition === undefined
          ? {}
          : {
              Condition: JSON.parse(
                JSON.stringify(condition, (_key, value) => (isIntrinsic(value) ? flat(value) : value)),
              ),
            }),
      };
    });
}

function isIntrinsic(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && ('Fn::Join' in value || 'Ref' in value)
  );
}

const roleOf = (fn: CfnResource) => (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];

function logicalId(prefix: string, type: string, config = devConfig()): string {
  const ids = Object.keys(resourcesOfType(synth(config).service, type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} ${prefix}…, found ${ids.length}`);
  return ids[0] as string;
}

const pruneMachine = () => stateMachineDefinition(synth().service, 'RetentionPrune');
const pruneFunction = () => functionByEntry(synth().service, entryPath(ENTRIES.prune));

const VAULT_OBJECTS = 'arn:<AWS::Partition>:s3:::<import Strongbox-dev-Data:VaultBucketName>/tenants/*';
const VAULT_BUCKET = 'arn:<AWS::Partition>:s3:::<import Strongbox-dev-Data:VaultBucketName>';
const SNAPSHOTS = 'arn:<AWS::Partition>:ec2:*::snapshot/*';
const RDS_SNAPSHOTS = [
  'arn:<AWS::Partition>:rds:*:<AWS::AccountId>:cluster-snapshot:strongbox-*',
  'arn:<AWS::Partition>:rds:*:<AWS::AccountId>:snapshot:strongbox-*',
];
const MANAGED_BY_STRONGBOX = { StringEquals: { 'aws:ResourceTag/strongbox:managed-by': 'strongbox' } };
const CATALOG = [
  {
    Action: [
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:ConditionCheckItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ],
    Resource: [
      'arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table/<import Strongbox-dev-Data:CatalogTableName>/index/gsi1',
      'arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table/<import Strongbox-dev-Data:CatalogTableName>',
    ],
  },
  {
    Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
    Resource: ['<import Strongbox-dev-Data:DataKeyArn>'],
    Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.<AWS::Region>.amazonaws.com' } },
  },
];
const DESCRIBE_SNAPSHOTS_AND_XRAY = {
  Action: [
    'ec2:DescribeSnapshots',
    'rds:DescribeDBClusterSnapshots',
    'rds:DescribeDBSnapshots',
    'xray:PutTelemetryRecords',
    'xray:PutTraceSegments',
  ],
  Resource: ['*'],
};

describe('prune state machine', () => {
  it('has exactly the documented states, in order: step, choice, finished | continue as new → continued', () => {
    // Act
    const {
      StartAt,
      States: states,
      TimeoutSeconds,
    } = pruneMachine() as ReturnType<typeof pruneMachine> & {
      TimeoutSeconds?: number;
    };

    // Assess
    expect(StartAt).toBe(PRUNE_STATES.step);
    expect(Object.keys(states).sort()).toEqual(Object.values(PRUNE_STATES).sort());
    expect(states[PRUNE_STATES.step]).toMatchObject({ Type: 'Task', Next: PRUNE_STATES.done });
    expect(states[PRUNE_STATES.done]).toEqual({
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.run.done', IsPresent: true },
            { Variable: '$.run.done', BooleanEquals: true },
          ],
          Next: PRUNE_STATES.finished,
        },
        {
          And: [
            { Variable: '$.run.continueAsNew', IsPresent: true },
            { Variable: '$.run.continueAsNew', BooleanEquals: true },
          ],
          Next: PRUNE_STATES.continueAsNew,
        },
      ],
      Default: PRUNE_STATES.step,
    });
    expect(states[PRUNE_STATES.continueAsNew]).toMatchObject({ Type: 'Task', Next: PRUNE_STATES.continued });
    expect(states[PRUNE_STATES.finished]).toEqual({ Type: 'Succeed' });
    expect(states[PRUNE_STATES.continued]).toEqual({ Type: 'Succeed' });
    // The step count is the binding limit, never the execution timeout.
    expect(TimeoutSeconds).toBeGreaterThanOrEqual(PRUNE_MAX_STEPS_PER_EXECUTION * 900);
  });

  it('runs each step on the prune function with the whole state, the cursor back at $.run, within 15 minutes', () => {
    // Prepare
    const fn = pruneFunction();

    // Act
    const step = pruneMachine().States[PRUNE_STATES.step];

    // Assess
    expect(step).toMatchObject({
      Resource: `arn:placeholder:${fn.logicalId}`,
      Parameters: { action: 'step', 'input.$': '$' },
      ResultPath: '$.run',
      TimeoutSeconds: 900,
    });
    expect(fn.resource.Properties).toMatchObject({ Timeout: 900, MemorySize: 1024 });
    expect(step?.Catch).toBeUndefined(); // a failed step fails the execution, and the PruneFailed alarm fires
  });

  it('retries throttling by name and Lambda service errors, with capped, jittered backoff', () => {
    // Act
    const step = pruneMachine().States[PRUNE_STATES.step];

    // Assess
    expect(step?.Retry).toEqual([
      {
        ErrorEquals: ['SnapshotThrottledError'],
        IntervalSeconds: 5,
        BackoffRate: 2,
        MaxAttempts: 6,
        MaxDelaySeconds: 60,
        JitterStrategy: 'FULL',
      },
      {
        ErrorEquals: [
          'Lambda.ServiceException',
          'Lambda.AWSLambdaException',
          'Lambda.SdkClientException',
          'Lambda.TooManyRequestsException',
        ],
        IntervalSeconds: 2,
        BackoffRate: 2,
        MaxAttempts: 5,
        MaxDelaySeconds: 30,
        JitterStrategy: 'FULL',
      },
    ]);
  });

  it('continues as new with the native startExecution integration: its own ARN, a name per generation, the cursor', () => {
    // Act
    const continueAsNew = pruneMachine().States[PRUNE_STATES.continueAsNew];

    // Assess
    expect(continueAsNew).toEqual({
      Type: 'Task',
      Resource: 'arn:ref:AWS::Partition:states:::states:startExecution',
      Parameters: {
        'StateMachineArn.$': '$$.StateMachine.Id',
        'Name.$': "States.Format('{}-g{}', $.run.runId, $.run.generation)",
        Input: { 'run.$': '$.run', 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' },
      },
      ResultSelector: { 'executionArn.$': '$.ExecutionArn' },
      ResultPath: '$.next',
      TimeoutSeconds: 60,
      // An execution of that name that already ended means the run did continue: not retried, caught as success.
      Retry: [
        { ErrorEquals: ['StepFunctions.ExecutionAlreadyExists'], MaxAttempts: 0 },
        {
          ErrorEquals: ['StepFunctions.ExecutionLimitExceeded', 'States.TaskFailed'],
          IntervalSeconds: 5,
          BackoffRate: 2,
          MaxAttempts: 6,
          MaxDelaySeconds: 60,
          JitterStrategy: 'FULL',
        },
      ],
      Catch: [
        { ErrorEquals: ['StepFunctions.ExecutionAlreadyExists'], ResultPath: '$.next', Next: PRUNE_STATES.continued },
      ],
      Next: PRUNE_STATES.continued,
    });
  });

  it('bounds steps per execution so that even all retries on every step keep the history under half the limit', () => {
    // Prepare: the attempts a step and the continuation can make, read from the synthesized retriers
    const { States: states } = pruneMachine();
    const attempts = (state: string) =>
      1 +
      (states[state]?.Retry ?? []).reduce(
        (sum, retrier) => sum + ((retrier as { MaxAttempts?: number }).MaxAttempts ?? 3),
        0,
      );

    // Act
    const perStep = 2 + 3 * attempts(PRUNE_STATES.step) + 2;
    const perExecution = 1 + 2 + 3 * attempts(PRUNE_STATES.continueAsNew) + 2 + 1;

    // Assess
    expect([perStep, perExecution]).toEqual([
      PRUNE_HISTORY.worstCaseEventsPerStep,
      PRUNE_HISTORY.worstCaseEventsPerExecution,
    ]);
    expect(attempts(PRUNE_STATES.step)).toBe(1 + 6 + LAMBDA_SERVICE_RETRY.maxAttempts);
    expect(attempts(PRUNE_STATES.continueAsNew)).toBe(1 + CONTINUE_RETRY.maxAttempts);
    expect(PRUNE_MAX_STEPS_PER_EXECUTION * perStep + perExecution).toBeLessThanOrEqual(PRUNE_HISTORY.budget);
    expect(PRUNE_HISTORY.budget).toBe(PRUNE_HISTORY.limit / 2);
  });

  it("gives the machine's role the step function, logging and tracing, and StartExecution on itself only", () => {
    // Prepare
    const machineId = logicalId('RetentionPruneStateMachine', 'AWS::StepFunctions::StateMachine');
    const machine = resourcesOfType(synth().service, 'AWS::StepFunctions::StateMachine')[machineId] as CfnResource & {
      DependsOn?: string[];
    };
    const role = (machine.Properties.RoleArn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    const fn = pruneFunction().logicalId;

    // Act
    const statements = statementsOfRole(role);

    // Assess
    expect(statements).toEqual([
      { Action: ['lambda:InvokeFunction'], Resource: [`<${fn}.Arn>`, `<${fn}.Arn>:*`] },
      {
        Action: [
          'logs:CreateLogDelivery',
          'logs:DeleteLogDelivery',
          'logs:DescribeLogGroups',
          'logs:DescribeResourcePolicies',
          'logs:GetLogDelivery',
          'logs:ListLogDeliveries',
          'logs:PutResourcePolicy',
          'logs:UpdateLogDelivery',
          'xray:GetSamplingRules',
          'xray:GetSamplingTargets',
          'xray:PutTelemetryRecords',
          'xray:PutTraceSegments',
        ],
        Resource: ['*'],
      },
      { Action: ['states:StartExecution'], Resource: [`<${machineId}>`] },
    ]);
    // Cycle-free: the policy naming the machine is one the machine does not wait for.
    const continuePolicy = logicalId('RetentionContinueAsNewPolicy', 'AWS::IAM::Policy');
    expect(machine.DependsOn).not.toContain(continuePolicy);
  });
});

describe('prune step and retention API grants', () => {
  it('lets the prune step use the catalog, delete vault object versions, read their lock state, and delete or archive only Strongbox snapshots', () => {
    // Prepare
    const fn = pruneFunction();

    // Act
    const statements = statementsOfRole(roleOf(fn.resource));

    // Assess
    expect(statements).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [expect.stringMatching(/^<RetentionPrune.*Logs.*\.Arn>$/)],
      },
      DESCRIBE_SNAPSHOTS_AND_XRAY,
      ...CATALOG,
      {
        Action: ['s3:DeleteObjectVersion', 's3:GetObjectLegalHold', 's3:GetObjectRetention', 's3:GetObjectVersion'],
        Resource: [VAULT_OBJECTS],
      },
      {
        Action: ['s3:ListBucketVersions'],
        Resource: [VAULT_BUCKET],
        Condition: { StringLike: { 's3:prefix': 'tenants/*' } },
      },
      {
        Action: ['ec2:DeleteSnapshot', 'ec2:ModifySnapshotTier'],
        Resource: [SNAPSHOTS],
        Condition: MANAGED_BY_STRONGBOX,
      },
      {
        Action: ['rds:DeleteDBClusterSnapshot', 'rds:DeleteDBSnapshot'],
        Resource: RDS_SNAPSHOTS,
        Condition: MANAGED_BY_STRONGBOX,
      },
    ]);
    // Object Lock is never bypassed, and the vault's bytes stay unreadable (no kms:Decrypt through S3).
    const text = JSON.stringify(statements);
    expect(text).not.toContain('BypassGovernanceRetention');
    expect(text).not.toContain('s3.<AWS::Region>');
  });

  it('lets the retention API place and release legal holds: S3 legal holds and the strongbox:legal-hold tag only', () => {
    // Prepare
    const fn = functionByEntry(synth().service, entryPath(ENTRIES.retention));
    const holdTagOnly = {
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['strongbox:legal-hold'] },
      // A DeleteTags without keys would remove every tag (the ownership tags too): keys must be named.
      Null: { 'aws:TagKeys': 'false' },
      ...MANAGED_BY_STRONGBOX,
    };

    // Act
    const statements = statementsOfRole(roleOf(fn.resource));

    // Assess
    expect(statements).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [expect.stringMatching(/^<TenantApiRetention.*Logs.*\.Arn>$/)],
      },
      DESCRIBE_SNAPSHOTS_AND_XRAY,
      ...CATALOG,
      {
        Action: ['s3:GetObjectLegalHold', 's3:GetObjectRetention', 's3:GetObjectVersion', 's3:PutObjectLegalHold'],
        Resource: [VAULT_OBJECTS],
      },
      {
        Action: ['s3:ListBucketVersions'],
        Resource: [VAULT_BUCKET],
        Condition: { StringLike: { 's3:prefix': 'tenants/*' } },
      },
      { Action: ['ec2:CreateTags', 'ec2:DeleteTags'], Resource: [SNAPSHOTS], Condition: holdTagOnly },
      {
        Action: ['rds:AddTagsToResource', 'rds:RemoveTagsFromResource'],
        Resource: RDS_SNAPSHOTS,
        Condition: holdTagOnly,
      },
    ]);
  });
});

describe('daily prune schedule', () => {
  it('starts the prune machine with input {} at the configured time, retried, undeliverable starts to the DLQ', () => {
    // Prepare
    const config = devConfig({
      retention: { scheduleExpression: 'cron(30 3 * * ? *)', scheduleTimeZone: 'Europe/Zurich' },
    });
    const { service } = synth(config);
    const machine = logicalId('RetentionPruneStateMachine', 'AWS::StepFunctions::StateMachine', config);
    const queue = logicalId('RetentionScheduleDeadLetters', 'AWS::SQS::Queue', config);
    const role = logicalId('RetentionScheduleRole', 'AWS::IAM::Role', config);

    // Act
    const schedules = Object.entries(resourcesOfType(service, 'AWS::Scheduler::Schedule'))
      .filter(([id]) => id.startsWith('Retention'))
      .map(([, schedule]) => schedule);

    // Assess
    expect(schedules).toHaveLength(1);
    expect(schedules[0]?.Properties).toEqual({
      Description: 'Strongbox retention: prune every tenant',
      ScheduleExpression: 'cron(30 3 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Zurich',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: { Ref: machine },
        RoleArn: { 'Fn::GetAtt': [role, 'Arn'] },
        Input: '{}',
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21_600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queue, 'Arn'] } },
      },
    });
  });

  it('runs daily at 02:00 UTC by default', () => {
    // Act
    const [schedule] = Object.values(resourcesOfType(synth().service, 'AWS::Scheduler::Schedule'));

    // Assess
    expect(schedule?.Properties).toMatchObject({
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
    });
  });

  it("lets Scheduler assume its role for this account's schedules only, to start this machine and dead-letter, nothing else", () => {
    // Prepare
    const { service } = synth();
    const role = logicalId('RetentionScheduleRole', 'AWS::IAM::Role');
    const machine = logicalId('RetentionPruneStateMachine', 'AWS::StepFunctions::StateMachine');
    const queue = logicalId('RetentionScheduleDeadLetters', 'AWS::SQS::Queue');

    // Act
    const trust = (resourcesOfType(service, 'AWS::IAM::Role')[role] as CfnResource).Properties.AssumeRolePolicyDocument;
    const statements = statementsOfRole(role);

    // Assess
    expect(trust).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: {
            StringEquals: {
              'aws:SourceAccount': { Ref: 'AWS::AccountId' },
              'aws:SourceArn': {
                'Fn::Join': [
                  '',
                  [
                    'arn:',
                    { Ref: 'AWS::Partition' },
                    ':scheduler:',
                    { Ref: 'AWS::Region' },
                    ':',
                    { Ref: 'AWS::AccountId' },
                    ':schedule-group/default',
                  ],
                ],
              },
            },
          },
        },
      ],
    });
    expect(statements).toEqual([
      { Action: ['states:StartExecution'], Resource: [`<${machine}>`] },
      { Action: ['sqs:SendMessage'], Resource: [`<${queue}.Arn>`] },
    ]);
  });

  it('keeps the dead letters encrypted, for 14 days, over TLS only', () => {
    // Prepare
    const { service } = synth();
    const queue = logicalId('RetentionScheduleDeadLetters', 'AWS::SQS::Queue');

    // Act
    const props = (resourcesOfType(service, 'AWS::SQS::Queue')[queue] as CfnResource).Properties;

    // Assess
    expect(props).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
    service.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queue }],
      PolicyDocument: {
        Statement: [
          {
            Action: 'sqs:*',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: { 'Fn::GetAtt': [queue, 'Arn'] },
          },
        ],
        Version: '2012-10-17',
      },
    });
  });
});

describe('retention alarms', () => {
  const alarms = () => Object.entries(resourcesOfType(synth().service, 'AWS::CloudWatch::Alarm'));
  const alarm = (prefix: string) => {
    const found = alarms().filter(([id]) => id.startsWith(prefix));
    expect(found, prefix).toHaveLength(1);
    return (found[0] as [string, CfnResource])[1].Properties;
  };
  const topic = { Ref: expect.stringMatching(/^ObservabilityAlarmTopic/) };

  it('alarms when a brake trips: the metric the prune step emits, summed over a day, at 1', () => {
    // Act
    const brake = alarm('ObservabilityRetentionBrakeAlarm');

    // Assess
    expect(METRIC.retentionBrakeTripped).toBe(RETENTION_BRAKE_METRIC.metricName);
    expect(brake).toMatchObject({
      Namespace: 'Strongbox',
      MetricName: 'RetentionBrakeTripped',
      Dimensions: [{ Name: 'service', Value: 'strongbox' }],
      Statistic: 'Sum',
      Period: 86_400,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [topic],
    });
  });

  it('alarms on a failed or timed-out prune execution', () => {
    // Prepare
    const machine = logicalId('RetentionPruneStateMachine', 'AWS::StepFunctions::StateMachine');

    // Act
    const failed = alarm('ObservabilityPruneFailedAlarm');

    // Assess
    expect(failed).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [topic],
    });
    const metrics = (failed.Metrics as { MetricStat?: { Metric: { MetricName: string; Dimensions: unknown } } }[])
      .flatMap((metric) => (metric.MetricStat ? [metric.MetricStat.Metric] : []))
      .map((metric) => [metric.MetricName, metric.Dimensions]);
    expect(metrics).toEqual([
      ['ExecutionsFailed', [{ Name: 'StateMachineArn', Value: { Ref: machine } }]],
      ['ExecutionsTimedOut', [{ Name: 'StateMachineArn', Value: { Ref: machine } }]],
    ]);
  });

  it('alarms when the schedule could not start the machine (a visible message in its DLQ)', () => {
    // Prepare
    const queue = logicalId('RetentionScheduleDeadLetters', 'AWS::SQS::Queue');

    // Act
    const undelivered = alarm('ObservabilityPruneScheduleUndeliveredAlarm');

    // Assess
    expect(undelivered).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [topic],
    });
  });

  it('alarms on errors of the prune step and the retention API functions', () => {
    // Act
    const ids = alarms().map(([id]) => id);

    // Assess
    expect(ids).toContainEqual(expect.stringMatching(/^ObservabilityPruneErrorsAlarm/));
    expect(ids).toContainEqual(expect.stringMatching(/^ObservabilityRetentionErrorsAlarm/));
  });
});

describe('retention environment and outputs', () => {
  const PRUNE_VARIABLES = [
    'STRONGBOX_PRUNE_STEP_SECONDS',
    'STRONGBOX_PRUNE_EC2_DELETE_RATE',
    'STRONGBOX_PRUNE_EC2_DELETE_BURST',
    'STRONGBOX_PRUNE_MAX_DELETE_SHARE',
    'STRONGBOX_PRUNE_MAX_DELETE_COUNT',
  ];

  it('sets no prune variable when the stage configures none (the runtime defaults apply)', () => {
    // Act
    const { service } = synth();

    // Assess
    for (const [logical, fn] of Object.entries(resourcesOfType(service, 'AWS::Lambda::Function'))) {
      const variables = Object.keys(fn.Properties.Environment?.Variables ?? {});
      expect(
        variables.filter((name) => PRUNE_VARIABLES.includes(name)),
        logical,
      ).toEqual([]);
    }
  });

  it('sets the configured prune variables, one value each, on the prune step and the retention API only', () => {
    // Prepare
    const config = devConfig({
      retention: {
        pruneStepSeconds: 300,
        ec2DeleteRate: 2.5,
        ec2DeleteBurst: 50,
        maxDeleteShare: 0.25,
        maxDeleteCount: 40,
      },
    });

    // Act
    const { service } = synth(config);

    // Assess
    const expected = {
      STRONGBOX_PRUNE_STEP_SECONDS: '300',
      STRONGBOX_PRUNE_EC2_DELETE_RATE: '2.5',
      STRONGBOX_PRUNE_EC2_DELETE_BURST: '50',
      STRONGBOX_PRUNE_MAX_DELETE_SHARE: '0.25',
      STRONGBOX_PRUNE_MAX_DELETE_COUNT: '40',
    };
    const withPrune = Object.values(resourcesOfType(service, 'AWS::Lambda::Function')).filter((fn) =>
      Object.keys(fn.Properties.Environment?.Variables ?? {}).some((name) => PRUNE_VARIABLES.includes(name)),
    );
    expect(withPrune.map((fn) => fn.Metadata?.['strongbox:entry']).sort()).toEqual(
      [entryPath(ENTRIES.retention), entryPath(ENTRIES.prune)].sort(),
    );
    for (const fn of withPrune) expect(fn.Properties.Environment?.Variables).toMatchObject(expected);
  });

  it('outputs the prune machine ARN', () => {
    // Prepare
    const machine = logicalId('RetentionPruneStateMachine', 'AWS::StepFunctions::StateMachine');

    // Act
    const outputs = synth().service.findOutputs('PruneStateMachineArn');

    // Assess
    expect(Object.values(outputs)).toEqual([{ Value: { Ref: machine } }]);
  });
});

describe('retention under cdk-nag', () => {
  it('leaves no unacknowledged finding on the retention resources, and acknowledges the DLQ rule with a reason', () => {
    // Prepare
    const { app } = synth();

    // Act
    const findings = nagFindings(app).filter((finding) => /\/(Retention|TenantApi\/Retention)\//.test(finding.path));
    const acks = acknowledgments(app).filter((ack) => ack.path.includes('/Retention/'));

    // Assess
    expect(findings).toEqual([]);
    expect(acks).toContainEqual(
      expect.objectContaining({ rule: 'AwsSolutions-SQS3', reason: expect.stringContaining('dead-letter queue') }),
    );
    for (const ack of acks) expect(ack.reason.length, `${ack.rule} on ${ack.path}`).toBeGreaterThanOrEqual(60);
  });
});
