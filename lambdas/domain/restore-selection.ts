import { type FieldIssue, ValidationError } from './errors';
import type { RestoreSelection } from './restore';
import type { PgTocEntry } from './restore-pg-toc';

/**
 * Which entries of a PostgreSQL archive a table/schema subset restores.
 *
 * Names. `tables` holds relations (tables, views, materialized views, foreign tables) as they are in the
 * database, unquoted: `schema.table`, or a bare `table` meaning "the one relation of that name in any schema".
 * A bare name found in several schemas is refused as ambiguous; a qualified match wins over a bare one (so
 * `a.b` is schema a, table b, even if some schema has a table named "a.b" — write that one `public.a.b`).
 * `schemas` names whole schemas. Names that match nothing are refused, all of them in one ValidationError.
 * pg_restore prints line breaks in names as spaces, so names are compared that way too.
 *
 * What is restored:
 * 1. Seeds: the named relations, the partitions of named partitioned tables, every entry of a named schema (and
 *    the schema itself), the session settings (ENCODING, STDSTRINGS, SEARCHPATH) and every EXTENSION (database-
 *    wide prerequisites: a column of type citext does not always list the extension as a dependency).
 * 2. Prerequisites are pulled in transitively: schemas, types, domains, functions, standalone sequences, … — any
 *    definition an included entry depends on. Relations are pulled only by tables (a partition needs its
 *    parent); a view never drags in the tables under it.
 * 3. Entries that belong to included objects follow them: table data, sequence values, defaults, indexes,
 *    constraints, triggers, partition attachments, comments, ACLs, owned and identity sequences — included when
 *    everything they hang on is included (their own prerequisites, e.g. a trigger's function, are pulled in).
 * 4. Anything that still depends on an entry outside the result is left out, transitively: a foreign key to an
 *    unselected table, a view over unselected tables. If that removes a relation that was named explicitly,
 *    the selection is refused with the missing dependency, rather than restoring something else than asked.
 * Never restored: DATABASE and DATABASE PROPERTIES (the target is a database Strongbox created) and what depends
 * on them; objects outside schemas (large objects, event triggers, publications, …) unless something needs them.
 */
export interface PgRestorePlan {
  /** Entry ids to restore, in archive order (write them with formatPgRestoreList). */
  readonly entryIds: readonly number[];
  /** `schema.table` of every table whose rows are restored (its TABLE DATA entry is included). */
  readonly tables: readonly string[];
}

const RELATIONS = new Set(['TABLE', 'VIEW', 'MATERIALIZED VIEW', 'FOREIGN TABLE']);
const SESSION = new Set(['ENCODING', 'STDSTRINGS', 'SEARCHPATH']);
const NEVER = new Set(['DATABASE', 'DATABASE PROPERTIES']);
const DEFINITIONS = new Set([
  'ACCESS METHOD',
  'AGGREGATE',
  'BLOB',
  'CAST',
  'COLLATION',
  'CONVERSION',
  'DOMAIN',
  'EVENT TRIGGER',
  'EXTENSION',
  'FOREIGN DATA WRAPPER',
  'FUNCTION',
  'OPERATOR',
  'OPERATOR CLASS',
  'OPERATOR FAMILY',
  'PROCEDURAL LANGUAGE',
  'PROCEDURE',
  'PUBLICATION',
  'SCHEMA',
  'SEQUENCE',
  'SERVER',
  'SHELL TYPE',
  'SUBSCRIPTION',
  'TEXT SEARCH CONFIGURATION',
  'TEXT SEARCH DICTIONARY',
  'TEXT SEARCH PARSER',
  'TEXT SEARCH TEMPLATE',
  'TRANSFORM',
  'TYPE',
  'USER MAPPING',
]);

type Role = 'relation' | 'session' | 'never' | 'definition' | 'attached';

/** A name as pg_restore prints it. */
function printable(name: string): string {
  return name.replace(/[\r\n]/g, ' ');
}

function qualified(entry: PgTocEntry): string {
  return entry.namespace === undefined ? entry.tag : `${entry.namespace}.${entry.tag}`;
}

function describe(entry: PgTocEntry): string {
  return `${entry.desc} ${qualified(entry)}`;
}

