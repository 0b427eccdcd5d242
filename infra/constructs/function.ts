import { join } from 'node:path';
import { Duration, Size, Validations } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { DockerImageAsset } from 'aws-cdk-lib/aws-ecr-assets';
import { type IGrantable, type IPrincipal, ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Architecture,
  type CfnFunction,
  DockerImageCode,
  DockerImageFunction,
  type FunctionOptions,
  type Function as LambdaFunction,
  Runtime,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ESM_REQUIRE_BANNER, EXTERNAL_MODULES, MAIN_FIELDS, NODE_TARGET } from '../bundling';
import { entryPath, HANDLER_EXPORT, imageHandler, METADATA, POWERTOOLS_ENV, REPO_ROOT } from '../contract';

/** Where database-reaching functions run when the stage has a network (infra/constructs/network.ts). */
export interface FunctionNetwork {
  readonly vpc: IVpc;
  readonly vpcSubnets: SubnetSelection;
  readonly securityGroups: ISecurityGroup[];
}

export interface StrongboxFunctionBaseProps {
  /** Entry relative to lambdas/handlers/, e.g. `api/sources.ts` (see infra/contract.ts ENTRIES). */
  readonly entry: string;
  readonly description?: string;
  /** Added to the Powertools variables every function gets. @default - none */
  readonly environment?: Record<string, string>;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default Size.mebibytes(512) */
  readonly ephemeralStorageSize?: Size;
  /** @default - not in a VPC */
  readonly network?: FunctionNetwork;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** Async invocation settings (retries, destinations). @default - Lambda defaults */
  readonly async?: Pick<FunctionOptions, 'retryAttempts' | 'maxEventAge' | 'onFailure' | 'onSuccess'>;
}

export type StrongboxFunctionProps = StrongboxFunctionBaseProps;

export interface StrongboxImageFunctionProps extends StrongboxFunctionBaseProps {
  /** The one image built from the repository's Dockerfile; the entry picks the handler with a CMD override. */
  readonly image: DockerImageAsset;
}

const LAMBDA_RUNTIME_ACK = {
  id: 'AwsSolutions-L1',
  reason:
    'Node.js 22 is the runtime contract of the whole project: package.json engines, local mode, the workflow ' +
    'interpreter (aws-local-stepfunctions needs Node 22) and the container image base are all Node 22, and they ' +
    'move to a newer major together.',
};

const XRAY_ACK = {
  id: 'AwsSolutions-IAM5[Resource::*]',
  reason:
    'Active X-Ray tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which do not support ' +
    'resource-level permissions; the construct grants nothing else on "*".',
};

const VPC_ACCESS_POLICY = 'service-role/AWSLambdaVPCAccessExecutionRole';

/** Every bundle, zip or image, ships its source map; stack traces should point at the TypeScript. */
const HOUSE_ENV = { ...POWERTOOLS_ENV, NODE_OPTIONS: '--enable-source-maps' } as const;

/**
 * The house defaults of every Strongbox function (Powertools' FunctionWithLogGroup idea): arm64, active
 * tracing, its own log group with retention, a role that may write only to that log group, the Powertools
 * environment, and the `strongbox:entry` / `strongbox:handler` metadata local mode uses to find the code.
 */
abstract class StrongboxFunctionBase extends Construct implements IGrantable {
  readonly entry: string;
  readonly role: Role;
  readonly logGroup: LogGroup;
  abstract readonly function: LambdaFunction;

  protected constructor(scope: Construct, id: string, props: StrongboxFunctionBaseProps) {
    super(scope, id);
    this.entry = entryPath(props.entry);
    this.role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention ?? RetentionDays.ONE_MONTH });
    this.logGroup.grantWrite(this.role);
    if (props.network !== undefined) {
      this.role.addManagedPolicy(ManagedPolicy.fromAwsManagedPolicyName(VPC_ACCESS_POLICY));
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${VPC_ACCESS_POLICY}]`,
        reason:
          'The AWS managed VPC access policy is what Lambda needs to manage the network interfaces of a function ' +
          'in a VPC; its EC2 actions do not support resource-level permissions, so a custom policy would be no narrower.',
      });
    }
    Validations.of(this).acknowledge(XRAY_ACK);
  }

  get grantPrincipal(): IPrincipal {
    return this.role;
  }

  get functionName(): string {
    return this.function.functionName;
  }

  get functionArn(): string {
    return this.function.functionArn;
  }

  protected commonProps(props: StrongboxFunctionBaseProps) {
    return {
      description: props.description ?? this.entry,
      role: this.role,
      logGroup: this.logGroup,
      architecture: Architecture.ARM_64,
      tracing: Tracing.ACTIVE,
      timeout: props.timeout ?? Duration.seconds(30),
      memorySize: props.memorySize ?? 512,
      ephemeralStorageSize: props.ephemeralStorageSize ?? Size.mebibytes(512),
      ...(props.network === undefined
        ? {}
        : {
            vpc: props.network.vpc,
            vpcSubnets: props.network.vpcSubnets,
            securityGroups: props.network.securityGroups,
          }),
      ...props.async,
    };
  }

  protected recordEntry(fn: LambdaFunction): void {
    const resource = fn.node.defaultChild as CfnFunction;
    resource.addMetadata(METADATA.entry, this.entry);
    resource.addMetadata(METADATA.handler, HANDLER_EXPORT);
  }
}

/**
 * A zip-packaged function bundled by esbuild on this machine (NodejsFunction with local bundling): ESM, minified,
 * with source maps. Docker is never used: esbuild is a dev dependency, so local bundling always applies.
 */
export class StrongboxFunction extends StrongboxFunctionBase {
  readonly function: NodejsFunction;

  constructor(scope: Construct, id: string, props: StrongboxFunctionProps) {
    super(scope, id, props);
    this.function = new NodejsFunction(this, 'Handler', {
      ...this.commonProps(props),
      entry: join(REPO_ROOT, this.entry),
      handler: HANDLER_EXPORT,
      runtime: Runtime.NODEJS_22_X,
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      environment: { ...HOUSE_ENV, ...props.environment },
      bundling: {
        format: OutputFormat.ESM,
        target: NODE_TARGET,
        minify: true,
        sourceMap: true,
        mainFields: [...MAIN_FIELDS],
        banner: ESM_REQUIRE_BANNER,
        externalModules: [...EXTERNAL_MODULES],
        forceDockerBundling: false,
      },
    });
    this.recordEntry(this.function);
    Validations.of(this).acknowledge(LAMBDA_RUNTIME_ACK);
  }
}

/**
 * A function running the repository's container image (pg_dump, pg_restore, mariadb-dump, mariadb inside), the
 * same image ECS Fargate can run later for dumps that outlive Lambda's 15 minutes.
 */
export class StrongboxImageFunction extends StrongboxFunctionBase {
  readonly function: DockerImageFunction;

  constructor(scope: Construct, id: string, props: StrongboxImageFunctionProps) {
    super(scope, id, props);
    this.function = new DockerImageFunction(this, 'Handler', {
      ...this.commonProps(props),
      code: DockerImageCode.fromEcr(props.image.repository, {
        tagOrDigest: props.image.imageTag,
        cmd: [imageHandler(props.entry)],
      }),
      environment: { ...HOUSE_ENV, ...props.environment },
    });
    this.recordEntry(this.function);
  }
}
