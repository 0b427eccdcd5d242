import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { functionsByEntry, resourcesOfType, synth } from './support';

describe('observability', () => {
  it('alarms on failed backups, failed restores and snapshot backups, RDS quota, and every function error, into an encrypted topic', () => {
    // Prepare
    const { service } = synth();

    // Act
    const alarms = Object.values(resourcesOfType(service, 'AWS::CloudWatch::Alarm'));

    // Assess
    // BackupFailed, RestoreFailed, SnapshotBackupFailed, RdsSnapshotQuota, the brake, prune failed, the prune and the
    // policy schedules' dead letters, BackupMissed, EventsNotPublished, webhook deliveries given up and the webhook
    // dead letters, then one per function
    expect(alarms).toHaveLength(functionsByEntry(service).size + 12);
    service.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Strongbox',
      MetricName: 'BackupMissed',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    service.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Strongbox',
      MetricName: 'BackupFailed',
      Dimensions: [{ Name: 'service', Value: 'strongbox' }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    service.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({
          MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ExecutionsFailed' }) }),
        }),
      ]),
    });
    for (const alarm of alarms)
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/AlarmTopic/) }]);
    service.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });

  it('lets CloudWatch publish to the alarm topic through its own rotated key, over TLS only', () => {
    // Prepare
    const { service } = synth();

    // Act
    const keys = Object.values(resourcesOfType(service, 'AWS::KMS::Key'));

    // Assess
    expect(keys).toHaveLength(1);
    service.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' } }),
        ]),
      },
    });
    service.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});
