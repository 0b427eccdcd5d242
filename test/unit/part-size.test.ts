import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  choosePartSize,
  DEFAULT_MIN_PART_BYTES,
  expectedPartCount,
  MIB,
  maxObjectBytes,
  S3_MAX_PART_BYTES,
  S3_MAX_PARTS,
  S3_MIN_PART_BYTES,
} from '../../lambdas/domain/part-size';

describe('choosePartSize', () => {
  it('uses the floor for small and unknown sizes', () => {
    // Act / Assess
    expect(choosePartSize(0)).toBe(DEFAULT_MIN_PART_BYTES);
    expect(choosePartSize(Number.NaN)).toBe(DEFAULT_MIN_PART_BYTES);
    expect(choosePartSize(-5)).toBe(DEFAULT_MIN_PART_BYTES);
    expect(choosePartSize(100 * MIB)).toBe(DEFAULT_MIN_PART_BYTES);
  });

  it('keeps an object three times the estimate under the 10,000-part limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_500 * 1024 ** 3 }), (estimate) => {
        // Act
        const partSize = choosePartSize(estimate);
        // Assess
        expect(partSize).toBeGreaterThanOrEqual(S3_MIN_PART_BYTES);
        expect(partSize).toBeLessThanOrEqual(S3_MAX_PART_BYTES);
        expect(partSize % MIB).toBe(0);
        expect(expectedPartCount(estimate * 3, partSize)).toBeLessThanOrEqual(S3_MAX_PARTS);
      }),
    );
  });

  it('lifts the 48.8 GiB ceiling of 5 MiB parts for a 100 GiB database', () => {
    // Act
    const partSize = choosePartSize(100 * 1024 ** 3);
    // Assess
    expect(maxObjectBytes(5 * MIB)).toBeLessThan(49 * 1024 ** 3);
    expect(maxObjectBytes(partSize)).toBeGreaterThan(300 * 1024 ** 3);
  });

  it('never goes below the S3 minimum even when asked to', () => {
    expect(choosePartSize(1, 1024)).toBe(S3_MIN_PART_BYTES);
  });
});

describe('expectedPartCount', () => {
  it('counts a partial last part and at least one part', () => {
    expect(expectedPartCount(0, 8 * MIB)).toBe(1);
    expect(expectedPartCount(8 * MIB, 8 * MIB)).toBe(1);
    expect(expectedPartCount(8 * MIB + 1, 8 * MIB)).toBe(2);
  });
});
