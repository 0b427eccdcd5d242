import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';

/**
 * Local mode's identity provider: an ES256 key (kept in .strongbox/ so tokens survive restarts), a JWKS document,
 * and tokens for the demo principals. The authorizer verifies them with the same code path as Cognito's tokens:
 * only the JWKS URL, issuer and audience differ.
 */
export interface LocalPrincipal {
  readonly subject: string;
  readonly tenantId?: string;
  readonly roles: readonly string[];
}

export const LOCAL_PRINCIPALS: Record<string, LocalPrincipal> = {
  admin: { subject: 'operator@platform.local', roles: ['operator'] },
  acme: { subject: 'admin@acme.local', tenantId: 'acme', roles: ['admin'] },
  /** A second acme admin: restores one admin asks for, another approves (four eyes). */
  acmeApprover: { subject: 'lead@acme.local', tenantId: 'acme', roles: ['admin'] },
  /** An acme member: reads, backs up, downloads and asks for restores; cannot approve or manage sources. */
  acmeMember: { subject: 'dev@acme.local', tenantId: 'acme', roles: ['member'] },
  globex: { subject: 'admin@globex.local', tenantId: 'globex', roles: ['admin'] },
};

export class LocalIssuer {
  private constructor(
    private readonly privateJwk: JWK,
    readonly publicJwk: JWK,
    readonly issuer: string,
    readonly audience: string,
  ) {}

  static async load(keyFile: string, issuer: string, audience: string): Promise<LocalIssuer> {
    if (existsSync(keyFile)) {
      const stored = JSON.parse(readFileSync(keyFile, 'utf8')) as { privateJwk: JWK; publicJwk: JWK };
      return new LocalIssuer(stored.privateJwk, stored.publicJwk, issuer, audience);
    }
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = { ...(await exportJWK(privateKey)), kid: 'strongbox-local', alg: 'ES256' };
    const publicJwk = { ...(await exportJWK(publicKey)), kid: 'strongbox-local', alg: 'ES256', use: 'sig' };
    mkdirSync(dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, JSON.stringify({ privateJwk, publicJwk }), { mode: 0o600 });
    return new LocalIssuer(privateJwk, publicJwk, issuer, audience);
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  async issue(principal: LocalPrincipal, options: { expiresIn?: string } = {}): Promise<string> {
    const key = await importJWK(this.privateJwk, 'ES256');
    return new SignJWT({
      ...(principal.tenantId ? { 'strongbox:tenant': principal.tenantId } : {}),
      'strongbox:roles': [...principal.roles],
    })
      .setProtectedHeader({ alg: 'ES256', kid: 'strongbox-local', typ: 'JWT' })
      .setSubject(principal.subject)
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '30d')
      .sign(key);
  }
}
