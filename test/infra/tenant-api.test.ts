import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENTRIES, entryPath } from '../../infra/contract';
import { type CfnResource, devConfig, functionsByEntry, resourcesOfType, synth } from './support';

interface Route {
  readonly method: string;
  readonly path: string;
  readonly entry: string | undefined;
  readonly authorizationType: unknown;
  readonly authorizerId: unknown;
}

/** The routes as API Gateway will serve them: resource tree → path, method → integrated function → entry. */
function routesOf(template: ReturnType<typeof synth>['service']): Route[] {
  const resources = resourcesOfType(template, 'AWS::ApiGateway::Resource');
  const pathOf = (id: string): string => {
    const resource = resources[id] as CfnResource;
    const parent = resource.Properties.ParentId as { Ref?: string };
    const prefix = parent.Ref === undefined ? '' : pathOf(parent.Ref);
    return `${prefix}/${String(resource.Properties.PathPart)}`;
  };
  const entryByFunction = new Map([...functionsByEntry(template)].map(([entry, fn]) => [fn.logicalId, entry]));
  return Object.values(resourcesOfType(template, 'AWS::ApiGateway::Method')).map((method) => {
    const props = method.Properties;
    const uri = JSON.stringify((props.Integration as { Uri: unknown }).Uri);
    const functionId = /"Fn::GetAtt":\["([^"]+)","Arn"\]/.exec(uri)?.[1] ?? '';
    return {
      method: String(props.HttpMethod),
      path: pathOf((props.ResourceId as { Ref: string }).Ref),
      entry: entryByFunction.get(functionId),
      authorizationType: props.AuthorizationType,
      authorizerId: props.AuthorizerId,
    };
  });
}

