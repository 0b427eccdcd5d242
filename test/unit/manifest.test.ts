import { describe, expect, it } from 'vitest';
import { errorCodeForName } from '../../lambdas/domain/errors';
import { resolveTables, totalRows } from '../../lambdas/domain/manifest';
import { dataKey, manifestKey } from '../../lambdas/domain/vault-layout';

const tables = [
  { schema: 'public', name: 'orders', rows: 10 },
  { schema: 'public', name: 'items', rows: 3 },
  { schema: 'audit', name: 'items', rows: 7 },
  { schema: 'données', name: '名前', rows: 1 },
];

describe('resolveTables', () => {
  it('resolves qualified names and unique bare names', () => {
    // Act
    const resolved = resolveTables(tables, ['orders', 'audit.items', 'données.名前']);
    // Assess
    expect(resolved.tables.map((t) => `${t.schema}.${t.name}`)).toEqual([
      'public.orders',
      'audit.items',
      'données.名前',
    ]);
    expect(resolved.unknown).toEqual([]);
    expect(resolved.ambiguous).toEqual([]);
  });

  it('reports unknown and ambiguous names instead of guessing', () => {
    // Act
    const resolved = resolveTables(tables, ['items', 'nope', 'public.nope']);
    // Assess
    expect(resolved.ambiguous).toEqual(['items']);
    expect(resolved.unknown).toEqual(['nope', 'public.nope']);
  });
});

describe('totalRows', () => {
  it('sums counted rows and is undefined when any table was not counted', () => {
    expect(totalRows(tables)).toBe(21);
    expect(totalRows([{ name: 'a' }, { name: 'b', rows: 1 }])).toBeUndefined();
  });
});

describe('vault layout', () => {
  it('keeps every key under the tenant prefix', () => {
    expect(dataKey('acme', 'src_1', 'bkp_1', 'pg-custom', 'zstd')).toBe(
      'tenants/acme/sources/src_1/bkp_1/data.dump.zst',
    );
    expect(dataKey('acme', 'src_1', 'bkp_1', 'mysql-sql', 'zstd')).toBe(
      'tenants/acme/sources/src_1/bkp_1/data.sql.zst',
    );
    expect(manifestKey('acme', 'src_1', 'bkp_1')).toBe('tenants/acme/sources/src_1/bkp_1/manifest.json');
  });
});

describe('errorCodeForName', () => {
  it('maps error names to API codes, and unknown names to the fallback', () => {
    expect(errorCodeForName('ChecksumMismatchError')).toBe('checksum_mismatch');
    expect(errorCodeForName('States.Timeout')).toBe('timeout');
    expect(errorCodeForName('Lambda.Unknown', 'restore_failed')).toBe('restore_failed');
  });
});

describe('resolveTables with partitioned tables', () => {
  const leaves = [
    { schema: 'public', name: 'm_2023', rows: 5 },
    { schema: 'public', name: 'm_2024', rows: 7 },
  ];
  const partitioned = [{ schema: 'public', name: 'm', partitions: ['public.m_2023', 'public.m_2024'] }];

  it('resolves a partitioned table, qualified or bare, to its leaf partitions', () => {
    // Act
    const bare = resolveTables(leaves, ['m'], partitioned);
    const qualified = resolveTables(leaves, ['public.m', 'public.m_2023'], partitioned);

    // Assess
    expect(bare.tables.map((table) => table.name)).toEqual(['m_2023', 'm_2024']);
    expect(qualified.tables.map((table) => table.name)).toEqual(['m_2023', 'm_2024']);
  });

  it('still reports names that match neither a table nor a partitioned table', () => {
    expect(resolveTables(leaves, ['mm'], partitioned).unknown).toEqual(['mm']);
  });
});
