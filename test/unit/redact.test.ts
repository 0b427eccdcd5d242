import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDACTED, redact, redactedTail, tail } from '../../lambdas/domain/redact';

describe('redact', () => {
  it('removes known secrets wherever they appear', () => {
    // Act
    const out = redact('FATAL: password authentication failed; tried s3cr3t-pw twice (s3cr3t-pw)', ['s3cr3t-pw']);
    // Assess
    expect(out).not.toContain('s3cr3t-pw');
    expect(out).toContain(REDACTED);
    expect(out).toContain('password authentication failed');
  });

  it('removes credentials in URLs and key=value pairs it was not told about', () => {
    // Act
    const out = redact('connect postgres://app:hunter2@db:5432/x failed; password=letmein token: abc123');
    // Assess
    expect(out).not.toMatch(/hunter2|letmein|abc123/);
    expect(out).toContain('postgres://app:');
  });

  it('never leaves a known secret in the output, whatever surrounds it', () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 3 }), fc.string(), (before, secret, after) => {
        expect(redact(`${before}${secret}${after}`, [secret])).not.toContain(secret);
      }),
    );
  });
});

describe('tail', () => {
  it('keeps short text and cuts long text at a line start', () => {
    // Prepare
    const long = `${'x'.repeat(50)}\nline two\nline three`;
    // Act / Assess
    expect(tail('short\n')).toBe('short');
    expect(tail(long, 15)).toBe('line three');
    expect(tail(long, 20)).toBe('line two\nline three');
  });

  it('redacts before cutting, so a secret split by the cut cannot survive in part', () => {
    // Prepare
    const secret = 'abcdefghijklmnop';
    // Act
    const out = redactedTail(`error with ${secret} in it`, [secret], 14);
    // Assess
    expect(out).not.toMatch(/ijklmnop|abcdefgh/);
  });
});
