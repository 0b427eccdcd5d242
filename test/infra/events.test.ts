import { describe, expect, it } from 'vitest';
import { ENTRIES, entryPath } from '../../infra/contract';
import { functionsByEntry, resourcesOfType, synth } from './support';

/** Strongbox's event bus (infra/constructs/events.ts) and who may publish to it. */
const text = (node: unknown) => JSON.stringify(node);

describe('event bus', () => {
  it('is strongbox-<stage>, named to every function, and only the functions that record outcomes may put events', () => {
    const { service } = synth();
    const buses = Object.entries(resourcesOfType(service, 'AWS::Events::EventBus'));
    expect(buses).toHaveLength(1);
    const [busId, bus] = buses[0] as [string, { Properties: Record<string, unknown> }];
    expect(bus.Properties.Name).toBe('strongbox-dev');

    const functions = functionsByEntry(service);
    for (const [entry, { resource }] of functions) {
      expect(resource.Properties.Environment?.Variables?.STRONGBOX_EVENT_BUS_NAME, entry).toEqual({ Ref: busId });
    }
    const publishers = [
      ENTRIES.runDump,
      ENTRIES.dumpFailed,
      ENTRIES.snapshotBackup,
      ENTRIES.restoreComplete,
      ENTRIES.restoreFail,
      ENTRIES.restoreSnapshot,
      ENTRIES.restoreApproval,
      ENTRIES.rpoSweep,
    ].map((entry) => {
      const role = functions.get(entryPath(entry))?.resource.Properties.Role as { 'Fn::GetAtt': [string] };
      return role['Fn::GetAtt'][0];
    });
    const putters = Object.values(resourcesOfType(service, 'AWS::IAM::Policy'))
      .filter((policy) => text(policy.Properties.PolicyDocument).includes('events:PutEvents'))
      .flatMap((policy) => (policy.Properties.Roles as { Ref: string }[]).map((role) => role.Ref));
    expect(new Set(putters)).toEqual(new Set(publishers));
    for (const policy of Object.values(resourcesOfType(service, 'AWS::IAM::Policy'))) {
      for (const statement of (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] })
        .Statement) {
        if (text(statement.Action).includes('events:PutEvents')) {
          expect(statement.Resource).toEqual({ 'Fn::GetAtt': [busId, 'Arn'] });
        }
      }
    }
  });
});
