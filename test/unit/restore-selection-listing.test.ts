import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPgRestoreList, type PgTocEntry, parsePgRestoreListing } from '../../lambdas/domain/restore-pg-toc';

/** `pg_restore -l --verbose` of real pg_dump 15 archives: the rich fixture, and tables named to confuse. */
const RICH = readFileSync(new URL('../fixtures/pg-toc/rich-15.list', import.meta.url), 'utf8');
const ODD = readFileSync(new URL('../fixtures/pg-toc/odd-names-15.list', import.meta.url), 'utf8');

const byId = (entries: readonly PgTocEntry[], id: number) => entries.find((entry) => entry.id === id);

describe('parsePgRestoreListing', () => {
  it('reads every entry the archive header announces', () => {
    // Prepare
    const announced = Number(/TOC Entries: (\d+)/.exec(RICH)?.[1]);

    // Act
    const entries = parsePgRestoreListing(RICH);

    // Assess
    expect(entries).toHaveLength(announced);
  });

  it('reads kinds, schemas, names, owners and dependencies of real entries', () => {
    // Act
    const entries = parsePgRestoreListing(RICH);

    // Assess
    expect(byId(entries, 232)).toEqual({
      id: 232,
      desc: 'TABLE',
      namespace: 'billing',
      tag: 'invoices',
      owner: 'strongbox',
      deps: [949, 229, 8, 949],
    });
    expect(byId(entries, 3611)).toMatchObject({ desc: 'ENCODING', namespace: undefined, tag: 'ENCODING', owner: '' });
    expect(byId(entries, 3602)).toMatchObject({ desc: 'TABLE DATA', namespace: 'public', tag: 'données' });
    expect(byId(entries, 3620)).toMatchObject({ desc: 'COMMENT', tag: 'COLUMN "données"."名前"' });
    expect(byId(entries, 3618)).toMatchObject({ desc: 'SEQUENCE OWNED BY', tag: 'invoices_id_seq', deps: [231] });
    expect(byId(entries, 3441)).toMatchObject({ desc: 'FK CONSTRAINT', tag: 'orders orders_customer_id_fkey' });
    expect(byId(entries, 3438)).toMatchObject({ desc: 'INDEX ATTACH', tag: 'measurements_2023_pkey' });
    expect(byId(entries, 3608)).toMatchObject({ desc: 'MATERIALIZED VIEW DATA', tag: 'mood_counts' });
  });

  it('tells apart schemas whose names overlap, by the schema each entry depends on', () => {
    // Act
    const entries = parsePgRestoreListing(ODD);

    // Assess: both lines print as "TABLE my schema my table strongbox".
    expect(byId(entries, 216)).toMatchObject({ namespace: 'my schema', tag: 'my table' });
    expect(byId(entries, 217)).toMatchObject({ namespace: 'my', tag: 'schema my table' });
    expect(byId(entries, 3371)).toMatchObject({ desc: 'TABLE DATA', namespace: 'my schema', tag: 'my table' });
    expect(byId(entries, 3372)).toMatchObject({ desc: 'TABLE DATA', namespace: 'my', tag: 'schema my table' });
    expect(byId(entries, 218)).toMatchObject({ namespace: 'public', tag: 'a b' });
    expect(byId(entries, 219)).toMatchObject({ namespace: 'public', tag: 'line break' });
  });

  it('keeps a kind it does not know by its upper-case words', () => {
    // Act
    const entries = parsePgRestoreListing('12; 0 0 PROPERTY GRAPH public g owner\n;\tdepends on: 3\n');

    // Assess
    expect(entries).toEqual([
      { id: 12, desc: 'PROPERTY GRAPH', namespace: 'public', tag: 'g', owner: 'owner', deps: [3] },
    ]);
  });

  it('refuses a line that is not a table of contents entry', () => {
    // Act
    const parse = () => parsePgRestoreListing('12; 0 0 TABLE public t owner\nsomething else\n');

    // Assess
    expect(parse).toThrow(expect.objectContaining({ name: 'RestoreFailedError' }));
  });

  it('reads a name holding a Unicode line separator', () => {
    // Act
    const entries = parsePgRestoreListing('12; 0 0 TABLE public a\u2028b owner\n');

    // Assess
    expect(entries[0]).toMatchObject({ namespace: 'public', tag: 'a\u2028b', owner: 'owner' });
  });

  it('reads back what pg_restore prints, whatever the names (property)', () => {
    const schemas = ['public', 'my', 'my schema', 'public x'];
    const name = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((s) => !/[\r\n]/.test(s));
    const owner = fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/);
    const entry = fc.record({
      desc: fc.constantFrom('TABLE', 'TABLE DATA', 'VIEW', 'FUNCTION', 'FK CONSTRAINT', 'SEQUENCE SET'),
      namespace: fc.constantFrom(...schemas),
      // Tags that continue another schema's name ("my" + "schema …", "public" + "x …") are the hard case.
      tag: fc.oneof(
        name,
        name.map((n) => `schema ${n}`),
        name.map((n) => `x ${n}`),
      ),
      owner,
    });
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 15 }), (generated) => {
        // Prepare: dumped schemas come first; objects in them depend on them, as pg_dump writes it.
        const schemaIds = new Map(schemas.slice(1).map((schema, index) => [schema, index + 1]));
        const expected: PgTocEntry[] = [
          ...[...schemaIds].map(([schema, id]) => ({
            id,
            desc: 'SCHEMA',
            namespace: undefined,
            tag: schema,
            owner: 'postgres',
            deps: [],
          })),
          ...generated.map((e, index) => ({
            id: 100 + index,
            ...e,
            deps: schemaIds.has(e.namespace) ? [schemaIds.get(e.namespace) as number] : [],
          })),
        ];
        const listing = expected
          .map(
            (e) =>
              `${e.id}; 0 0 ${e.desc} ${e.namespace ?? '-'} ${e.tag} ${e.owner}\n` +
              (e.deps.length > 0 ? `;\tdepends on: ${e.deps.join(' ')}\n` : ''),
          )
          .join('');

        // Act
        const parsed = parsePgRestoreListing(`;\n; Selected TOC Entries:\n;\n${listing}`);

        // Assess
        expect(parsed).toEqual(expected);
      }),
    );
  });
});

describe('formatPgRestoreList', () => {
  it('lists the chosen entries in archive order, whatever order they were chosen in', () => {
    // Prepare
    const entries = parsePgRestoreListing(RICH);
    const chosen = [3593, 218, 8];

    // Act
    const list = formatPgRestoreList(entries, chosen);

    // Assess
    expect(list).toBe('8; SCHEMA\n218; TABLE\n3593; TABLE DATA\n');
  });
});
