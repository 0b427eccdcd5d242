import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RestoreSelection } from '../../lambdas/domain/restore';
import { type PgTocEntry, parsePgRestoreListing } from '../../lambdas/domain/restore-pg-toc';
import { planPgRestore } from '../../lambdas/domain/restore-selection';

const RICH = parsePgRestoreListing(readFileSync(new URL('../fixtures/pg-toc/rich-15.list', import.meta.url), 'utf8'));
const ODD = parsePgRestoreListing(
  readFileSync(new URL('../fixtures/pg-toc/odd-names-15.list', import.meta.url), 'utf8'),
);

const select = (selection: Partial<RestoreSelection>): RestoreSelection => ({
  tables: selection.tables ?? [],
  schemas: selection.schemas ?? [],
});

/** The planned entries as `DESC namespace.tag`, for readable assertions. */
function planned(entries: readonly PgTocEntry[], selection: Partial<RestoreSelection>): string[] {
  const ids = new Set(planPgRestore(entries, select(selection)).entryIds);
  return entries.filter((e) => ids.has(e.id)).map((e) => `${e.desc} ${e.namespace ?? '-'}.${e.tag}`);
}

function failure(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the plan to be refused');
}

describe('planPgRestore on a real archive', () => {
  it('restores named tables with what they need and what hangs on them, but no foreign key out', () => {
    // Act
    const plan = planned(RICH, { tables: ['public.orders', 'données'] });

    // Assess
    expect(plan).toEqual(
      expect.arrayContaining([
        'TABLE public.orders',
        'TABLE DATA public.orders',
        'DOMAIN public.positive_int',
        'SEQUENCE public.orders_id_seq',
        'SEQUENCE SET public.orders_id_seq',
        'CONSTRAINT public.orders orders_pkey',
        'INDEX public.orders_customer_idx',
        'TRIGGER public.orders orders_touch',
        'FUNCTION public.touch_updated_at()',
        'TABLE public.données',
        'TABLE DATA public.données',
        'COMMENT public.COLUMN "données"."名前"',
        'EXTENSION -.citext',
        'ENCODING -.ENCODING',
      ]),
    );
    expect(plan.filter((e) => /customers|FK CONSTRAINT|VIEW|billing|DATABASE/.test(e))).toEqual([]);
  });

  it('restores a schema with the prerequisites it uses elsewhere, without what reaches out of it', () => {
    // Act
    const plan = planned(RICH, { schemas: ['billing'] });

    // Assess
    expect(plan).toEqual(
      expect.arrayContaining([
        'SCHEMA -.billing',
        'TYPE billing.invoice_state',
        'TABLE DATA billing.invoices',
        'TABLE DATA billing.invoice_lines',
        'FK CONSTRAINT billing.invoice_lines invoice_lines_invoice_id_fkey',
        'VIEW billing.open_invoices',
        'FUNCTION billing.invoice_total(integer)',
        'SEQUENCE public.ticket_no',
        'SEQUENCE SET public.ticket_no',
        'SEQUENCE OWNED BY billing.invoices_id_seq',
        'DEFAULT billing.invoices id',
      ]),
    );
    expect(plan).not.toContain('VIEW billing.invoice_customers');
    expect(plan).not.toContain('FK CONSTRAINT billing.invoices invoices_customer_id_fkey');
    expect(plan.filter((e) => e.includes('customers'))).toEqual([]);
  });

  it('restores a partitioned table with every partition, and a partition with its parent only', () => {
    // Act
    const whole = planPgRestore(RICH, select({ tables: ['measurements'] })).tables;
    const one = planned(RICH, { tables: ['public.measurements_2024'] });

    // Assess
    expect(whole).toEqual(['public.measurements_2023', 'public.measurements_2024', 'public.measurements_other']);
    expect(one).toEqual(
      expect.arrayContaining([
        'TABLE public.measurements',
        'TABLE public.measurements_2024',
        'TABLE ATTACH public.measurements_2024',
        'INDEX ATTACH public.measurements_2024_pkey',
        'TABLE DATA public.measurements_2024',
      ]),
    );
    expect(one.filter((e) => /measurements_(2023|other)/.test(e))).toEqual([]);
  });

  it('refuses every name that matches nothing, in one ValidationError naming the fields', () => {
    // Act
    const error = failure(() =>
      planPgRestore(RICH, select({ tables: ['orders', 'nope', 'billing.orders'], schemas: ['x'] })),
    );

    // Assess
    expect(error).toMatchObject({
      name: 'ValidationError',
      fields: [
        { path: 'tables[1]', message: 'no table or view named "nope" in the backup' },
        { path: 'tables[2]', message: 'no table or view named "billing.orders" in the backup' },
        { path: 'schemas[0]', message: 'no schema named "x" in the backup' },
      ],
    });
  });

  it('refuses a named view over tables that are not selected, saying which', () => {
    // Act
    const error = failure(() => planPgRestore(RICH, select({ tables: ['billing.invoice_customers', 'invoices'] })));

    // Assess
    expect(error).toMatchObject({
      name: 'ValidationError',
      fields: [{ path: 'tables[0]', message: expect.stringContaining('depends on TABLE public.customers') }],
    });
  });

  it('refuses an empty selection', () => {
    expect(failure(() => planPgRestore(RICH, select({})))).toMatchObject({ name: 'ValidationError' });
  });
});

