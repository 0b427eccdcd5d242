import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { ApiAuthorizer, ApiDefinition, ApiRoute } from './api-routes';
import type { LocalFunctions } from './functions';
import { LOCAL_ACCOUNT } from './template';

/**
 * API Gateway (REST, Lambda proxy) in front of the real handlers: the same events, the same authorizer contract
 * (IAM policy + context), the same gateway responses. moto stores APIs but does not route them (DESIGN.md §8).
 */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const DEFAULT_MESSAGES: Record<string, [number, string]> = {
  UNAUTHORIZED: [401, 'Unauthorized'],
  ACCESS_DENIED: [403, 'User is not authorized to access this resource'],
  MISSING_AUTHENTICATION_TOKEN: [403, 'Missing Authentication Token'],
  AUTHORIZER_FAILURE: [500, 'Internal server error'],
  REQUEST_TOO_LARGE: [413, 'Request Too Long'],
  THROTTLED: [429, 'Too Many Requests'],
  INTEGRATION_FAILURE: [502, 'Internal server error'],
};

interface PolicyResult {
  readonly principalId: string;
  readonly policyDocument: { Statement: { Effect: string; Action?: string | string[]; Resource: string | string[] }[] };
  readonly context?: Record<string, string | number | boolean>;
}

function wildcardMatch(pattern: string, value: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return regex.test(value);
}

/** Explicit Deny wins; otherwise some Allow must match the method ARN. */
export function policyAllows(policy: PolicyResult, methodArn: string): boolean {
  const matching = (policy.policyDocument?.Statement ?? []).filter((statement) =>
    [statement.Resource].flat().some((resource) => wildcardMatch(resource, methodArn)),
  );
  if (matching.some((statement) => statement.Effect === 'Deny')) return false;
  return matching.some((statement) => statement.Effect === 'Allow');
}

export class LocalApi {
  private readonly cache = new Map<string, { result: PolicyResult; expires: number }>();

  /** The stage's token bucket, as API Gateway keeps it (tokens, last refill). */
  private bucket: { tokens: number; at: number } | undefined;

  constructor(
    private readonly api: ApiDefinition,
    private readonly functions: LocalFunctions,
    private readonly region: string,
  ) {
    if (api.throttle) this.bucket = { tokens: api.throttle.burstLimit, at: Date.now() };
  }

