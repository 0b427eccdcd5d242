import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../lambdas/app/audit/record-audit';
import {
  type AuditEntry,
  type AuditFacts,
  canonicalText,
  chainEntry,
  GENESIS_HASH,
  verifyChain,
} from '../../lambdas/domain/audit';

function facts(n: number): AuditFacts {
  return {
    tenantId: 'acme',
    at: new Date(Date.UTC(2026, 10, 1, 0, 0, n)).toISOString(),
    actor: { subject: 'admin@acme.local', roles: ['admin'] },
    action: n % 2 === 0 ? 'createBackup' : 'BackupSucceeded',
    target: { kind: 'backup', id: `bkp_${String(n).padStart(26, '0')}` },
    result: n % 3 === 0 ? 'refused' : 'succeeded',
    requestId: `req-${n}`,
  };
}

function chainOf(length: number): AuditEntry[] {
  const chain: AuditEntry[] = [];
  for (let n = 0; n < length; n += 1) chain.push(chainEntry(chain.at(-1), facts(n), sha256Hex));
  return chain;
}

describe('audit chain (domain/audit.ts)', () => {
  it('starts at the genesis hash, numbers entries from 1 and links each to the one before', () => {
    const chain = chainOf(4);
    expect(chain.map((entry) => entry.id)).toEqual([
      'aud_000000000001',
      'aud_000000000002',
      'aud_000000000003',
      'aud_000000000004',
    ]);
    expect(chain[0]?.prevHash).toBe(GENESIS_HASH);
    expect(chain[2]?.prevHash).toBe(chain[1]?.hash);
    expect(chain[3]?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyChain(chain, sha256Hex)).toEqual({ ok: true, checked: 4 });
  });

  it('hashes a canonical form: the order in which fields were written does not matter', () => {
    const [entry] = chainOf(1) as [AuditEntry];
    const { hash: _hash, ...unhashed } = entry;
    const reordered = Object.fromEntries(Object.entries(unhashed).reverse()) as typeof unhashed;
    expect(canonicalText(reordered)).toBe(canonicalText(unhashed));
  });

  it('finds any edit, removal, insertion or reordering at the first entry it breaks', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 12 }),
        fc.nat(),
        fc.constantFrom('edit', 'remove', 'swap', 'forge'),
        (length, at, how) => {
          const chain = chainOf(length);
          const n = 1 + (at % (length - 2)); // never the first or last: each way must break a link
          const tampered = [...chain];
          if (how === 'edit') tampered[n] = { ...(chain[n] as AuditEntry), result: 'succeeded', action: 'nothing' };
          if (how === 'remove') tampered.splice(n, 1);
          if (how === 'swap') [tampered[n], tampered[n + 1]] = [chain[n + 1] as AuditEntry, chain[n] as AuditEntry];
          // A forger who re-hashes the edited entry still breaks the next link.
          if (how === 'forge') {
            const edited = { ...(chain[n] as AuditEntry), actor: { subject: 'someone-else', roles: [] } };
            const { hash: _hash, ...unhashed } = edited;
            tampered[n] = { ...edited, hash: sha256Hex(canonicalText(unhashed)) };
          }
          const check = verifyChain(tampered, sha256Hex);
          expect(check.ok).toBe(false);
          expect(check.brokenAt?.seq).toBeGreaterThanOrEqual(n);
          expect(check.brokenAt?.seq).toBeLessThanOrEqual(n + 2);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses an entry 1 that does not start from the genesis hash', () => {
    const [first] = chainOf(1) as [AuditEntry];
    const { hash: _hash, ...unhashed } = { ...first, prevHash: 'f'.repeat(64) };
    const forged = { ...unhashed, hash: sha256Hex(canonicalText(unhashed)) };
    expect(verifyChain([forged], sha256Hex)).toMatchObject({ ok: false, brokenAt: { seq: 1 } });
  });
});
