import { Transform, type TransformCallback } from 'node:stream';
import { ValidationError } from '../../domain/errors';
import { MysqlDumpFilter, type MysqlDumpFilterOptions } from '../../domain/mysql-dump-sections';

const NEWLINE = 0x0a;
const OPEN_PAREN = 0x28;
const INSERT_PREFIX = Buffer.from('INSERT INTO ');
/** Enough of a line to tell a row line from the rest. */
const HEAD_BYTES = INSERT_PREFIX.length;

/**
 * Runs a dump through MysqlDumpFilter line by line. Row lines (`(…),` and `INSERT INTO …`), which are nearly
 * all of a dump, are routed by section without being decoded or buffered whole: a single row of a large BLOB can
 * be hundreds of megabytes of hex on one line. Other lines are decoded as UTF-8 (mariadb-dump writes utf8mb4
 * with --hex-blob) and may be rewritten. At the end, names the dump never mentioned fail the stream.
 */
export class MysqlDumpFilterStream extends Transform {
  private readonly sections: MysqlDumpFilter;
  /** The current line so far, while it is undecided or being inspected. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** What happens to the rest of the current line. */
  private mode: 'undecided' | 'inspect' | 'keep' | 'drop' = 'undecided';

  constructor(options: MysqlDumpFilterOptions) {
    super();
    this.sections = new MysqlDumpFilter(options);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      let start = 0;
      while (start < chunk.length) {
        const newline = chunk.indexOf(NEWLINE, start);
        const end = newline < 0 ? chunk.length : newline + 1;
        this.takePiece(chunk.subarray(start, end), newline >= 0);
        start = end;
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.pendingBytes > 0) this.inspect(Buffer.concat(this.pending));
      this.emitLines(this.sections.finish());
      const missing = this.sections.missing();
      if (missing.length > 0) {
        throw new ValidationError(
          `the backup holds no table or view named ${missing.map((name) => `"${name}"`).join(', ')}`,
          missing.map((name) => ({ path: 'tables', message: `no table or view named "${name}" in the backup` })),
        );
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  /** A piece of the current line; `ends` when it includes the line's newline. */
  private takePiece(piece: Buffer, ends: boolean): void {
    if (this.mode === 'keep' || this.mode === 'drop') {
      if (this.mode === 'keep') this.push(piece);
    } else {
      this.pending.push(piece);
      this.pendingBytes += piece.length;
      if (this.mode === 'undecided' && (ends || this.pendingBytes >= HEAD_BYTES)) {
        const head = Buffer.concat(this.pending);
        this.pending = [head];
        this.mode = isRowLine(head) ? this.sections.rowRoute() : 'inspect';
        if (this.mode === 'keep' || this.mode === 'drop') {
          if (this.mode === 'keep') this.push(head);
          this.pending = [];
          this.pendingBytes = 0;
        }
      }
      if (ends && this.mode === 'inspect') {
        const line = Buffer.concat(this.pending);
        this.pending = [];
        this.pendingBytes = 0;
        this.inspect(line);
      }
    }
    if (ends) this.mode = 'undecided';
  }

  private inspect(line: Buffer): void {
    const text = line.toString('utf8');
    this.emitLines(this.sections.feed(text.endsWith('\n') ? text.slice(0, -1) : text));
  }

  private emitLines(lines: readonly string[]): void {
    for (const line of lines) this.push(`${line}\n`);
  }
}

function isRowLine(line: Buffer): boolean {
  if (line[0] === OPEN_PAREN) return true;
  return line.length >= INSERT_PREFIX.length && line.subarray(0, INSERT_PREFIX.length).equals(INSERT_PREFIX);
}