describe('planPgRestore names', () => {
  it('refuses a bare name found in several schemas, listing them', () => {
    // Act
    const error = failure(() => planPgRestore(ODD, select({ tables: ['dup'] })));

    // Assess
    expect(error).toMatchObject({
      fields: [{ path: 'tables[0]', message: expect.stringContaining('my.dup, public.dup') }],
    });
  });

  it.each([
    ['my schema.my table', 'my schema.my table'],
    ['my.schema my table', 'my.schema my table'],
    ['a b', 'public.a b'],
    ['public.x.y', 'public.x.y'],
    ['my schema.x.y', 'my schema.x.y'],
    ['line\nbreak', 'public.line break'],
  ])('reads %j as %j', (name, table) => {
    // Act
    const plan = planPgRestore(ODD, select({ tables: [name] }));

    // Assess
    expect(plan.tables).toEqual([table]);
  });

  it('refuses "x.y" when no schema x exists and two schemas hold a table "x.y"', () => {
    expect(failure(() => planPgRestore(ODD, select({ tables: ['x.y'] })))).toMatchObject({ name: 'ValidationError' });
  });
});

// ------------------------------------------------------------------------------------------ properties

const SCHEMAS = ['public', 'a', 'b'];
const ATTACHED = [
  'TABLE DATA',
  'SEQUENCE SET',
  'CONSTRAINT',
  'FK CONSTRAINT',
  'INDEX',
  'TRIGGER',
  'DEFAULT',
  'COMMENT',
];
const STANDALONE = ['TYPE', 'FUNCTION', 'SEQUENCE', 'TABLE', 'TABLE', 'VIEW', 'MATERIALIZED VIEW'];

/**
 * Archives as pg_dump shapes them: every object in a schema, dependencies only on earlier entries (a DAG),
 * attached entries hanging on at least one entry; plus schema entries, session entries, an extension and the
 * DATABASE entry with a comment on it.
 */
const archive = fc
  .array(
    fc.record({
      desc: fc.constantFrom(...STANDALONE, ...ATTACHED),
      namespace: fc.constantFrom(...SCHEMAS),
      deps: fc.uniqueArray(fc.nat(200), { maxLength: 4 }),
    }),
    { minLength: 1, maxLength: 40 },
  )
  .map((generated) => {
    const fixed: PgTocEntry[] = [
      { id: 1, desc: 'ENCODING', namespace: undefined, tag: 'ENCODING', owner: '', deps: [] },
      { id: 2, desc: 'DATABASE', namespace: undefined, tag: 'db', owner: 'o', deps: [] },
      { id: 3, desc: 'COMMENT', namespace: undefined, tag: 'DATABASE db', owner: 'o', deps: [2] },
      { id: 4, desc: 'SCHEMA', namespace: undefined, tag: 'a', owner: 'o', deps: [] },
      { id: 5, desc: 'EXTENSION', namespace: undefined, tag: 'citext', owner: '', deps: [] },
    ];
    const entries = [...fixed];
    generated.forEach((g, index) => {
      const id = 10 + index;
      const earlier = entries.filter((e) => e.id >= 4).map((e) => e.id);
      let deps = g.deps.map((n) => earlier[n % earlier.length] as number);
      if (ATTACHED.includes(g.desc) && deps.length === 0) deps = [earlier[g.deps.length % earlier.length] as number];
      if (g.namespace === 'a') deps.push(4);
      entries.push({ id, desc: g.desc, namespace: g.namespace, tag: `t${id}`, owner: 'o', deps: [...new Set(deps)] });
    });
    return entries;
  });

