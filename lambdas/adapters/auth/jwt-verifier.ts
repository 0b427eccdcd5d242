import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import { UnauthenticatedError } from '../../domain/errors';
import { isTenantId } from '../../domain/ids';

/**
 * Verifies bearer tokens against the issuer's JWKS (Cognito in AWS, the local issuer in local mode: same code).
 * The tenant comes from the `strongbox:tenant` claim (or Cognito's `custom:tenant`), roles from `strongbox:roles`
 * (or `cognito:groups`). Anything malformed is UnauthenticatedError; the reason is logged, never returned.
 */
export interface VerifiedIdentity {
  readonly subject: string;
  readonly tenantId?: string;
  readonly roles: readonly string[];
}

export interface JwtVerifierOptions {
  readonly jwksUrl: string;
  readonly issuer: string;
  readonly audience: string;
}

function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  if (typeof value === 'string') return value.split(/[\s,]+/).filter((item) => item.length > 0);
  return [];
}

export class JwtVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly options: JwtVerifierOptions) {
    this.jwks = createRemoteJWKSet(new URL(options.jwksUrl), { cacheMaxAge: 10 * 60 * 1000 });
  }

  async verify(authorization: string | undefined): Promise<VerifiedIdentity> {
    const match = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(authorization?.trim() ?? '');
    if (!match) throw new UnauthenticatedError('expected "Authorization: Bearer <JWT>"');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(match[1] as string, this.jwks, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: ['ES256', 'RS256'],
        clockTolerance: 30,
      }));
    } catch (error) {
      const reason = error instanceof errors.JOSEError ? error.code : 'verification failed';
      throw new UnauthenticatedError(`token rejected: ${reason}`, { cause: error });
    }
    if (!payload.sub) throw new UnauthenticatedError('token has no subject');
    const tenant = payload['strongbox:tenant'] ?? payload['custom:tenant'];
    if (tenant !== undefined && (typeof tenant !== 'string' || !isTenantId(tenant))) {
      throw new UnauthenticatedError('token carries a malformed tenant');
    }
    const roles = [...stringList(payload['strongbox:roles']), ...stringList(payload['cognito:groups'])];
    return {
      subject: payload.sub,
      ...(typeof tenant === 'string' ? { tenantId: tenant } : {}),
      roles: [...new Set(roles)],
    };
  }
}
