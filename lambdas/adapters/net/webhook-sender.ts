import type { LookupAddress } from 'node:dns';
import { type ClientRequest, request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import { isStrongboxError } from '../../domain/errors';
import type { WebhookAttemptResult, WebhookErrorCode, WebhookRequest, WebhookSender } from '../../ports/webhooks';
import type { DnsHostGuard, ResolvedAddress } from './host-guard';

export interface HttpWebhookSenderOptions {
  /** The SSRF guard: the sender connects only to an address it passed. */
  readonly guard: Pick<DnsHostGuard, 'resolveChecked'>;
  /** Local mode only: http:// endpoints. */
  readonly allowHttp?: boolean;
  /** How much of a response body is read (and kept as an excerpt); the rest is never read. */
  readonly maxExcerptBytes?: number;
}

const TLS_CODES = /^(ERR_TLS|CERT_|UNABLE_TO|SELF_SIGNED|DEPTH_ZERO|ERR_SSL|HOSTNAME_MISMATCH)/;

type LookupCallback = (error: Error | null, address: string | LookupAddress[], family?: number) => void;

/**
 * Webhook attempts over node:http(s), safe against SSRF (docs/webhooks.md): the request's DNS lookup goes through the
 * guard, so the socket connects to an address that was checked a moment ago (a name re-resolved by the HTTP client
 * could have changed: DNS rebinding); IP literals, which Node connects to without a lookup, are checked first. No
 * redirects are followed, no connection is reused (a pooled socket would skip the check), and at most a small excerpt
 * of the response is read. Bad input and network trouble come back as results, never as exceptions.
 */
export class HttpWebhookSender implements WebhookSender {
  private readonly maxExcerptBytes: number;

  constructor(private readonly options: HttpWebhookSenderOptions) {
    this.maxExcerptBytes = options.maxExcerptBytes ?? 256;
  }

  async send(request: WebhookRequest): Promise<WebhookAttemptResult> {
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    const error = (code: WebhookErrorCode, message: string): WebhookAttemptResult => ({
      outcome: 'error',
      code,
      message,
      durationMs: elapsed(),
    });
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return error('invalid_url', 'the URL does not parse');
    }
    const schemes = this.options.allowHttp ? ['https:', 'http:'] : ['https:'];
    if (!schemes.includes(url.protocol)) return error('invalid_url', `${url.protocol} URLs are not allowed`);
    if (url.username !== '' || url.password !== '') return error('invalid_url', 'the URL carries credentials');
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    let checked: ResolvedAddress[];
    try {
      checked = await this.options.guard.resolveChecked(host);
    } catch (caught) {
      if (isStrongboxError(caught) && caught.code === 'forbidden_host') return error('forbidden_host', caught.message);
      const message = caught instanceof Error ? caught.message : String(caught);
      // A malformed host is for good; a name that does not resolve (now) may resolve later.
      const malformed = isStrongboxError(caught) && caught.fields?.[0]?.message === 'is not a host name or address';
      return error(malformed ? 'invalid_url' : 'dns_failed', message);
    }
    return this.post(url, checked, request, elapsed, error);
  }

  private post(
    url: URL,
    checked: ResolvedAddress[],
    request: WebhookRequest,
    elapsed: () => number,
    error: (code: WebhookErrorCode, message: string) => WebhookAttemptResult,
  ): Promise<WebhookAttemptResult> {
    // Hand the HTTP client the addresses just checked instead of letting it resolve the name again.
    const lookup = (_hostname: string, options: { all?: boolean }, callback: LookupCallback) => {
      if (options.all)
        callback(
          null,
          checked.map((entry) => ({ address: entry.address, family: entry.family })),
        );
      else callback(null, checked[0]?.address ?? '', checked[0]?.family ?? 4);
    };
    const body = Buffer.from(request.body, 'utf8');
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: WebhookAttemptResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outgoing.destroy();
        resolve(result);
      };
      const outgoing: ClientRequest = send(
        url,
        {
          method: 'POST',
          headers: { ...request.headers, 'content-length': String(body.length) },
          lookup: lookup as never,
          agent: false,
        },
        (response) =>
          this.readExcerpt(response).then((excerpt) =>
            finish({
              outcome: 'response',
              statusCode: response.statusCode ?? 0,
              durationMs: elapsed(),
              bodyExcerpt: excerpt,
            }),
          ),
      );
      const timer = setTimeout(
        () => finish(error('timeout', `no complete response within ${request.timeoutMs} ms`)),
        request.timeoutMs,
      );
      outgoing.on('error', (caught: NodeJS.ErrnoException) => {
        const code = String(caught.code ?? '');
        finish(
          error(TLS_CODES.test(code) ? 'tls_failed' : 'connection_failed', `${code || caught.name}: ${caught.message}`),
        );
      });
      outgoing.end(body);
    });
  }

  /** The first bytes of the body, printable; the response is then abandoned. */
  private readExcerpt(response: IncomingMessage): Promise<string> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        response.removeAllListeners('data');
        response.destroy();
        const text = Buffer.concat(chunks).subarray(0, this.maxExcerptBytes).toString('utf8');
        resolve([...text].map((char) => (char < ' ' || char === '\u007f' ? ' ' : char)).join(''));
      };
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= this.maxExcerptBytes) done();
      });
      response.on('end', done);
      response.on('error', done);
    });
  }
}