class Toc {
  readonly byId = new Map<number, PgTocEntry>();
  readonly roles = new Map<number, Role>();
  /** Dependencies restricted to ids present in the listing (others are not restored by pg_restore either). */
  readonly deps = new Map<number, readonly number[]>();

  constructor(readonly entries: readonly PgTocEntry[]) {
    for (const entry of entries) this.byId.set(entry.id, entry);
    for (const entry of entries) {
      this.deps.set(
        entry.id,
        [...new Set(entry.deps)].filter((id) => id !== entry.id && this.byId.has(id)),
      );
    }
    for (const entry of entries) this.roles.set(entry.id, this.roleOf(entry));
  }

  private roleOf(entry: PgTocEntry): Role {
    if (RELATIONS.has(entry.desc)) return 'relation';
    if (SESSION.has(entry.desc)) return 'session';
    if (NEVER.has(entry.desc)) return 'never';
    // Serial and identity sequences depend on their table: they come and go with it.
    const onRelation = this.depsOf(entry.id).some((id) => RELATIONS.has(this.byId.get(id)?.desc ?? ''));
    if (entry.desc === 'SEQUENCE' && onRelation) return 'attached';
    // Unknown kinds are treated as attached: restored only when everything they need is.
    return DEFINITIONS.has(entry.desc) ? 'definition' : 'attached';
  }

  role(id: number): Role {
    return this.roles.get(id) ?? 'attached';
  }

  depsOf(id: number): readonly number[] {
    return this.deps.get(id) ?? [];
  }
}

interface Seeds {
  readonly ids: Set<number>;
  /** Explicitly named relations → index in `tables`, for error reporting. */
  readonly named: Map<number, number>;
}

function resolveNames(toc: Toc, selection: RestoreSelection): Seeds {
  const issues: FieldIssue[] = [];
  const ids = new Set<number>();
  const named = new Map<number, number>();
  const relations = toc.entries.filter((entry) => RELATIONS.has(entry.desc));

  selection.tables.forEach((asked, index) => {
    const name = printable(asked);
    const exact = relations.filter((entry) => entry.namespace !== undefined && qualified(entry) === name);
    const matches = exact.length > 0 ? exact : relations.filter((entry) => entry.tag === name);
    if (matches.length === 1 && matches[0] !== undefined) {
      ids.add(matches[0].id);
      named.set(matches[0].id, index);
    } else if (matches.length === 0) {
      issues.push({ path: `tables[${index}]`, message: `no table or view named "${asked}" in the backup` });
    } else {
      const candidates = matches.map(qualified).sort().join(', ');
      issues.push({
        path: `tables[${index}]`,
        message: `"${asked}" is ambiguous: it matches ${candidates}; qualify it with its schema`,
      });
    }
  });

  selection.schemas.forEach((asked, index) => {
    const schema = printable(asked);
    const members = toc.entries.filter(
      (entry) => entry.namespace === schema || (entry.desc === 'SCHEMA' && entry.tag === schema),
    );
    if (members.length === 0) {
      issues.push({ path: `schemas[${index}]`, message: `no schema named "${asked}" in the backup` });
    }
    for (const entry of members) ids.add(entry.id);
  });

  if (issues.length > 0) {
    throw new ValidationError(
      `some names in the selection match nothing, or more than one object, in the backup`,
      issues,
    );
  }
  return { ids, named };
}

/** Whether `from`, once included, brings `dep` along. */
function pulls(toc: Toc, from: number, dep: number): boolean {
  const role = toc.role(dep);
  if (role === 'definition') return true;
  return role === 'relation' && toc.byId.get(from)?.desc === 'TABLE';
}

function addWithPrerequisites(toc: Toc, set: Set<number>, start: Iterable<number>): void {
  const stack = [...start];
  while (stack.length > 0) {
    const id = stack.pop() as number;
    if (set.has(id) || toc.role(id) === 'never') continue;
    set.add(id);
    for (const dep of toc.depsOf(id)) if (!set.has(dep) && pulls(toc, id, dep)) stack.push(dep);
  }
}