function plan(entries: readonly PgTocEntry[], selection: RestoreSelection) {
  try {
    return planPgRestore(entries, selection);
  } catch {
    return undefined;
  }
}

const relationNames = (entries: readonly PgTocEntry[]) =>
  entries.filter((e) => ['TABLE', 'VIEW', 'MATERIALIZED VIEW'].includes(e.desc)).map((e) => `${e.namespace}.${e.tag}`);

/** Schemas the archive holds: `a` always has its SCHEMA entry; the others exist when something lives in them. */
const presentSchemas = (entries: readonly PgTocEntry[]) =>
  SCHEMAS.filter((s) => s === 'a' || entries.some((e) => e.namespace === s));

const selectionOf = (entries: readonly PgTocEntry[]) =>
  fc.record({
    tables: fc.subarray(relationNames(entries)),
    schemas: fc.subarray(presentSchemas(entries)),
  });

describe('planPgRestore properties', () => {
  it('is closed under dependencies: everything a planned entry needs is planned', () => {
    fc.assert(
      fc.property(
        archive.chain((entries) => fc.tuple(fc.constant(entries), selectionOf(entries))),
        ([entries, selection]) => {
          // Act
          const result = plan(entries, selection);

          // Assess
          const ids = new Set(result?.entryIds ?? []);
          for (const entry of entries.filter((e) => ids.has(e.id))) {
            expect(entry.deps.filter((dep) => !ids.has(dep))).toEqual([]);
          }
          expect([...ids].some((id) => entries.find((e) => e.id === id)?.desc === 'DATABASE')).toBe(false);
        },
      ),
    );
  });

  it('is deterministic and ignores the order and repetition of names', () => {
    fc.assert(
      fc.property(
        archive.chain((entries) => fc.tuple(fc.constant(entries), selectionOf(entries))),
        ([entries, selection]) => {
          // Act
          const first = plan(entries, selection);
          const shuffled = plan(entries, {
            tables: [...selection.tables].reverse().concat(selection.tables),
            schemas: [...selection.schemas].reverse().concat(selection.schemas),
          });

          // Assess
          expect(shuffled).toEqual(first);
        },
      ),
    );
  });

  it('restores the rows of every named table whenever it accepts the selection', () => {
    fc.assert(
      fc.property(
        archive.chain((entries) => fc.tuple(fc.constant(entries), selectionOf(entries))),
        ([entries, selection]) => {
          // Act
          const result = plan(entries, selection);

          // Assess
          const named = new Set(selection.tables);
          const withData = entries.filter(
            (e) => e.desc === 'TABLE DATA' && e.deps.length === 1 && named.has(`${e.namespace}.${e.tag}`),
          );
          for (const data of withData) expect(result?.entryIds ?? [data.id]).toContain(data.id);
        },
      ),
    );
  });

  it('restores every restorable entry when every schema is selected', () => {
    fc.assert(
      fc.property(archive, (entries) => {
        // Prepare: DATABASE-level entries are never restorable; nothing else here depends on them.
        const schemas = presentSchemas(entries);

        // Act
        const result = planPgRestore(entries, { tables: [], schemas });

        // Assess
        const restorable = entries.filter((e) => e.desc !== 'DATABASE' && !e.deps.includes(2)).map((e) => e.id);
        expect(result.entryIds).toEqual(restorable);
      }),
    );
  });
});
