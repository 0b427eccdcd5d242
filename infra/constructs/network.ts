import { Fn, Validations } from 'aws-cdk-lib';
import { SecurityGroup, Subnet, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import type { FunctionNetwork } from './function';

export interface DatabaseNetworkProps {
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

/**
 * The existing VPC, subnets and security groups that functions reaching tenant databases join. Built from ids
 * (no Vpc.fromLookup), so synth stays offline; the security groups are not modified by this stack.
 */
export class DatabaseNetwork extends Construct {
  readonly functionNetwork: FunctionNetwork;

  constructor(scope: Construct, id: string, props: DatabaseNetworkProps) {
    super(scope, id);
    // Subnets are selected explicitly below, so the VPC's zone layout is never read; the token only satisfies
    // fromVpcAttributes and renders nothing into the template.
    const vpc = Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: props.vpcId, availabilityZones: Fn.getAzs() });
    const subnets = props.subnetIds.map((subnetId, index) => Subnet.fromSubnetId(this, `Subnet${index}`, subnetId));
    Validations.of(this).acknowledge(
      {
        id: '@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones',
        reason: 'Functions select these subnets by id; nothing reads the zone list of the imported VPC.',
      },
      {
        id: '@aws-cdk/aws-ec2:noSubnetRouteTableId',
        reason: 'Lambda needs only subnet ids; nothing in this app reads the route tables of these subnets.',
      },
    );
    const securityGroups = props.securityGroupIds.map((groupId, index) =>
      SecurityGroup.fromSecurityGroupId(this, `SecurityGroup${index}`, groupId, { mutable: false }),
    );
    this.functionNetwork = { vpc, vpcSubnets: { subnets }, securityGroups };
  }
}
