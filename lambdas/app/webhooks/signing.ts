import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { formatId } from '../../domain/ids';
import { SIGNATURE_TOLERANCE_SECONDS } from '../../domain/webhook-delivery';

/** The cryptographic parts of webhook delivery (docs/webhooks.md, "Verifying a delivery"). */

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the timestamp is signed with the body, so a captured request
 * cannot be replayed later with a fresh timestamp (receivers check it is recent).
 */
export function signPayload(secret: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`, 'utf8').digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

/** What a receiver does (docs/webhooks.md shows the same in a few lines): true only for a fresh, matching signature. */
export function verifySignature(
  secret: string,
  header: string,
  body: string,
  options: { now: Date; toleranceSeconds?: number },
): boolean {
  const parts = new Map<string, string[]>();
  for (const item of header.split(',')) {
    const [key, ...rest] = item.trim().split('=');
    if (key === undefined || rest.length === 0) continue;
    parts.set(key, [...(parts.get(key) ?? []), rest.join('=')]);
  }
  const timestamp = Number(parts.get('t')?.[0]);
  if (!Number.isInteger(timestamp)) return false;
  const age = Math.abs(options.now.getTime() / 1000 - timestamp);
  if (age > (options.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(signPayload(secret, timestamp, body).split('v1=')[1] ?? '', 'hex');
  return (parts.get('v1') ?? []).some((candidate) => {
    const given = Buffer.from(candidate, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The delivery id of (event, webhook): a ULID whose time is the event's (so the log sorts by event, newest first) and
 * whose random part is a hash of the event id and webhook id (so every attempt, from any container, finds one record).
 */
export function deliveryId(eventTime: string, eventId: string, webhookId: string): string {
  const ms = Math.max(0, Math.min(2 ** 48 - 1, Date.parse(eventTime) || 0));
  let time = '';
  let rest = ms;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[rest % 32] + time;
    rest = Math.floor(rest / 32);
  }
  const digest = createHash('sha256').update(`${eventId}\u0000${webhookId}`, 'utf8').digest();
  let bits = 0n;
  for (const byte of digest.subarray(0, 10)) bits = (bits << 8n) | BigInt(byte);
  let random = '';
  for (let i = 0; i < 16; i++) {
    random = CROCKFORD[Number(bits & 31n)] + random;
    bits >>= 5n;
  }
  return formatId('webhookDelivery', time + random);
}
