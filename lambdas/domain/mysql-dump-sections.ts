/**
 * Sections of a `mariadb-dump`/`mysqldump` SQL dump, recognised line by line from the comment markers the tools
 * write (verified on MariaDB 10.11; MySQL 8 spells the view placeholder "Temporary view structure"):
 *
 *   (header: SET statements saving the session)         always kept
 *   -- Table structure for table `t`                    table t: DROP/CREATE TABLE
 *   -- Dumping data for table `t`                       table t: rows, then the table's triggers (no marker)
 *   -- Sequence structure for `s`                       MariaDB sequence s (selected like a table)
 *   -- Temporary table structure for view `v`           view v: placeholder so other views can refer to it
 *   -- Dumping events for database 'd'                  every event
 *   -- Dumping routines for database 'd'                every procedure and function
 *   -- Final view structure for view `v`                view v: the real CREATE VIEW
 *   /*!40103 SET TIME_ZONE=@OLD_TIME_ZONE *\/;          footer: restores the session, always kept
 *
 * Identifiers are backtick-quoted with backticks doubled; a newline in a name continues the marker on a
 * `-- ` line, which is handled. Markers are only recognised between statements with the default delimiter,
 * so text inside trigger and routine bodies (`DELIMITER ;;`) is never mistaken for one.
 *
 * What a table subset keeps: the header and footer; the selected tables' structure, rows and triggers; views and
 * sequences only when named; all routines (they are inert until called, and selected triggers may call them);
 * no events (a scheduled job would start running against a partial copy). Foreign keys to tables that are not
 * restored are removed from the CREATE TABLE, as pg_restore leaves out such constraints.
 */
export type DumpSection =
  | { readonly kind: 'header' }
  | { readonly kind: 'table'; readonly name: string }
  | { readonly kind: 'view'; readonly name: string }
  | { readonly kind: 'events' }
  | { readonly kind: 'routines' }
  | { readonly kind: 'footer' };

const IDENT = '`((?:[^`]|``)*)`';
const NAMED_MARKERS: readonly [RegExp, 'table' | 'view'][] = [
  [new RegExp(`^-- Table structure for table ${IDENT}$`, 's'), 'table'],
  [new RegExp(`^-- Dumping data for table ${IDENT}$`, 's'), 'table'],
  [new RegExp(`^-- Sequence structure for ${IDENT}$`, 's'), 'table'],
  [new RegExp(`^-- Temporary (?:table|view) structure for view ${IDENT}$`, 's'), 'view'],
  [new RegExp(`^-- Final view structure for view ${IDENT}$`, 's'), 'view'],
];
const NAMED_PREFIX =
  /^-- (?:Table structure for table|Dumping data for table|Sequence structure for|Temporary (?:table|view) structure for view|Final view structure for view) `/;
const EVENTS_MARKER = /^-- Dumping events for database '.*'$/;
const ROUTINES_MARKER = /^-- Dumping routines for database '.*'$/;
const FOOTER_LINE = /^\/\*!\d+ SET \w+ ?= ?@OLD_\w+ \*\/;$/;
const DELIMITER_LINE = /^DELIMITER (\S+)\s*$/;

export function unquoteIdentifier(quoted: string): string {
  return quoted.replace(/``/g, '`');
}

/** The section a marker line starts; undefined when the line is not a marker; 'incomplete' when it continues. */
export function parseMarker(line: string): DumpSection | 'incomplete' | undefined {
  for (const [pattern, kind] of NAMED_MARKERS) {
    const match = pattern.exec(line);
    if (match) return { kind, name: unquoteIdentifier(match[1] ?? '') };
  }
  if (NAMED_PREFIX.test(line)) return 'incomplete';
  if (EVENTS_MARKER.test(line)) return { kind: 'events' };
  if (ROUTINES_MARKER.test(line)) return { kind: 'routines' };
  return undefined;
}

const DEFINER = `DEFINER=(?:${IDENT}(?:@${IDENT})?|CURRENT_USER(?:\\(\\))?)`;
const DEFINER_REWRITES: readonly [RegExp, string][] = [
  [new RegExp(`^(/\\*!50003 CREATE\\*/ )/\\*!50017 ${DEFINER}\\s*\\*/ ?`), '$1'], // trigger
  [new RegExp(`^(/\\*!50106 CREATE\\*/ )/\\*!50117 ${DEFINER}\\s*\\*/ ?`), '$1'], // event
  [new RegExp(`^CREATE ${DEFINER} `), 'CREATE '], // procedure, function
];
const VIEW_DEFINER = new RegExp(`^/\\*!50013 ${DEFINER} `);

/** Removes the DEFINER clause of a trigger, event or routine statement's first line. */
export function stripStatementDefiner(line: string): string {
  for (const [pattern, replacement] of DEFINER_REWRITES) {
    if (pattern.test(line)) return line.replace(pattern, replacement);
  }
  return line;
}

const FOREIGN_KEY = new RegExp(`^\\s*CONSTRAINT ${IDENT} FOREIGN KEY \\(.*\\) REFERENCES ${IDENT}(\\.${IDENT})? \\(`);

/** The table a CREATE TABLE definition line references by foreign key, when it is in the same database. */
export function foreignKeyTarget(line: string): string | undefined {
  const match = FOREIGN_KEY.exec(line);
  if (match === null || match[3] !== undefined) return undefined;
  return unquoteIdentifier(match[2] ?? '');
}

