import type { TemplateResolver } from './template';

/**
 * The REST API as the template defines it: resource paths, methods, their Lambda integrations and authorizers,
 * and gateway responses. Local mode serves exactly these routes, so a route missing from infra is missing locally.
 */
export interface ApiRoute {
  readonly method: string;
  /** Resource path with placeholders, as API Gateway reports it in `event.resource`, e.g. /v1/sources/{id}. */
  readonly resource: string;
  readonly pattern: RegExp;
  readonly parameterNames: readonly string[];
  readonly functionArn?: string;
  readonly authorizer?: ApiAuthorizer;
}

export interface ApiAuthorizer {
  readonly type: 'TOKEN' | 'REQUEST';
  readonly functionArn: string;
  readonly identityHeader: string;
  readonly ttlSeconds: number;
}

export interface GatewayResponse {
  readonly statusCode?: number;
  readonly template?: string;
  readonly headers: Record<string, string>;
}

/** The stage's default method throttling (API Gateway's token bucket: `burstLimit` tokens, `rateLimit` per second). */
export interface StageThrottle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

export interface ApiDefinition {
  readonly apiId: string;
  readonly stage: string;
  readonly throttle?: StageThrottle;
  readonly routes: readonly ApiRoute[];
  readonly gatewayResponses: ReadonlyMap<string, GatewayResponse>;
}

const ROOT = '__root__';

function functionArnOf(uri: unknown): string | undefined {
  const match = /functions\/(arn:aws:lambda:[^/]+)\/invocations/.exec(String(uri ?? ''));
  return match?.[1];
}

export function readApi(resolver: TemplateResolver): ApiDefinition {
  const apis = resolver.resourcesOfType('AWS::ApiGateway::RestApi');
  if (apis.length !== 1) throw new Error(`expected one REST API in the service stack, found ${apis.length}`);
  const [apiLogicalId] = apis[0] as [string, unknown];
  const apiId = `local${apiLogicalId.slice(0, 6).toLowerCase()}`;
  resolver.set(apiLogicalId, { ref: apiId, attributes: { RootResourceId: ROOT } });

  const parents = new Map<string, { parent: string; part: string }>();
  for (const [logicalId, resource] of resolver.resourcesOfType('AWS::ApiGateway::Resource')) {
    resolver.set(logicalId, { ref: logicalId, attributes: {} });
    parents.set(logicalId, { parent: '', part: String(resource.Properties?.PathPart) });
  }
  for (const [logicalId, resource] of resolver.resourcesOfType('AWS::ApiGateway::Resource')) {
    const entry = parents.get(logicalId);
    if (entry) entry.parent = String(resolver.resolve(resource.Properties?.ParentId));
  }
  const pathOf = (id: string): string => {
    if (id === ROOT) return '';
    const entry = parents.get(id);
    if (!entry) throw new Error(`unknown API resource ${id}`);
    return `${pathOf(entry.parent)}/${entry.part}`;
  };

  const authorizers = new Map<string, ApiAuthorizer>();
  for (const [logicalId, resource] of resolver.resourcesOfType('AWS::ApiGateway::Authorizer')) {
    resolver.set(logicalId, { ref: logicalId, attributes: {} });
    const props = resolver.resolve(resource.Properties ?? {}) as Record<string, unknown>;
    const source = String(props.IdentitySource ?? 'method.request.header.Authorization');
    const functionArn = functionArnOf(props.AuthorizerUri);
    if (!functionArn) throw new Error(`authorizer ${logicalId} is not a Lambda authorizer`);
    authorizers.set(logicalId, {
      type: props.Type === 'REQUEST' ? 'REQUEST' : 'TOKEN',
      functionArn,
      identityHeader: (/header\.([^,\s]+)/.exec(source)?.[1] ?? 'Authorization').toLowerCase(),
      ttlSeconds: Number(props.AuthorizerResultTtlInSeconds ?? 300),
    });
  }

  const routes: ApiRoute[] = [];
  for (const [, resource] of resolver.resourcesOfType('AWS::ApiGateway::Method')) {
    const props = resolver.resolve(resource.Properties ?? {}) as Record<string, unknown>;
    const path = pathOf(String(props.ResourceId)) || '/';
    const parameterNames = [...path.matchAll(/\{([^}+]+)\+?\}/g)].map((match) => match[1] as string);
    const pattern = new RegExp(`^${path.replace(/\{[^}]+\+\}/g, '(.+)').replace(/\{[^}]+\}/g, '([^/]+)')}$`);
    const integration = props.Integration as { Uri?: unknown } | undefined;
    const functionArn = functionArnOf(integration?.Uri);
    const authorizer = props.AuthorizationType === 'CUSTOM' ? authorizers.get(String(props.AuthorizerId)) : undefined;
    routes.push({
      method: String(props.HttpMethod),
      resource: path,
      pattern,
      parameterNames,
      ...(functionArn ? { functionArn } : {}),
      ...(authorizer ? { authorizer } : {}),
    });
  }

  let throttle: StageThrottle | undefined;
  for (const [, resource] of resolver.resourcesOfType('AWS::ApiGateway::Stage')) {
    const props = resolver.resolve(resource.Properties ?? {}) as { MethodSettings?: Record<string, unknown>[] };
    const all = (props.MethodSettings ?? []).find((m) => m.HttpMethod === '*' && m.ResourcePath === '/*');
    if (all?.ThrottlingRateLimit !== undefined && all.ThrottlingBurstLimit !== undefined) {
      throttle = { rateLimit: Number(all.ThrottlingRateLimit), burstLimit: Number(all.ThrottlingBurstLimit) };
    }
  }

  const gatewayResponses = new Map<string, GatewayResponse>();
  for (const [, resource] of resolver.resourcesOfType('AWS::ApiGateway::GatewayResponse')) {
    const props = resolver.resolve(resource.Properties ?? {}) as Record<string, unknown>;
    const templates = (props.ResponseTemplates ?? {}) as Record<string, string>;
    const parameters = (props.ResponseParameters ?? {}) as Record<string, string>;
    const headers = Object.fromEntries(
      Object.entries(parameters)
        .filter(([key]) => key.startsWith('gatewayresponse.header.'))
        .map(([key, value]) => [
          key.slice('gatewayresponse.header.'.length).toLowerCase(),
          value.replace(/^'|'$/g, ''),
        ]),
    );
    gatewayResponses.set(String(props.ResponseType), {
      ...(props.StatusCode ? { statusCode: Number(props.StatusCode) } : {}),
      ...(templates['application/json'] ? { template: templates['application/json'] } : {}),
      headers,
    });
  }

  const stages = resolver.resourcesOfType('AWS::ApiGateway::Stage');
  const stage = String(stages[0]?.[1].Properties?.StageName ?? 'prod');
  return { apiId, stage, routes, gatewayResponses, ...(throttle ? { throttle } : {}) };
}