describe('tenant API', () => {
  it('serves exactly the documented routes from their handlers', () => {
    // Prepare
    const { service } = synth();

    // Act
    const routes = routesOf(service).map((route) => `${route.method} ${route.path} → ${route.entry}`);

    // Assess
    const sources = entryPath(ENTRIES.sources);
    const backups = entryPath(ENTRIES.backups);
    const restores = entryPath(ENTRIES.restores);
    const retention = entryPath(ENTRIES.retention);
    const policies = entryPath(ENTRIES.policies);
    const webhooks = entryPath(ENTRIES.webhooks);
    const platform = entryPath(ENTRIES.platform);
    expect(routes.sort()).toEqual(
      [
        `GET /health → ${entryPath(ENTRIES.health)}`,
        `GET /v1/sources → ${sources}`,
        `POST /v1/sources → ${sources}`,
        `GET /v1/sources/{id} → ${sources}`,
        `PATCH /v1/sources/{id} → ${sources}`,
        `DELETE /v1/sources/{id} → ${sources}`,
        `GET /v1/backups → ${backups}`,
        `POST /v1/backups → ${backups}`,
        `GET /v1/backups/{id} → ${backups}`,
        `GET /v1/backups/{id}/download → ${backups}`,
        `POST /v1/backups/{id}/verify → ${backups}`,
        `GET /v1/restores → ${restores}`,
        `POST /v1/restores → ${restores}`,
        `GET /v1/restores/{id} → ${restores}`,
        `POST /v1/restores/{id}/approve → ${restores}`,
        `POST /v1/restores/{id}/reject → ${restores}`,
        `GET /v1/retention/preview → ${retention}`,
        `POST /v1/retention/preview → ${retention}`,
        `POST /v1/retention/simulate → ${retention}`,
        `GET /v1/retention/runs → ${retention}`,
        `GET /v1/retention/runs/{id} → ${retention}`,
        `POST /v1/retention/acknowledge → ${retention}`,
        `POST /v1/backups/{id}/hold → ${retention}`,
        `DELETE /v1/backups/{id}/hold → ${retention}`,
        `GET /v1/policies → ${policies}`,
        `GET /v1/policies/{id} → ${policies}`,
        `PUT /v1/policies/{id} → ${policies}`,
        `DELETE /v1/policies/{id} → ${policies}`,
        `GET /v1/policies/{id}/next-runs → ${policies}`,
        `GET /v1/policies/{id}/dispatches → ${policies}`,
        `POST /v1/schedules/reconcile → ${policies}`,
        `GET /v1/rpo → ${policies}`,
        `GET /v1/webhooks → ${webhooks}`,
        `GET /v1/webhooks/deliveries → ${webhooks}`,
        `GET /v1/webhooks/{id} → ${webhooks}`,
        `PUT /v1/webhooks/{id} → ${webhooks}`,
        `DELETE /v1/webhooks/{id} → ${webhooks}`,
        `GET /v1/tenants → ${platform}`,
        `GET /v1/tenants/{id} → ${platform}`,
        `PUT /v1/tenants/{id} → ${platform}`,
        `GET /v1/approvals → ${platform}`,
        `GET /v1/audit → ${platform}`,
        `GET /v1/audit/verify → ${platform}`,
        `GET /v1/openapi.json → ${entryPath(ENTRIES.health)}`,
      ].sort(),
    );
  });

  it('uses Lambda proxy integrations', () => {
    // Prepare
    const { service } = synth();

    // Act
    const methods = Object.values(resourcesOfType(service, 'AWS::ApiGateway::Method'));

    // Assess
    for (const method of methods) {
      expect(method.Properties.Integration).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' });
    }
  });

  it('puts the Lambda REQUEST authorizer on every route except GET /health', () => {
    // Prepare
    const { service } = synth();
    const [authorizerId] = Object.keys(resourcesOfType(service, 'AWS::ApiGateway::Authorizer'));

    // Act
    const routes = routesOf(service);

    // Assess
    for (const route of routes) {
      if (route.path === '/health') {
        expect(route.authorizationType).toBe('NONE');
        expect(route.authorizerId).toBeUndefined();
      } else {
        expect(route.authorizationType, `${route.method} ${route.path}`).toBe('CUSTOM');
        expect(route.authorizerId, `${route.method} ${route.path}`).toEqual({ Ref: authorizerId });
      }
    }
  });

  it('authorizes with the authorizer entry, on the Authorization header, with cached decisions', () => {
    // Prepare
    const { service } = synth();
    const authorizerFunction = functionsByEntry(service).get(entryPath(ENTRIES.authorizer))?.logicalId;

    // Act
    const authorizers = Object.values(resourcesOfType(service, 'AWS::ApiGateway::Authorizer'));

    // Assess
    expect(authorizers).toHaveLength(1);
    expect(authorizers[0]?.Properties).toMatchObject({
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 300,
    });
    expect(JSON.stringify(authorizers[0]?.Properties.AuthorizerUri)).toContain(`"${authorizerFunction}"`);
  });

  it('logs access and errors, traces and throttles the stage, without logging bodies', () => {
    // Prepare
    const config = devConfig({ api: { throttlingRateLimit: 20, throttlingBurstLimit: 40 } });

    // Act
    const { service } = synth(config);

    // Assess
    service.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'dev',
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      MethodSettings: [
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
          MetricsEnabled: true,
          ThrottlingRateLimit: 20,
          ThrottlingBurstLimit: 40,
        }),
      ],
    });
  });

  it('protects the stage with a WAF web ACL: AWS managed rules and a per-IP rate limit', () => {
    // Prepare
    const config = devConfig({ api: { wafRequestsPerFiveMinutes: 500 } });

    // Act
    const { service } = synth(config);

    // Assess
    service.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      Rules: Match.arrayWith([
        Match.objectLike({
          Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' } },
          OverrideAction: { None: {} },
        }),
        Match.objectLike({
          Statement: { RateBasedStatement: { Limit: 500, AggregateKeyType: 'IP' } },
          Action: { Block: {} },
        }),
      ]),
    });
    const [stageId] = Object.keys(resourcesOfType(service, 'AWS::ApiGateway::Stage'));
    const association = Object.values(resourcesOfType(service, 'AWS::WAFv2::WebACLAssociation'));
    expect(association).toHaveLength(1);
    expect(JSON.stringify(association[0]?.Properties.ResourceArn)).toContain(`"${stageId}"`);
  });

  it("answers API Gateway's own errors in the API error shape, with a 404 for unknown routes", () => {
    // Prepare
    const { service } = synth(devConfig());

    // Act
    const responses = Object.values(resourcesOfType(service, 'AWS::ApiGateway::GatewayResponse')).map((response) => ({
      type: response.Properties.ResponseType,
      status: response.Properties.StatusCode,
      body: JSON.parse(
        String((response.Properties.ResponseTemplates as Record<string, string>)['application/json'])
          .replace('$context.error.messageString', '"message"')
          .replace('$context.requestId', 'id'),
      ),
    }));

    // Assess
    const byType = Object.fromEntries(responses.map((response) => [response.type, response]));
    expect(byType.UNAUTHORIZED).toMatchObject({ status: '401', body: { error: { code: 'unauthenticated' } } });
    expect(byType.MISSING_AUTHENTICATION_TOKEN).toMatchObject({
      status: '404',
      body: { error: { code: 'not_found' } },
    });
    expect(byType.THROTTLED).toMatchObject({ status: '429', body: { error: { code: 'too_many_requests' } } });
    for (const type of ['ACCESS_DENIED', 'WAF_FILTERED', 'REQUEST_TOO_LARGE', 'DEFAULT_4XX', 'DEFAULT_5XX']) {
      expect(byType[type]?.body.error.message).toBeDefined();
    }
  });

  it('lets API Gateway invoke only the functions behind its routes and the authorizer', () => {
    // Prepare
    const { service } = synth();
    const expected = [
      ENTRIES.authorizer,
      ENTRIES.health,
      ENTRIES.sources,
      ENTRIES.backups,
      ENTRIES.restores,
      ENTRIES.retention,
      ENTRIES.policies,
      ENTRIES.webhooks,
      ENTRIES.platform,
    ].map((entry) => functionsByEntry(service).get(entryPath(entry))?.logicalId);

    // Act
    const invoked = Object.values(resourcesOfType(service, 'AWS::Lambda::Permission'))
      .filter((permission) => permission.Properties.Principal === 'apigateway.amazonaws.com')
      .map((permission) => (permission.Properties.FunctionName as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]);

    // Assess
    expect(new Set(invoked)).toEqual(new Set(expected));
  });

  it('serves the retention routes from a function that starts nothing: the shared environment, no worker or machine', () => {
    // Prepare
    const { service } = synth();
    const retention = functionsByEntry(service).get(entryPath(ENTRIES.retention));

    // Act
    const variables = Object.keys(retention?.resource.Properties.Environment?.Variables ?? {});

    // Assess
    expect(retention?.resource.Properties.Timeout).toBe(29);
    for (const name of [
      'STRONGBOX_DUMP_FUNCTION',
      'STRONGBOX_VERIFY_FUNCTION',
      'STRONGBOX_RESTORE_STATE_MACHINE_ARN',
      'STRONGBOX_SNAPSHOT_STATE_MACHINE_ARN',
      'STRONGBOX_JWT_ISSUER',
    ]) {
      expect(variables, name).not.toContain(name);
    }
    expect(variables).toEqual(expect.arrayContaining(['STRONGBOX_TABLE_NAME', 'STRONGBOX_VAULT_BUCKET']));
  });
});