  /** API Gateway's stage throttling: a request takes a token; none left is a 429 THROTTLED before anything runs. */
  private throttled(): boolean {
    const throttle = this.api.throttle;
    if (!throttle || !this.bucket) return false;
    const now = Date.now();
    const refilled = this.bucket.tokens + ((now - this.bucket.at) / 1000) * throttle.rateLimit;
    this.bucket = { tokens: Math.min(throttle.burstLimit, refilled), at: now };
    if (this.bucket.tokens < 1) return true;
    this.bucket.tokens -= 1;
    return false;
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    if (this.throttled()) {
      request.resume();
      return this.gatewayResponse(response, 'THROTTLED', requestId);
    }
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = (request.method ?? 'GET').toUpperCase();
    const body = await this.readBody(request);
    if (body === undefined) return this.gatewayResponse(response, 'REQUEST_TOO_LARGE', requestId);

    // As in API Gateway, a literal path segment wins over a {parameter}: /v1/webhooks/deliveries is not a webhook id.
    const candidates = this.api.routes
      .filter((route) => route.pattern.test(url.pathname))
      .sort((a, b) => a.parameterNames.length - b.parameterNames.length);
    const route = candidates.find((candidate) => candidate.method === method || candidate.method === 'ANY');
    if (!route?.functionArn) return this.gatewayResponse(response, 'MISSING_AUTHENTICATION_TOKEN', requestId);

    const event = this.event(route, request, url, method, body, requestId);
    if (route.authorizer) {
      const verdict = await this.authorize(route.authorizer, event);
      if (verdict.kind !== 'allowed') return this.gatewayResponse(response, verdict.kind, requestId);
      event.requestContext.authorizer = {
        principalId: verdict.result.principalId,
        ...this.stringify(verdict.result.context),
      };
    }
    let result: APIGatewayProxyResult;
    try {
      result = (await this.functions.invoke(route.functionArn, event)) as APIGatewayProxyResult;
      if (typeof result?.statusCode !== 'number') throw new Error('malformed Lambda proxy response');
    } catch {
      return this.gatewayResponse(response, 'INTEGRATION_FAILURE', requestId);
    }
    const headers: Record<string, string | string[]> = { 'x-amzn-requestid': requestId };
    for (const [key, value] of Object.entries(result.headers ?? {})) headers[key.toLowerCase()] = String(value);
    for (const [key, values] of Object.entries(result.multiValueHeaders ?? {}))
      headers[key.toLowerCase()] = values.map(String);
    response.writeHead(result.statusCode, headers);
    response.end(result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? ''));
  }

  private async readBody(request: IncomingMessage): Promise<string | undefined> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) return undefined;
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private methodArn(method: string, path: string): string {
    return `arn:aws:execute-api:${this.region}:${LOCAL_ACCOUNT}:${this.api.apiId}/${this.api.stage}/${method}${path}`;
  }

  private event(route: ApiRoute, request: IncomingMessage, url: URL, method: string, body: string, requestId: string) {
    const match = route.pattern.exec(url.pathname) as RegExpExecArray;
    const pathParameters = Object.fromEntries(
      route.parameterNames.map((name, index) => [name, decodeURIComponent(match[index + 1] as string)]),
    );
    const headers: Record<string, string> = {};
    const multiValueHeaders: Record<string, string[]> = {};
    for (let index = 0; index < request.rawHeaders.length; index += 2) {
      const name = request.rawHeaders[index] as string;
      const value = request.rawHeaders[index + 1] as string;
      headers[name] = value;
      multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
    }
    const query: Record<string, string> = {};
    const multiQuery: Record<string, string[]> = {};
    for (const [key, value] of url.searchParams) {
      query[key] = value;
      multiQuery[key] = [...(multiQuery[key] ?? []), value];
    }
    const hasQuery = Object.keys(query).length > 0;
    return {
      resource: route.resource,
      path: url.pathname,
      httpMethod: method,
      headers,
      multiValueHeaders,
      queryStringParameters: hasQuery ? query : null,
      multiValueQueryStringParameters: hasQuery ? multiQuery : null,
      pathParameters: route.parameterNames.length > 0 ? pathParameters : null,
      stageVariables: null,
      body: body.length > 0 ? body : null,
      isBase64Encoded: false,
      requestContext: {
        accountId: LOCAL_ACCOUNT,
        apiId: this.api.apiId,
        resourceId: route.resource,
        resourcePath: route.resource,
        httpMethod: method,
        path: `/${this.api.stage}${url.pathname}`,
        stage: this.api.stage,
        requestId,
        requestTimeEpoch: Date.now(),
        protocol: 'HTTP/1.1',
        identity: { sourceIp: request.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? null },
        authorizer: null as Record<string, unknown> | null,
      },
    } as unknown as APIGatewayProxyEvent & { requestContext: { authorizer: Record<string, unknown> | null } };
  }

  private async authorize(
    authorizer: ApiAuthorizer,
    event: APIGatewayProxyEvent,
  ): Promise<
    { kind: 'allowed'; result: PolicyResult } | { kind: 'UNAUTHORIZED' | 'ACCESS_DENIED' | 'AUTHORIZER_FAILURE' }
  > {
    const identity = Object.entries(event.headers).find(
      ([name]) => name.toLowerCase() === authorizer.identityHeader,
    )?.[1];
    if (!identity) return { kind: 'UNAUTHORIZED' };
    const methodArn = this.methodArn(event.httpMethod, event.path);
    const cached = this.cache.get(identity);
    let result = cached && cached.expires > Date.now() ? cached.result : undefined;
    if (!result) {
      const authorizerEvent =
        authorizer.type === 'TOKEN'
          ? { type: 'TOKEN', authorizationToken: identity, methodArn }
          : { ...event, type: 'REQUEST', methodArn };
      try {
        result = (await this.functions.invoke(authorizer.functionArn, authorizerEvent)) as PolicyResult;
      } catch (error) {
        return (error as Error).message === 'Unauthorized' ? { kind: 'UNAUTHORIZED' } : { kind: 'AUTHORIZER_FAILURE' };
      }
      if (authorizer.ttlSeconds > 0)
        this.cache.set(identity, { result, expires: Date.now() + authorizer.ttlSeconds * 1000 });
    }
    return policyAllows(result, methodArn) ? { kind: 'allowed', result } : { kind: 'ACCESS_DENIED' };
  }

  private stringify(context: PolicyResult['context']): Record<string, string> {
    return Object.fromEntries(Object.entries(context ?? {}).map(([key, value]) => [key, String(value)]));
  }

  private gatewayResponse(response: ServerResponse, type: string, requestId: string): void {
    const [defaultStatus, defaultMessage] = DEFAULT_MESSAGES[type] ?? [500, 'Internal server error'];
    const family = defaultStatus >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX';
    const configured = this.api.gatewayResponses.get(type) ?? this.api.gatewayResponses.get(family);
    const status = this.api.gatewayResponses.get(type)?.statusCode ?? defaultStatus;
    const body = configured?.template
      ? configured.template
          .replaceAll('$context.error.messageString', JSON.stringify(defaultMessage))
          .replaceAll('$context.error.message', defaultMessage)
          .replaceAll('$context.error.responseType', type)
          .replaceAll('$context.requestId', requestId)
      : JSON.stringify({ message: defaultMessage });
    response.writeHead(status, {
      'content-type': 'application/json',
      'x-amzn-requestid': requestId,
      'x-amzn-errortype': type,
      ...(configured?.headers ?? {}),
    });
    response.end(body);
  }
}

export async function startApiServer(api: LocalApi, port: number): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    api.handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: 'Internal server error' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