/**
 * Partitions of selected partitioned tables, recursively: the child of every TABLE ATTACH whose parent is
 * selected. A parent that is only pulled in (because one of its partitions was named) brings no siblings.
 */
function partitionsOf(toc: Toc, selected: ReadonlySet<number>): Set<number> {
  const expanded = new Set(selected);
  const attachments = toc.entries
    .filter((entry) => entry.desc === 'TABLE ATTACH')
    .map((entry) => toc.depsOf(entry.id).filter((id) => toc.byId.get(id)?.desc === 'TABLE'));
  let changed = true;
  while (changed) {
    changed = false;
    for (const tables of attachments) {
      for (const child of tables) {
        const parent = tables.find((other) => other !== child && toc.depsOf(child).includes(other));
        if (parent !== undefined && expanded.has(parent) && !expanded.has(child)) {
          expanded.add(child);
          changed = true;
        }
      }
    }
  }
  return expanded;
}

/** Attached entries whose anchors (the relations/attached entries they hang on) are all included. */
function attach(toc: Toc, set: Set<number>): boolean {
  let changed = false;
  for (const entry of toc.entries) {
    if (set.has(entry.id) || toc.role(entry.id) !== 'attached') continue;
    const deps = toc.depsOf(entry.id);
    const anchors = deps.filter((id) => {
      const role = toc.role(id);
      return role === 'relation' || role === 'attached';
    });
    const attachable =
      anchors.length > 0 ? anchors.every((id) => set.has(id)) : deps.length > 0 && deps.every((id) => set.has(id));
    if (attachable) {
      addWithPrerequisites(toc, set, [entry.id]);
      changed = true;
    }
  }
  return changed;
}

/** Removes entries that depend on something outside the set; returns why each was removed (its missing dep). */
function prune(toc: Toc, set: Set<number>): Map<number, number> {
  const removedBecause = new Map<number, number>();
  let changed = true;
  while (changed) {
    changed = false;
    for (const id of [...set]) {
      if (toc.role(id) === 'session') continue;
      const missing = toc.depsOf(id).find((dep) => !set.has(dep));
      if (missing !== undefined) {
        set.delete(id);
        removedBecause.set(id, missing);
        changed = true;
      }
    }
  }
  return removedBecause;
}

function rootCause(removedBecause: ReadonlyMap<number, number>, id: number): number {
  let current = id;
  const seen = new Set<number>();
  while (removedBecause.has(current) && !seen.has(current)) {
    seen.add(current);
    current = removedBecause.get(current) as number;
  }
  return current;
}

export function planPgRestore(entries: readonly PgTocEntry[], selection: RestoreSelection): PgRestorePlan {
  if (selection.tables.length === 0 && selection.schemas.length === 0) {
    throw new ValidationError('a subset restore needs at least one table or schema', [
      { path: 'tables', message: 'name at least one table or schema' },
    ]);
  }
  const toc = new Toc(entries);
  const seeds = resolveNames(toc, selection);
  const set = new Set<number>();
  const always = entries.filter((entry) => SESSION.has(entry.desc) || entry.desc === 'EXTENSION').map((e) => e.id);
  addWithPrerequisites(toc, set, [...partitionsOf(toc, seeds.ids), ...always]);
  while (attach(toc, set)) {
    // repeat: an attached entry can anchor another (a default on an owned sequence, an index attachment)
  }
  const removedBecause = prune(toc, set);

  const issues: FieldIssue[] = [];
  for (const [id, index] of seeds.named) {
    if (set.has(id)) continue;
    const entry = toc.byId.get(id) as PgTocEntry;
    const cause = toc.byId.get(rootCause(removedBecause, id));
    issues.push({
      path: `tables[${index}]`,
      message: `${qualified(entry)} depends on ${cause ? describe(cause) : 'an entry'}, which is not selected; add it to the selection`,
    });
  }
  if (issues.length > 0) {
    throw new ValidationError('the selection cannot be restored on its own', issues);
  }

  const included = entries.filter((entry) => set.has(entry.id));
  return {
    entryIds: included.map((entry) => entry.id),
    tables: included.filter((entry) => entry.desc === 'TABLE DATA').map(qualified),
  };
}
