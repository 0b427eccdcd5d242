/**
 * A small CloudFormation reader for local mode and tests: resources of a synthesized template, and an intrinsic
 * resolver for the functions CDK emits (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split,
 * Fn::ImportValue, Fn::GetAZs, Fn::If with literal conditions is not needed). Values come from a table filled by
 * provisioning; anything not provisioned resolves to a deterministic placeholder, so a template never half-resolves.
 */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
}

export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
  readonly Parameters?: Record<string, { Default?: unknown }>;
}

export const LOCAL_ACCOUNT = '123456789012';

export interface ResolvedResource {
  readonly ref: string;
  readonly attributes: Record<string, string>;
}

export class TemplateResolver {
  private readonly resources = new Map<string, ResolvedResource>();

  constructor(
    readonly template: CfnTemplate,
    private readonly context: { region: string; stackName: string; exports: Map<string, string> },
  ) {}

  get region(): string {
    return this.context.region;
  }

  set(logicalId: string, resolved: ResolvedResource): void {
    this.resources.set(logicalId, resolved);
  }

  resourcesOfType(type: string): [string, CfnResource][] {
    return Object.entries(this.template.Resources).filter(([, resource]) => resource.Type === type);
  }

  /** The resolved value of a resource (provisioned, or a placeholder that looks like the real thing). */
  resource(logicalId: string): ResolvedResource {
    const known = this.resources.get(logicalId);
    if (known) return known;
    const declared = this.template.Resources[logicalId];
    if (!declared) throw new Error(`template has no resource ${logicalId}`);
    const placeholder = placeholderFor(logicalId, declared.Type, this.context.region, this.context.stackName);
    this.resources.set(logicalId, placeholder);
    return placeholder;
  }

  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [key, arg] = entries[0] as [string, unknown];
      switch (key) {
        case 'Ref':
          return this.ref(arg as string);
        case 'Fn::GetAtt': {
          const [id, attribute] = Array.isArray(arg) ? (arg as string[]) : (arg as string).split('.');
          return this.getAtt(id as string, attribute as string);
        }
        case 'Fn::Join': {
          const [separator, parts] = arg as [string, unknown[]];
          return (this.resolve(parts) as unknown[]).map(String).join(separator);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [unknown, unknown];
          return (this.resolve(list) as unknown[])[Number(this.resolve(index))];
        }
        case 'Fn::Split': {
          const [separator, source] = arg as [string, unknown];
          return String(this.resolve(source)).split(separator);
        }
        case 'Fn::Sub':
          return this.sub(arg);
        case 'Fn::ImportValue': {
          const name = String(this.resolve(arg));
          const exported = this.context.exports.get(name);
          if (exported === undefined) throw new Error(`no export named ${name}`);
          return exported;
        }
        case 'Fn::GetAZs':
          return [`${this.context.region}a`, `${this.context.region}b`, `${this.context.region}c`];
        default:
          break;
      }
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, this.resolve(item)]));
  }

  /** Values this stack exports, by export name. */
  exports(): Map<string, string> {
    const out = new Map<string, string>();
    for (const output of Object.values(this.template.Outputs ?? {})) {
      if (output.Export) out.set(String(this.resolve(output.Export.Name)), String(this.resolve(output.Value)));
    }
    return out;
  }

  private ref(name: string): string {
    switch (name) {
      case 'AWS::Region':
        return this.context.region;
      case 'AWS::AccountId':
        return LOCAL_ACCOUNT;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return this.context.stackName;
      case 'AWS::StackId':
        return `arn:aws:cloudformation:${this.context.region}:${LOCAL_ACCOUNT}:stack/${this.context.stackName}/local`;
      case 'AWS::NoValue':
        return '';
      default:
        break;
    }
    const parameter = this.template.Parameters?.[name];
    if (parameter) return String(parameter.Default ?? '');
    return this.resource(name).ref;
  }

  private getAtt(id: string, attribute: string): string {
    const resolved = this.resource(id);
    const value = resolved.attributes[attribute];
    if (value !== undefined) return value;
    return `${resolved.ref}:${attribute}`;
  }

  private sub(arg: unknown): string {
    const [text, variables] = Array.isArray(arg) ? (arg as [string, Record<string, unknown>]) : [arg as string, {}];
    return text.replace(/\$\{([^}]+)\}/g, (_match, name: string) => {
      if (name in variables) return String(this.resolve(variables[name]));
      if (name.includes('.')) {
        const [id, attribute] = name.split('.');
        return this.getAtt(id as string, attribute as string);
      }
      return this.ref(name);
    });
  }
}

function placeholderFor(logicalId: string, type: string, region: string, stackName: string): ResolvedResource {
  const name = `${stackName}-${logicalId}`.slice(0, 64);
  const service = type.split('::')[1]?.toLowerCase() ?? 'local';
  const arn = `arn:aws:${service}:${region}:${LOCAL_ACCOUNT}:${logicalId}/${name}`;
  return { ref: name, attributes: { Arn: arn, Name: name } };
}
