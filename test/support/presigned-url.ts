import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

/** The hash SigV4 asks for: SHA-256, or HMAC-SHA256 when given a key (@smithy/types' Checksum). */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash =
      secret === undefined
        ? createHash('sha256')
        : createHmac('sha256', typeof secret === 'string' ? secret : Buffer.from(secret as ArrayBuffer));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

/**
 * What S3 checks of a pre-signed GET, done here because the emulator checks nothing (DESIGN.md §8: moto accepts a
 * tampered signature, another key and an expired URL alike). The signature is recomputed from the URL's own
 * parameters with the signer's credentials, exactly as S3 does (SigV4 query signing), and the expiry is checked
 * against `now`.
 */
export interface PresignCheck {
  readonly signatureValid: boolean;
  readonly expired: boolean;
  readonly expiresInSeconds: number;
  readonly key: string;
  readonly versionId?: string;
}

export async function checkPresignedGet(
  url: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
  now: Date,
): Promise<PresignCheck> {
  const parsed = new URL(url);
  const params = parsed.searchParams;
  const amzDate = params.get('X-Amz-Date') ?? '';
  const expiresInSeconds = Number(params.get('X-Amz-Expires'));
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const [, , region = '', service = ''] = (params.get('X-Amz-Credential') ?? '').split('/');
  const query: Record<string, string> = {};
  for (const [name, value] of params) if (!name.startsWith('X-Amz-')) query[name] = value;
  const signer = new SignatureV4({
    credentials,
    region,
    service,
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const resigned = await signer.presign(
    {
      method: 'GET',
      protocol: parsed.protocol,
      hostname: parsed.hostname,
      port: parsed.port ? Number(parsed.port) : undefined,
      path: parsed.pathname,
      query,
      headers: {
        host: parsed.host,
        // The S3 presigner signs an unsigned payload and hoists this header into the query.
        ...(params.get('X-Amz-Content-Sha256')
          ? { 'X-Amz-Content-Sha256': params.get('X-Amz-Content-Sha256') as string }
          : {}),
      },
    },
    { signingDate, expiresIn: expiresInSeconds },
  );
  const expected = (resigned.query as Record<string, string>)['X-Amz-Signature'];
  const [, , ...keyParts] = decodeURIComponent(parsed.pathname).split('/');
  const versionId = params.get('versionId') ?? undefined;
  return {
    signatureValid: expected === params.get('X-Amz-Signature'),
    expired: now.getTime() > signingDate.getTime() + expiresInSeconds * 1000,
    expiresInSeconds,
    key: keyParts.join('/'),
    ...(versionId ? { versionId } : {}),
  };
}
