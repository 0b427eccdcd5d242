import { RestoreFailedError } from './errors';

/**
 * The table of contents of a PostgreSQL custom-format archive, as `pg_restore -l --verbose` prints it:
 *
 *   232; 1259 16662 TABLE billing invoices strongbox
 *   ;	depends on: 949 229 8
 *
 * pg_restore prints names unquoted and separated by single spaces (`id; catalog-oid oid DESC namespace tag owner`,
 * namespace `-` when the object lives outside a schema, owner empty for some entries). That is ambiguous when
 * names contain spaces, so the parser resolves it with what the listing itself tells: DESC is matched against
 * the kinds pg_dump writes (longest first), the namespace against the schemas the archive creates (when two
 * schemas fit, e.g. "my" and "my schema", the one the entry's dependencies live in wins), and the owner is the
 * last word. Known limits: role names with spaces are split wrongly; newlines in names print as spaces (the
 * selection matches names the same way, see restore-selection.ts).
 */
export interface PgTocEntry {
  readonly id: number;
  readonly desc: string;
  /** Schema of the object; undefined for objects outside any schema (printed as `-`). */
  readonly namespace: string | undefined;
  readonly tag: string;
  readonly owner: string;
  /** Dump ids this entry depends on, as listed (may name ids absent from the listing). */
  readonly deps: readonly number[];
}

/** Entry kinds pg_dump writes (PostgreSQL 12–18). Multi-word kinds must be matched before their prefixes. */
export const PG_TOC_DESCS: readonly string[] = [
  'ACCESS METHOD',
  'ACL',
  'AGGREGATE',
  'BLOB',
  'BLOB METADATA',
  'BLOBS',
  'CAST',
  'CHECK CONSTRAINT',
  'COLLATION',
  'COMMENT',
  'CONSTRAINT',
  'CONVERSION',
  'DATABASE',
  'DATABASE PROPERTIES',
  'DEFAULT',
  'DEFAULT ACL',
  'DOMAIN',
  'ENCODING',
  'EVENT TRIGGER',
  'EXTENSION',
  'FK CONSTRAINT',
  'FOREIGN DATA WRAPPER',
  'FOREIGN TABLE',
  'FUNCTION',
  'INDEX',
  'INDEX ATTACH',
  'LARGE OBJECT',
  'MATERIALIZED VIEW',
  'MATERIALIZED VIEW DATA',
  'OPERATOR',
  'OPERATOR CLASS',
  'OPERATOR FAMILY',
  'POLICY',
  'PROCEDURAL LANGUAGE',
  'PROCEDURE',
  'PUBLICATION',
  'PUBLICATION TABLE',
  'PUBLICATION TABLES IN SCHEMA',
  'ROW SECURITY',
  'RULE',
  'SCHEMA',
  'SEARCHPATH',
  'SECURITY LABEL',
  'SEQUENCE',
  'SEQUENCE OWNED BY',
  'SEQUENCE SET',
  'SERVER',
  'SHELL TYPE',
  'STATISTICS',
  'STATISTICS DATA',
  'STDSTRINGS',
  'SUBSCRIPTION',
  'SUBSCRIPTION TABLE',
  'TABLE',
  'TABLE ATTACH',
  'TABLE DATA',
  'TEXT SEARCH CONFIGURATION',
  'TEXT SEARCH DICTIONARY',
  'TEXT SEARCH PARSER',
  'TEXT SEARCH TEMPLATE',
  'TRANSFORM',
  'TRIGGER',
  'TYPE',
  'USER MAPPING',
  'VIEW',
];

const DESCS_LONGEST_FIRST = [...PG_TOC_DESCS].sort((a, b) => b.length - a.length);
const ENTRY_LINE = /^(\d+); (\d+) (\d+) (.*)$/s;
const DEPENDS_LINE = /^;\s*depends on:(.*)$/;

interface RawEntry {
  readonly id: number;
  readonly desc: string;
  readonly rest: string;
  readonly deps: number[];
}

function splitDesc(text: string, line: string): { desc: string; rest: string } {
  for (const desc of DESCS_LONGEST_FIRST) {
    if (text.startsWith(`${desc} `)) return { desc, rest: text.slice(desc.length + 1) };
  }
  // A kind this parser does not know (a newer pg_dump): its leading upper-case words.
  const match = /^([A-Z]+(?: [A-Z]+)*) (.*)$/s.exec(text);
  if (match?.[1] === undefined || match[2] === undefined) {
    throw new RestoreFailedError(`unexpected line in the archive's table of contents: ${line.slice(0, 200)}`);
  }
  return { desc: match[1], rest: match[2] };
}