export interface MysqlDumpFilterOptions {
  /** Tables, views and sequences to keep; undefined keeps everything (a full restore). */
  readonly tables?: readonly string[];
  /** Remove DEFINER clauses, so objects belong to the restoring user (as pg_restore --no-owner does). */
  readonly stripDefiners: boolean;
}

/** A line-by-line filter over a dump. Feed lines without their newline; write out what each call returns. */
export class MysqlDumpFilter {
  private section: DumpSection = { kind: 'header' };
  private delimiter = ';';
  private statementStart = true;
  private pendingMarker: string[] | undefined;
  private heldTable: string[] | undefined;
  private readonly selected: ReadonlySet<string> | undefined;
  private readonly seen = new Set<string>();

  constructor(private readonly options: MysqlDumpFilterOptions) {
    this.selected = options.tables === undefined ? undefined : new Set(options.tables);
  }

  get current(): DumpSection {
    return this.section;
  }

  /**
   * How to route a row line (one that starts with `(` or `INSERT INTO `) without decoding it: rows are never
   * rewritten and never change the filter's state, except inside a held CREATE TABLE, a pending marker or a
   * routine body, where the line must be fed like any other ('inspect').
   */
  rowRoute(): 'keep' | 'drop' | 'inspect' {
    if (this.heldTable !== undefined || this.pendingMarker !== undefined || this.delimiter !== ';') return 'inspect';
    return this.keeps(this.section) ? 'keep' : 'drop';
  }

  feed(line: string): string[] {
    if (this.pendingMarker !== undefined) return this.continueMarker(line);
    if (this.heldTable !== undefined) return this.holdTableLine(line);
    if (this.delimiter === ';' && this.section.kind !== 'footer') {
      const marker = parseMarker(line);
      if (marker === 'incomplete') {
        this.pendingMarker = [line];
        return [];
      }
      if (marker !== undefined) return this.enter(marker, [line]);
      if (FOOTER_LINE.test(line)) return this.enter({ kind: 'footer' }, [line]);
    }
    return this.plain(line);
  }

  /** Lines still held at the end of the input (an unterminated marker or CREATE TABLE). */
  finish(): string[] {
    const held = [...(this.pendingMarker ?? []), ...(this.heldTable ?? [])];
    this.pendingMarker = undefined;
    this.heldTable = undefined;
    return this.keeps(this.section) ? held : [];
  }

  /** Selected names that no section of the dump carried (only meaningful once the whole dump was fed). */
  missing(): string[] {
    return [...(this.selected ?? [])].filter((name) => !this.seen.has(name));
  }

  private keeps(section: DumpSection): boolean {
    if (this.selected === undefined) return true;
    switch (section.kind) {
      case 'header':
      case 'footer':
      case 'routines':
        return true;
      case 'events':
        return false;
      default:
        return this.selected.has(section.name);
    }
  }

  private enter(section: DumpSection, lines: string[]): string[] {
    this.section = section;
    if (section.kind === 'table' || section.kind === 'view') this.seen.add(section.name);
    this.statementStart = true;
    return this.keeps(section) ? lines : [];
  }

  private continueMarker(line: string): string[] {
    const pending = this.pendingMarker ?? [];
    if (!line.startsWith('-- ')) {
      // Not a marker after all: the held lines are ordinary comment lines of the current section.
      this.pendingMarker = undefined;
      return [...pending.flatMap((held) => this.plain(held)), ...this.feed(line)];
    }
    pending.push(line);
    const joined = [pending[0] as string, ...pending.slice(1).map((part) => part.slice(3))].join('\n');
    const marker = parseMarker(joined);
    if (marker === 'incomplete') return [];
    this.pendingMarker = undefined;
    return marker === undefined ? pending.flatMap((held) => this.plain(held)) : this.enter(marker, pending);
  }

  private plain(line: string): string[] {
    const delimiter = DELIMITER_LINE.exec(line);
    if (delimiter) {
      this.delimiter = delimiter[1] ?? ';';
      this.statementStart = true;
      return this.keeps(this.section) ? [line] : [];
    }
    let out = line;
    if (this.options.stripDefiners) {
      if (this.statementStart) out = stripStatementDefiner(out);
      if (this.section.kind === 'view') out = out.replace(VIEW_DEFINER, '/*!50013 ');
    }
    if (line.trim() !== '') this.statementStart = line.trimEnd().endsWith(this.delimiter);
    if (!this.keeps(this.section)) return [];
    if (this.selected !== undefined && this.section.kind === 'table' && /^CREATE TABLE /.test(line)) {
      this.heldTable = [out];
      return [];
    }
    return [out];
  }

  /** Holds a CREATE TABLE until its closing line, then drops foreign keys to tables outside the selection. */
  private holdTableLine(line: string): string[] {
    const held = this.heldTable ?? [];
    if (!line.startsWith(')')) {
      held.push(line);
      return [];
    }
    this.heldTable = undefined;
    this.statementStart = line.trimEnd().endsWith(';');
    const [create, ...definitions] = held;
    const kept = definitions.filter((definition) => {
      const target = foreignKeyTarget(definition);
      return target === undefined || this.selected === undefined || this.selected.has(target);
    });
    const last = kept.length - 1;
    const fixed = kept.map((definition, index) => (index === last ? definition.replace(/,\s*$/, '') : definition));
    return [create as string, ...fixed, line];
  }
}
