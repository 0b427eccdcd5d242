import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalService } from '../../scripts/local/service';
import { type Api, apiAs, startTestService } from '../support/local-service';

/**
 * S5 over HTTP: every operation that makes Strongbox connect somewhere — a database source's host, a webhook's URL —
 * refuses the instance metadata service, link-local, private, reserved and multicast addresses in every spelling
 * (dotted, decimal, octal, hex, IPv4-mapped and NAT64 IPv6) with a 400 `forbidden_host` naming the field, before
 * anything is stored or any connection made. Local mode allows loopback (its databases and test receivers live
 * there), so loopback is covered by the unit tests (test/unit/host-guard.test.ts), as are DNS names resolving to such
 * addresses and DNS rebinding, which need a resolver this machine does not offer.
 */
const FORBIDDEN_HOSTS = [
  '169.254.169.254', // instance metadata
  '2852039166', // 169.254.169.254, decimal
  '0251.0376.0251.0376', // 169.254.169.254, octal
  '0xa9fea9fe', // 169.254.169.254, hex
  '::ffff:169.254.169.254', // IPv4-mapped
  '64:ff9b::a9fe:a9fe', // NAT64 of 169.254.169.254
  'fd00:ec2::254', // instance metadata over IPv6
  'fe80::1', // link-local
  '10.0.0.5',
  '172.16.3.4',
  '192.168.1.10',
  '100.64.0.1', // shared address space
  'fc00::1', // unique local
  '0.0.0.0',
  '224.0.0.1', // multicast
  '255.255.255.255',
  '198.51.100.7', // documentation
];

let service: LocalService;
let acme: Api;

beforeAll(async () => {
  service = await startTestService();
  acme = apiAs(service, 'acme');
});

afterAll(async () => {
  await service?.stop();
});

/**
 * The catalog and the secrets: what a refused registration must leave as it was. Not the audit trail (the refusal is
 * recorded) nor the tenant's registry entry (written first on purpose: a tenant with sources is never missing from
 * account-wide jobs).
 */
async function state(): Promise<string> {
  const items = await service.clients.dynamodb.send(
    new ScanCommand({ TableName: service.environment.STRONGBOX_TABLE_NAME }),
  );
  const secrets = await service.clients.secretsManager.send(new ListSecretsCommand({}));
  return JSON.stringify({
    items: (items.Items ?? [])
      .filter((item) => item.entity !== 'audit' && item.pk !== 'TENANTS')
      .map((item) => `${item.pk}|${item.sk}`)
      .sort(),
    secrets: (secrets.SecretList ?? []).map((secret) => secret.Name).sort(),
  });
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

describe('S5: hosts Strongbox would connect to (generated per operation and spelling)', () => {
  it.each(FORBIDDEN_HOSTS)('POST /v1/sources with host %s → 400 forbidden_host, nothing stored', async (host) => {
    const before = await state();
    const answer = await acme.post('/v1/sources', {
      name: `ssrf ${host}`,
      type: 'postgres',
      host,
      port: 5432,
      database: 'app',
      username: 'app',
      password: 'not-a-real-password',
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(answer.body).toMatchObject({ error: { fields: [expect.objectContaining({ path: 'host' })] } });
    expect(['forbidden_host', 'validation_failed']).toContain((answer.body.error as { code: string }).code);
    expect(await state()).toBe(before);
  });

  it.each(FORBIDDEN_HOSTS)('PUT /v1/webhooks/{id} with https://%s/ → 400, nothing stored', async (host) => {
    const before = await state();
    const answer = await acme.put('/v1/webhooks/ssrf', {
      url: `https://${urlHost(host)}/hook`,
      events: ['*'],
      secret: 'whsec-ssrf-0123456789abcdefghij',
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(answer.body).toMatchObject({ error: { fields: [expect.objectContaining({ path: 'url' })] } });
    expect(await state()).toBe(before);
  });
});