/** Splits `tag owner` at the last space: the owner is the last word (possibly empty). */
function splitOwner(text: string): { tag: string; owner: string } {
  const space = text.lastIndexOf(' ');
  return space < 0 ? { tag: text, owner: '' } : { tag: text.slice(0, space), owner: text.slice(space + 1) };
}

/** Schemas `rest` can start with, longest first: more than one means the printed line is ambiguous. */
function namespaceCandidates(rest: string, schemasLongestFirst: readonly string[]): string[] {
  const candidates = schemasLongestFirst.filter((schema) => rest.startsWith(`${schema} `));
  if (candidates.length > 0) return candidates;
  const space = rest.indexOf(' ');
  return [space < 0 ? rest : rest.slice(0, space)];
}

/** Parses the output of `pg_restore -l --verbose` (without --verbose, dependencies are empty). */
export function parsePgRestoreListing(text: string): PgTocEntry[] {
  const raw: RawEntry[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.replace(/\r$/, '');
    if (trimmed === '') continue;
    const depends = DEPENDS_LINE.exec(trimmed);
    if (depends) {
      const last = raw[raw.length - 1];
      if (last === undefined) throw new RestoreFailedError('dependency line before any table of contents entry');
      for (const word of (depends[1] ?? '').trim().split(/\s+/)) {
        if (/^\d+$/.test(word)) last.deps.push(Number(word));
      }
      continue;
    }
    if (trimmed.startsWith(';')) continue;
    const entry = ENTRY_LINE.exec(trimmed);
    if (entry === null) {
      throw new RestoreFailedError(`unexpected line in the archive's table of contents: ${trimmed.slice(0, 200)}`);
    }
    raw.push({ id: Number(entry[1]), ...splitDesc(entry[4] ?? '', trimmed), deps: [] });
  }

  const schemas = new Set<string>(['public']);
  for (const entry of raw) {
    if (entry.desc === 'SCHEMA' && entry.rest.startsWith('- ')) schemas.add(splitOwner(entry.rest.slice(2)).tag);
  }
  const schemasLongestFirst = [...schemas].sort((a, b) => b.length - a.length);

  // "my schema my table" is table "my table" in schema "my schema", or table "schema my table" in schema "my".
  // An entry's dependencies tell: objects depend on their schema, data and constraints on their table.
  const namespaces = new Map<number, string | undefined>();
  const candidates = new Map<number, string[]>();
  for (const entry of raw) {
    if (entry.rest.startsWith('- ')) namespaces.set(entry.id, undefined);
    else candidates.set(entry.id, namespaceCandidates(entry.rest, schemasLongestFirst));
  }
  const byId = new Map(raw.map((entry) => [entry.id, entry]));
  const namespaceOf = (id: number): string | undefined => {
    const entry = byId.get(id);
    if (entry?.desc === 'SCHEMA') return splitOwner(entry.rest.slice(2)).tag;
    return namespaces.get(id) ?? candidates.get(id)?.[0];
  };
  // Objects in a dumped schema depend on its SCHEMA entry; objects in `public` (not dumped) on none.
  const dumpedSchemas = new Set(raw.filter((e) => e.desc === 'SCHEMA').map((e) => namespaceOf(e.id)));
  for (let pass = 0; pass < 2; pass++) {
    for (const entry of raw) {
      const options = candidates.get(entry.id);
      if (options === undefined) continue;
      const supports = (schema: string, dep: number) => namespaceOf(dep) === schema;
      const ownSchema = options.find((schema) =>
        entry.deps.some((dep) => byId.get(dep)?.desc === 'SCHEMA' && supports(schema, dep)),
      );
      const hinted = options.find((schema) => entry.deps.some((dep) => supports(schema, dep)));
      const undumped = options.find((schema) => !dumpedSchemas.has(schema));
      namespaces.set(entry.id, ownSchema ?? hinted ?? undumped ?? options[0]);
    }
  }

  return raw.map((entry) => {
    const namespace = namespaces.get(entry.id);
    const remainder = namespace === undefined ? entry.rest.slice(2) : entry.rest.slice(namespace.length + 1);
    const { tag, owner } = splitOwner(remainder);
    return { id: entry.id, desc: entry.desc, namespace, tag, owner, deps: entry.deps };
  });
}

/**
 * A list file for `pg_restore -L`. pg_restore restores listed entries in the order of the file, so the ids are
 * written in the archive's own order (the order of `entries`), whatever order `ids` has.
 */
export function formatPgRestoreList(entries: readonly PgTocEntry[], ids: Iterable<number>): string {
  const wanted = new Set(ids);
  const lines = entries.filter((entry) => wanted.has(entry.id)).map((entry) => `${entry.id}; ${entry.desc}`);
  return `${lines.join('\n')}\n`;
}
