/**
 * Counts the rows mariadb-dump/mysqldump writes for each table, AS THE DUMP STREAMS, so the manifest's row counts
 * describe the dump itself (the dump's snapshot is not visible to any other session).
 *
 * What it relies on, in the output of the options Strongbox passes (extended inserts, add-locks on):
 * - a table's data sits between `LOCK TABLES `t` WRITE;` and `UNLOCK TABLES;`, each on a line of its own; the
 *   sections contain only the data's INSERT statements and ALTER TABLE … KEYS comments (triggers and routines,
 *   whose bodies may contain INSERTs, come after UNLOCK TABLES and are never counted);
 * - each INSERT starts a line with `INSERT INTO `t` VALUES` and ends with `;`: on one line (MySQL's mysqldump,
 *   older MariaDB) or with one row per line (mariadb-dump 10.11). The client escapes quotes and backslashes in
 *   string literals (mysql_real_escape_string) and binary columns are hex (--hex-blob), so a row is a
 *   parenthesis at depth 0 outside a string literal, and the statement ends at the first `;` outside one.
 * Any other statement shape inside a data section leaves that table's count unknown rather than wrong.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { DumpFailedError } from '../../domain/errors';

const NEWLINE = 10;
const SEMICOLON = 59;
const QUOTE = 39; // '
const BACKSLASH = 92;
const OPEN = 40;
const CLOSE = 41;
const PREFIX_MAX = 1024;
const INSERT_PREFIX = 'INSERT INTO `';
const LOCK_LINE = /^LOCK TABLES `((?:[^`]|``)+)` WRITE;$/;

function unquote(name: string): string {
  return name.replace(/``/g, '`');
}

export class MysqlDumpScanner {
  private readonly counts = new Map<string, number | undefined>();
  private section: string | undefined;
  /** `INSERT INTO `<section>` VALUES`, the start of a statement whose rows are counted. */
  private insertStart: Buffer | undefined;
  private mode: 'prefix' | 'skip' | 'values' = 'prefix';
  private readonly prefix = Buffer.alloc(PREFIX_MAX);
  private prefixLength = 0;
  // While counting the rows of one INSERT line:
  private inString = false;
  private escaped = false;
  private depth = 0;
  private tuples = 0;

  push(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.mode === 'skip') {
        const newline = chunk.indexOf(NEWLINE, i);
        if (newline === -1) return;
        i = newline + 1;
        this.startLine();
      } else if (this.mode === 'prefix') {
        i = this.readPrefix(chunk, i);
      } else {
        i = this.countValues(chunk, i);
      }
    }
  }

  /** Rows per table that had a data section, or undefined where the data was not in a countable shape. */
  end(): ReadonlyMap<string, number | undefined> {
    if (this.mode === 'values') throw new DumpFailedError('the SQL dump ended in the middle of an INSERT statement');
    // A last line without a line break still counts as a line.
    if (this.mode === 'prefix' && this.prefixLength > 0) this.classifyLine();
    return this.counts;
  }

  private startLine(): void {
    this.mode = 'prefix';
    this.prefixLength = 0;
  }

  private readPrefix(chunk: Buffer, start: number): number {
    let i = start;
    while (i < chunk.length) {
      const byte = chunk[i++] as number;
      if (byte === NEWLINE) {
        this.classifyLine();
        this.startLine();
        return i;
      }
      this.prefix[this.prefixLength++] = byte;
      if (this.prefixLength === this.insertStart?.length && this.startsInsert()) return i;
      if (this.prefixLength === PREFIX_MAX) {
        this.classifyLine();
        this.mode = 'skip';
        return i;
      }
    }
    return i;
  }

  /** True (and switches to counting) when the prefix is exactly the section's INSERT start. */
  private startsInsert(): boolean {
    const start = this.insertStart as Buffer;
    if (this.prefix.compare(start, 0, start.length, 0, this.prefixLength) !== 0) return false;
    this.mode = 'values';
    this.inString = false;
    this.escaped = false;
    this.depth = 0;
    this.tuples = 0;
    return true;
  }

  /** A whole line (or its first PREFIX_MAX bytes) that is not the start of a countable INSERT. */
  private classifyLine(): void {
    const line = this.prefix.toString('utf8', 0, this.prefixLength);
    const lock = LOCK_LINE.exec(line);
    if (lock?.[1]) {
      this.section = unquote(lock[1]);
      this.insertStart = Buffer.from(`${INSERT_PREFIX}${lock[1]}\` VALUES`);
      if (!this.counts.has(this.section)) this.counts.set(this.section, 0);
    } else if (line === 'UNLOCK TABLES;') {
      this.section = undefined;
      this.insertStart = undefined;
    } else if (this.section !== undefined && /^(INSERT|REPLACE)\b/i.test(line)) {
      this.counts.set(this.section, undefined);
    }
  }

  private countValues(chunk: Buffer, start: number): number {
    for (let i = start; i < chunk.length; i++) {
      const byte = chunk[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (byte === BACKSLASH) this.escaped = true;
        else if (byte === QUOTE) this.inString = false;
      } else if (byte === QUOTE) {
        this.inString = true;
      } else if (byte === OPEN) {
        if (this.depth === 0) this.tuples++;
        this.depth++;
      } else if (byte === CLOSE) {
        this.depth--;
      } else if (byte === SEMICOLON && this.depth === 0) {
        this.finishInsert();
        return i + 1;
      }
    }
    return chunk.length;
  }

  private finishInsert(): void {
    const table = this.section as string;
    const counted = this.counts.get(table);
    if (counted !== undefined) this.counts.set(table, counted + this.tuples);
    // The rest of the line (its line break) is not part of any statement Strongbox counts.
    this.mode = 'skip';
  }
}

/** A pass-through for the dump pipeline; `counts` is set once the stream has ended. */
export class MysqlDumpInspector extends Transform {
  counts: ReadonlyMap<string, number | undefined> | undefined;
  private readonly scanner = new MysqlDumpScanner();

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.scanner.push(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.counts = this.scanner.end();
    } catch (error) {
      callback(error as Error);
      return;
    }
    callback();
  }
}
