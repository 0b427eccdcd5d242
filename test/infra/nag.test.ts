import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { acknowledgments, devConfig, nagFindings, rawNagFindings, synth } from './support';

const NETWORKED_AND_LOCKED = devConfig({
  vault: { noncurrentVersionExpirationDays: 90, objectLock: { mode: 'GOVERNANCE', days: 30 } },
  network: {
    vpcId: 'vpc-0123456789abcdef0',
    subnetIds: ['subnet-0aaaaaaaaaaaaaaa1'],
    securityGroupIds: ['sg-0bbbbbbbbbbbbbbb1'],
  },
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged error or warning for the dev stage', () => {
    // Prepare
    const { app } = synth();

    // Act
    const findings = nagFindings(app);

    // Assess
    expect(findings).toEqual([]);
  });

  it('reports no unacknowledged error or warning with a network and Object Lock configured', () => {
    // Prepare
    const { app } = synth(NETWORKED_AND_LOCKED);

    // Act
    const findings = nagFindings(app);

    // Assess
    expect(findings).toEqual([]);
  });

  it('gives every acknowledgment a reason a reviewer can check', () => {
    // Prepare
    const { app } = synth(NETWORKED_AND_LOCKED);

    // Act
    const acks = acknowledgments(app);

    // Assess
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.rule, ack.path).toMatch(/^(AwsSolutions-[A-Z]+\d+(\[.+\])?|@aws-cdk\/[\w-]+:\w+)$/);
      expect(ack.reason.length, `${ack.rule} on ${ack.path}`).toBeGreaterThanOrEqual(60);
      expect(ack.reason.split(/\s+/).length, `${ack.rule} on ${ack.path}`).toBeGreaterThanOrEqual(10);
    }
  });

  it('acknowledges only findings that actually occur, on the construct or below it', () => {
    // Prepare
    const { app } = synth(NETWORKED_AND_LOCKED);
    const raw = rawNagFindings(app);

    // Act
    const stale = acknowledgments(app).filter(
      (ack) =>
        ack.rule.startsWith('AwsSolutions-') &&
        !raw.some((finding) => finding.rule === ack.rule && `${finding.path}/`.startsWith(`${ack.path}/`)),
    );

    // Assess
    expect(stale).toEqual([]);
  });

  it('leaves no CDK warning or error annotation on either stack', () => {
    // Prepare
    const { dataStack, serviceStack } = synth(NETWORKED_AND_LOCKED);

    // Act
    const annotations = [dataStack, serviceStack].flatMap((stack) => [
      ...Annotations.fromStack(stack).findWarning('*', Match.anyValue()),
      ...Annotations.fromStack(stack).findError('*', Match.anyValue()),
    ]);

    // Assess
    expect(annotations).toEqual([]);
  });
});
