import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  IdentitySource,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RequestAuthorizer,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ENTRIES, ENV } from '../contract';
import { ApiErrors } from './api-errors';
import { ApiFirewall } from './api-firewall';
import { grantCloudRead, grantSnapshotLegalHoldTags } from './cloud-access';
import type { DataAccess } from './data-access';
import { StrongboxFunction, type StrongboxImageFunction } from './function';
import { acknowledgeWildcardResources } from './nag';
import type { Schedules } from './schedules';

export interface TenantApiAuth {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl: string;
}

export interface TenantApiThrottling {
  readonly rateLimit: number;
  readonly burstLimit: number;
  readonly wafRequestsPerFiveMinutes: number;
}

export interface TenantApiProps {
  readonly stage: string;
  readonly data: DataAccess;
  /** Environment shared by every function of the service (the runtime env contract). */
  readonly environment: Record<string, string>;
  readonly auth: TenantApiAuth;
  readonly throttling: TenantApiThrottling;
  /** Started asynchronously by POST /v1/backups. */
  readonly runDump: StrongboxImageFunction;
  /** Started asynchronously by POST /v1/backups/{id}/verify. */
  readonly verifyBackup: StrongboxFunction;
  /** Started by POST /v1/restores; resumed (task token) by POST /v1/restores/{id}/approve|reject. */
  readonly restoreStateMachine: IStateMachine;
  /** Started by POST /v1/backups for snapshot sources. */
  readonly snapshotStateMachine: IStateMachine;
  /**
   * Added to the retention routes' environment: the configured STRONGBOX_PRUNE_* variables (brake, pacing), so a
   * preview plans exactly as the pruner does. @default - none (the runtime's defaults)
   */
  readonly retentionEnvironment?: Record<string, string>;
  /** The policies routes create tenants' schedules targeting its dispatcher with its role and dead-letter queue. */
  readonly schedules: Schedules;
}

type ApiHandler = 'sources' | 'backups' | 'restores' | 'retention' | 'policies' | 'webhooks' | 'platform';

/** Routes of the tenant API (docs/architecture.md); every one but /health goes through the authorizer. */
export const API_ROUTES: ReadonlyArray<{ path: string; methods: readonly string[]; handler: ApiHandler | 'health' }> = [
  { path: '/v1/sources', methods: ['GET', 'POST'], handler: 'sources' },
  { path: '/v1/sources/{id}', methods: ['GET', 'PATCH', 'DELETE'], handler: 'sources' },
  { path: '/v1/backups', methods: ['GET', 'POST'], handler: 'backups' },
  { path: '/v1/backups/{id}', methods: ['GET'], handler: 'backups' },
  { path: '/v1/backups/{id}/download', methods: ['GET'], handler: 'backups' },
  { path: '/v1/backups/{id}/verify', methods: ['POST'], handler: 'backups' },
  { path: '/v1/restores', methods: ['GET', 'POST'], handler: 'restores' },
  { path: '/v1/restores/{id}', methods: ['GET'], handler: 'restores' },
  { path: '/v1/restores/{id}/approve', methods: ['POST'], handler: 'restores' },
  { path: '/v1/restores/{id}/reject', methods: ['POST'], handler: 'restores' },
  { path: '/v1/retention/preview', methods: ['GET', 'POST'], handler: 'retention' },
  { path: '/v1/retention/simulate', methods: ['POST'], handler: 'retention' },
  { path: '/v1/retention/runs', methods: ['GET'], handler: 'retention' },
  { path: '/v1/retention/runs/{id}', methods: ['GET'], handler: 'retention' },
  { path: '/v1/retention/acknowledge', methods: ['POST'], handler: 'retention' },
  { path: '/v1/backups/{id}/hold', methods: ['POST', 'DELETE'], handler: 'retention' },
  { path: '/v1/policies', methods: ['GET'], handler: 'policies' },
  { path: '/v1/policies/{id}', methods: ['GET', 'PUT', 'DELETE'], handler: 'policies' },
  { path: '/v1/policies/{id}/next-runs', methods: ['GET'], handler: 'policies' },
  { path: '/v1/policies/{id}/dispatches', methods: ['GET'], handler: 'policies' },
  { path: '/v1/schedules/reconcile', methods: ['POST'], handler: 'policies' },
  { path: '/v1/rpo', methods: ['GET'], handler: 'policies' },
  { path: '/v1/webhooks', methods: ['GET'], handler: 'webhooks' },
  { path: '/v1/webhooks/deliveries', methods: ['GET'], handler: 'webhooks' },
  { path: '/v1/webhooks/{id}', methods: ['GET', 'PUT', 'DELETE'], handler: 'webhooks' },
  { path: '/v1/tenants', methods: ['GET'], handler: 'platform' },
  { path: '/v1/tenants/{id}', methods: ['GET', 'PUT'], handler: 'platform' },
  { path: '/v1/approvals', methods: ['GET'], handler: 'platform' },
  { path: '/v1/audit', methods: ['GET'], handler: 'platform' },
  { path: '/v1/audit/verify', methods: ['GET'], handler: 'platform' },
  // The OpenAPI document (generated from the handlers' zod schemas), from the dependency-free health function.
  { path: '/v1/openapi.json', methods: ['GET'], handler: 'health' },
];

