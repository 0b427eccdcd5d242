import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag 3 acknowledges each IAM5 finding by its exact id, e.g. `AwsSolutions-IAM5[Resource::<Fn.Arn>:*]`.
 * This renders a resource ARN the way cdk-nag flattens it (Ref → `<X>`, GetAtt → `<X.Attr>`, ImportValue → the
 * export name, Join → concatenation), so a suppression names the very ARN that was granted, never a pattern.
 */
export function acknowledgeWildcardResources(scope: IConstruct, resources: readonly string[], reason: string): void {
  const stack = Stack.of(scope);
  for (const resource of resources) {
    const flat = flatten(stack.resolve(resource));
    if (!flat.includes('*')) throw new Error(`${flat} has no wildcard to acknowledge`);
    Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
  }
}

function flatten(node: unknown): string {
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof node !== 'object' || node === null) return JSON.stringify(node);
  const record = node as Record<string, unknown>;
  if (Array.isArray(record['Fn::Join'])) {
    const [delimiter, items] = record['Fn::Join'] as [string, unknown[]];
    return items.map(flatten).join(delimiter);
  }
  if ('Fn::Sub' in record) return flatten(record['Fn::Sub']);
  if (Array.isArray(record['Fn::GetAtt'])) {
    const [resource, attribute] = record['Fn::GetAtt'] as [unknown, unknown];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if ('Fn::ImportValue' in record) return flatten(record['Fn::ImportValue']);
  if ('Ref' in record) return `<${flatten(record.Ref)}>`;
  return JSON.stringify(node);
}
