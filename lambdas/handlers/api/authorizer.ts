import type {
  APIGatewayAuthorizerResult,
  APIGatewayRequestAuthorizerEvent,
  APIGatewayTokenAuthorizerEvent,
} from 'aws-lambda';
import { JwtVerifier } from '../../adapters/auth/jwt-verifier';
import { authEnvSchema, parseEnv } from '../../shared/env';
import { taskHandler } from '../../shared/middleware';
import { logger } from '../../shared/powertools';

const env = parseEnv(authEnvSchema, process.env);
const verifier = new JwtVerifier({
  jwksUrl: env.STRONGBOX_JWKS_URL,
  issuer: env.STRONGBOX_JWT_ISSUER,
  audience: env.STRONGBOX_JWT_AUDIENCE,
});

/** The policy covers the whole stage, so API Gateway's cached result is valid for every route (roles are checked in handlers). */
function stageWildcard(methodArn: string): string {
  const [prefix, path = ''] = methodArn.split(/:(?=[^:]*$)/);
  const [apiId, stage] = path.split('/');
  return `${prefix}:${apiId}/${stage}/*`;
}

export const handler = taskHandler(
  async (
    event: APIGatewayTokenAuthorizerEvent | APIGatewayRequestAuthorizerEvent,
  ): Promise<APIGatewayAuthorizerResult> => {
    const authorization =
      event.type === 'TOKEN'
        ? event.authorizationToken
        : Object.entries(event.headers ?? {}).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
    try {
      const identity = await verifier.verify(authorization);
      return {
        principalId: identity.subject,
        policyDocument: {
          Version: '2012-10-17',
          Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: stageWildcard(event.methodArn) }],
        },
        context: { subject: identity.subject, tenantId: identity.tenantId ?? '', roles: identity.roles.join(',') },
      };
    } catch (error) {
      logger.info('token rejected', { reason: (error as Error).message });
      // API Gateway answers 401 only for exactly this message.
      throw new Error('Unauthorized');
    }
  },
);
