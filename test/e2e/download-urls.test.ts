import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalService } from '../../scripts/local/service';
import { type Api, apiAs, startTestService } from '../support/local-service';
import { checkPresignedGet } from '../support/presigned-url';
import { databaseSource, smallDatabase } from '../support/retention-e2e';

/**
 * S6: download URLs are pre-signed GETs of exactly one object version under the tenant's prefix, valid at most 15
 * minutes. The emulator checks neither signatures nor expiry (DESIGN.md §8): the URLs are checked here the way S3
 * checks them (test/support/presigned-url.ts recomputes SigV4 with the signer's credentials), including tampered
 * and expired ones; the bytes are fetched from the emulator to show the URL names the right object.
 */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
let service: LocalService;
let acme: Api;
let globex: Api;
const cleanup: (() => Promise<void>)[] = [];
const urls: Record<string, { url: string; backup: Record<string, unknown> }> = {};

async function downloadable(api: Api, name: string) {
  const db = await smallDatabase(`dl${name}`);
  cleanup.push(db.drop);
  const sourceId = await databaseSource(api, db);
  const backup = await api.post('/v1/backups', { sourceId });
  await service.idle();
  const link = await api.get<{ url: string; expiresAt: string; sha256: string }>(
    `/v1/backups/${backup.body.id}/download`,
  );
  expect(link.status, JSON.stringify(link.body)).toBe(200);
  const stored = await api.get(`/v1/backups/${backup.body.id}`);
  return { url: link.body.url, backup: stored.body, expiresAt: link.body.expiresAt };
}

beforeAll(async () => {
  service = await startTestService();
  acme = apiAs(service, 'acme');
  globex = apiAs(service, 'globex');
  urls.acme = await downloadable(acme, 'acme');
  urls.globex = await downloadable(globex, 'globex');
});

afterAll(async () => {
  await service?.stop();
  for (const drop of cleanup.reverse()) await drop().catch(() => undefined);
});

describe('S6: download URLs (checked as S3 checks them; the emulator does not)', () => {
  it("names exactly the backup's object version under the tenant's prefix, for at most 15 minutes", async () => {
    const { url, backup } = urls.acme as { url: string; backup: Record<string, unknown> };
    const check = await checkPresignedGet(url, LOCAL_CREDENTIALS, new Date());
    const object = backup.object as { key?: string; versionId?: string } | undefined;
    expect(check.signatureValid).toBe(true);
    expect(check.expired).toBe(false);
    expect(check.expiresInSeconds).toBeGreaterThan(0);
    expect(check.expiresInSeconds).toBeLessThanOrEqual(900);
    expect(check.key.startsWith('tenants/acme/')).toBe(true);
    if (object?.key) expect(check.key).toBe(object.key);
    const fetched = await fetch(url);
    expect(fetched.status).toBe(200);
    const { createHash } = await import('node:crypto');
    const sha256 = createHash('sha256')
      .update(Buffer.from(await fetched.arrayBuffer()))
      .digest('hex');
    expect(sha256).toBe(backup.sha256);
  });

  it("fails a URL altered to name another tenant's object, a longer life, or another signature", async () => {
    const { url } = urls.acme as { url: string };
    const theirs = await checkPresignedGet((urls.globex as { url: string }).url, LOCAL_CREDENTIALS, new Date());
    const mine = await checkPresignedGet(url, LOCAL_CREDENTIALS, new Date());
    const otherKey = url.replace(encodeURI(mine.key), encodeURI(theirs.key)).replace(mine.key, theirs.key);
    const longer = url.replace(/X-Amz-Expires=\d+/, 'X-Amz-Expires=604800');
    const forged = url.replace(
      /X-Amz-Signature=([0-9a-f])/,
      (_, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`,
    );
    for (const [what, altered] of Object.entries({ otherKey, longer, forged })) {
      expect(altered, what).not.toBe(url);
      expect((await checkPresignedGet(altered, LOCAL_CREDENTIALS, new Date())).signatureValid, what).toBe(false);
    }
  });

  it('expires: the same URL is refused once its life is over', async () => {
    const { url } = urls.acme as { url: string };
    const check = await checkPresignedGet(url, LOCAL_CREDENTIALS, new Date(Date.now() + 901_000));
    expect(check.signatureValid).toBe(true);
    expect(check.expired).toBe(true);
  });

  it("gives no tenant a URL for another tenant's backup", async () => {
    const backupId = (urls.acme as { backup: Record<string, unknown> }).backup.id as string;
    const answer = await globex.get(`/v1/backups/${backupId}/download`);
    expect(answer.status).toBe(404);
    expect(JSON.stringify(answer.body)).not.toContain('X-Amz');
  });
});
