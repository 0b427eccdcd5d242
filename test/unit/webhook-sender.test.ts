import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DnsHostGuard, type Resolver } from '../../lambdas/adapters/net/host-guard';
import { HttpWebhookSender } from '../../lambdas/adapters/net/webhook-sender';

/** The webhook HTTP client against a real local server; names resolve through an injected resolver. */
interface Seen {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

let server: Server;
let port: number;
const seen: Seen[] = [];
let respond: (path: string, reply: (status: number, body?: string, headers?: Record<string, string>) => void) => void;

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '';
      seen.push({
        method: request.method ?? '',
        path,
        headers: request.headers,
        body: Buffer.concat(chunks).toString(),
      });
      respond(path, (status, body = '', headers = {}) => response.writeHead(status, headers).end(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

beforeEach(() => {
  seen.length = 0;
  respond = (_path, reply) => reply(204);
});

const names: Record<string, string> = {
  'receiver.test': '127.0.0.1',
  'metadata.test': '169.254.169.254',
  'intranet.test': '10.0.0.5',
};
const resolve: Resolver = async (host) => {
  const address = names[host];
  if (address === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return [{ address, family: 4 }];
};
const local = new HttpWebhookSender({ guard: new DnsHostGuard({ allowLoopback: true, resolve }), allowHttp: true });
const strict = new HttpWebhookSender({ guard: new DnsHostGuard({ resolve }), allowHttp: true });
const post = (sender: HttpWebhookSender, url: string, timeoutMs = 2000) =>
  sender.send({ url, headers: { 'content-type': 'application/json', 'x-test': 'yes' }, body: '{"a":1}', timeoutMs });

describe('HttpWebhookSender', () => {
  it('POSTs the exact body and headers to a checked address and reports the status', async () => {
    const result = await post(local, `http://receiver.test:${port}/hook?x=1`);
    expect(result).toMatchObject({ outcome: 'response', statusCode: 204 });
    expect(seen).toEqual([expect.objectContaining({ method: 'POST', path: '/hook?x=1', body: '{"a":1}' })]);
    expect(seen[0]?.headers).toMatchObject({
      'content-type': 'application/json',
      'x-test': 'yes',
      'content-length': '7',
    });
  });

  it('connects to the address it checked, never resolving the name again (DNS rebinding)', async () => {
    let calls = 0;
    // Answers loopback once, then the metadata service: a client that resolved again would connect there (or fail).
    const rebinding: Resolver = async () => [{ address: calls++ === 0 ? '127.0.0.1' : '169.254.169.254', family: 4 }];
    const sender = new HttpWebhookSender({
      guard: new DnsHostGuard({ allowLoopback: true, resolve: rebinding }),
      allowHttp: true,
    });
    expect(await post(sender, `http://rebind.test:${port}/pinned`)).toMatchObject({
      outcome: 'response',
      statusCode: 204,
    });
    expect(calls).toBe(1);
    expect(seen.map((request) => request.path)).toEqual(['/pinned']);
  });

  it('reports a 500 as a response, and does not follow a redirect', async () => {
    respond = (path, reply) => (path === '/moved' ? reply(302, '', { location: '/elsewhere' }) : reply(500, 'oops'));
    expect(await post(local, `http://127.0.0.1:${port}/fail`)).toMatchObject({ statusCode: 500, bodyExcerpt: 'oops' });
    expect(await post(local, `http://127.0.0.1:${port}/moved`)).toMatchObject({ outcome: 'response', statusCode: 302 });
    expect(seen.map((request) => request.path)).toEqual(['/fail', '/moved']);
  });

  it('refuses loopback, link-local and private addresses before connecting, by literal or by name', async () => {
    for (const url of [
      `http://127.0.0.1:${port}/x`,
      `http://[::1]:${port}/x`,
      `http://receiver.test:${port}/x`,
      'http://metadata.test/latest/meta-data/',
      'http://intranet.test/',
      'http://169.254.169.254/',
    ]) {
      const result = await post(strict, url);
      expect(result, url).toMatchObject({ outcome: 'error', code: 'forbidden_host' });
      expect(JSON.stringify(result)).not.toContain('10.0.0.5');
    }
    expect(seen).toEqual([]);
  });

  it('refuses URLs it must not send to, without sending', async () => {
    const httpsOnly = new HttpWebhookSender({ guard: new DnsHostGuard({ allowLoopback: true, resolve }) });
    expect(await post(httpsOnly, `http://receiver.test:${port}/`)).toMatchObject({ code: 'invalid_url' });
    expect(await post(local, 'ftp://receiver.test/')).toMatchObject({ code: 'invalid_url' });
    expect(await post(local, `http://user:pw@receiver.test:${port}/`)).toMatchObject({ code: 'invalid_url' });
    expect(await post(local, 'not a url')).toMatchObject({ code: 'invalid_url' });
    expect(await post(local, 'http://unknown.test/')).toMatchObject({ code: 'dns_failed' });
    expect(seen).toEqual([]);
  });

  it('times out on a server that never answers, and reports a refused connection', async () => {
    respond = () => undefined;
    const started = Date.now();
    expect(await post(local, `http://receiver.test:${port}/hang`, 200)).toMatchObject({ code: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await post(local, `http://127.0.0.1:${closedPort}/`)).toMatchObject({ code: 'connection_failed' });
  });

  it('reads only an excerpt of a large response', async () => {
    respond = (_path, reply) => reply(200, 'x'.repeat(5 * 1024 * 1024));
    const result = await post(local, `http://receiver.test:${port}/big`);
    expect(result).toMatchObject({ outcome: 'response', statusCode: 200 });
    expect(result.outcome === 'response' && result.bodyExcerpt.length).toBe(256);
  });
});