/**
 * The tenant API: API Gateway REST API (v1, so usage plans and a Cognito authorizer can follow), a REQUEST
 * Lambda authorizer on the Authorization header, Lambda proxy integrations, access and execution logs,
 * tracing, stage throttling and a WAF web ACL.
 */
export class TenantApi extends Construct {
  readonly api: RestApi;
  readonly authorizer: StrongboxFunction;
  readonly handlers: Readonly<Record<ApiHandler | 'health', StrongboxFunction>>;

  constructor(scope: Construct, id: string, props: TenantApiProps) {
    super(scope, id);
    const { data, environment } = props;
    const apiEnvironment = {
      ...environment,
      [ENV.dumpFunction]: props.runDump.functionName,
      [ENV.verifyFunction]: props.verifyBackup.functionName,
      [ENV.restoreStateMachineArn]: props.restoreStateMachine.stateMachineArn,
      [ENV.snapshotStateMachineArn]: props.snapshotStateMachine.stateMachineArn,
    };
    const apiFunction = (fnId: string, entry: string, env: Record<string, string>) =>
      new StrongboxFunction(this, fnId, { entry, environment: env, timeout: Duration.seconds(29) });

    this.authorizer = new StrongboxFunction(this, 'Authorizer', {
      entry: ENTRIES.authorizer,
      timeout: Duration.seconds(10),
      environment: {
        ...environment,
        [ENV.jwtIssuer]: props.auth.issuer,
        [ENV.jwtAudience]: props.auth.audience,
        [ENV.jwksUrl]: props.auth.jwksUrl,
      },
    });
    const health = apiFunction('Health', ENTRIES.health, environment);
    const sources = apiFunction('Sources', ENTRIES.sources, apiEnvironment);
    const backups = apiFunction('Backups', ENTRIES.backups, apiEnvironment);
    const restores = apiFunction('Restores', ENTRIES.restores, apiEnvironment);
    // Starts nothing: previews, run reports, brake acknowledgements and legal holds.
    const retention = apiFunction('Retention', ENTRIES.retention, { ...environment, ...props.retentionEnvironment });
    // Policies: the catalog and the tenants' Scheduler schedules (created at run time, one group per tenant).
    const policies = apiFunction('Policies', ENTRIES.policies, {
      ...environment,
      ...props.schedules.managerEnvironment(),
    });
    // Webhooks: the catalog and their signing secrets (written, never read back); the URL's host is resolved and checked.
    const webhooks = apiFunction('Webhooks', ENTRIES.webhooks, environment);
    // Operators' routes and the audit trail: the catalog only.
    const platform = apiFunction('Platform', ENTRIES.platform, environment);
    this.handlers = { health, sources, backups, restores, retention, policies, webhooks, platform };

    // Every tenant route writes the audit trail; the platform routes write plans.
    for (const fn of [sources, backups, restores, retention, policies, webhooks, platform]) {
      data.grantCatalogReadWrite(fn);
    }
    data.grantSecretsManage(webhooks, 'webhooks');
    props.schedules.grantManage(policies);
    // Legal holds: S3 Object Lock holds on every version of a dump's objects, the strongbox:legal-hold tag on snapshots.
    data.grantVaultLegalHold(retention);
    grantSnapshotLegalHoldTags(retention);
    data.grantSecretsManage(sources);
    data.grantVaultRead(backups);
    props.runDump.function.grantInvoke(backups);
    props.verifyBackup.function.grantInvoke(backups);
    acknowledgeWildcardResources(
      backups,
      [`${props.runDump.functionArn}:*`, `${props.verifyBackup.functionArn}:*`],
      'grantInvoke also covers versions and aliases of the dump and verify functions; each ARN names one function.',
    );
    props.restoreStateMachine.grantStartExecution(restores);
    props.restoreStateMachine.grantTaskResponse(restores);
    props.snapshotStateMachine.grantStartExecution(backups);
    // Registration and every request re-check that a snapshot source or restore target carries the tenant's tag.
    for (const fn of [sources, backups, restores]) grantCloudRead(fn);

    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.THREE_MONTHS });
    this.api = new RestApi(this, 'Api', {
      restApiName: `strongbox-${props.stage}`,
      description: 'Strongbox tenant API',
      endpointTypes: [EndpointType.REGIONAL],
      // Execution logging needs the account-level CloudWatch role; kept on delete since other APIs may use it.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: props.stage,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: MethodLoggingLevel.ERROR,
        // Request and response bodies carry database credentials (POST /v1/sources): never log them.
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
        throttlingRateLimit: props.throttling.rateLimit,
        throttlingBurstLimit: props.throttling.burstLimit,
      },
    });

    const authorizer = new RequestAuthorizer(this, 'RequestAuthorizer', {
      handler: this.authorizer.function,
      identitySources: [IdentitySource.header('Authorization')],
      // The authorizer returns a policy for the whole API, so a cached decision is valid for every route.
      resultsCacheTtl: Duration.minutes(5),
    });

    const integrations = new Map<StrongboxFunction, LambdaIntegration>();
    const integrationFor = (fn: StrongboxFunction) => {
      const existing = integrations.get(fn);
      if (existing !== undefined) return existing;
      const created = new LambdaIntegration(fn.function, { proxy: true, allowTestInvoke: false });
      integrations.set(fn, created);
      return created;
    };

    const healthMethod = this.api.root
      .addResource('health')
      .addMethod('GET', integrationFor(health), { authorizationType: AuthorizationType.NONE });
    Validations.of(healthMethod).acknowledge(
      {
        id: 'AwsSolutions-APIG4',
        reason: 'GET /health is the unauthenticated liveness probe; it returns no tenant data.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason: 'GET /health is the unauthenticated liveness probe; it returns no tenant data.',
      },
    );

    for (const route of API_ROUTES) {
      const resource = this.api.root.resourceForPath(route.path);
      for (const method of route.methods) {
        resource.addMethod(method, integrationFor(this.handlers[route.handler]), {
          authorizer,
          authorizationType: AuthorizationType.CUSTOM,
        });
      }
    }

    new ApiErrors(this, 'Errors', { api: this.api });

    new ApiFirewall(this, 'Firewall', {
      stage: this.api.deploymentStage,
      requestsPerFiveMinutes: props.throttling.wafRequestsPerFiveMinutes,
      metricPrefix: `strongbox-${props.stage}`,
    });

    Validations.of(this.api).acknowledge(
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'Requests are validated by the handlers with zod (lambdas/shared), which answer field-level 400s; an ' +
          'API Gateway model would duplicate the schemas and answer a less precise error first.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason:
          'Tenants authenticate with JWTs checked by the Lambda REQUEST authorizer against the configured issuer ' +
          'and JWKS (Cognito or any OIDC provider); a Cognito user pool authorizer would tie the API to Cognito.',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'The account-level API Gateway CloudWatch role must carry this AWS managed policy for execution logging; ' +
          'it is the documented policy for exactly that role.',
      },
    );
  }
}
