/**
 * Reads a pg_dump custom-format archive AS IT STREAMS and counts the rows of every table's data.
 *
 * Layout (src/bin/pg_dump/pg_backup_archiver.c WriteHead/WriteToc, pg_backup_custom.c), for archive versions
 * 1.14 (pg_dump 12–15), 1.15 (16: compression algorithm byte in the header) and 1.16 (17–18: relkind in TOC
 * entries). pg_dump writing to a pipe cannot seek back, so the TOC comes first and every data block follows it:
 *
 *   header  "PGDMP" vmaj vmin vrev intSize offSize format(1=custom)
 *           compression: byte algorithm (≥1.15) | int level (<1.15)
 *           7 ints (creation time) · str dbname · str server version · str pg_dump version
 *   TOC     int count, then per entry: int dumpId · int hadDumper · str tableoid · str oid · str tag · str desc ·
 *           int section · str defn · str dropStmt · str copyStmt · str namespace · str tablespace · str tableam ·
 *           [int relkind ≥1.16] · str owner · str "false" (withOids) · str dependency… NULL · offset (flag byte +
 *           offSize bytes)
 *   data    per block: byte type · int dumpId, then
 *           BLK_DATA (1):  chunks of (int length, bytes), ending with length 0
 *           BLK_BLOBS (3): (int oid, chunks as above)… ending with oid 0
 *   int     a sign byte, then intSize bytes least significant first;  str: int length (-1 = NULL), then bytes
 *
 * With --compress=0 the chunks of a TABLE DATA block are COPY text: one row per line, line breaks inside values
 * escaped as `\n`, so rows = line breaks. pg_dump (dumpTableData_copy) also writes the end-of-data line `\.`
 * and two empty lines into the block; they are not rows. A data row can never be the line `\.` (a backslash in
 * a value is written `\\`), but it can be empty (a zero-column table, or one empty text value), so only a final
 * `\.` line and the empty lines after it are discounted. An archive version or a compression this reader does not
 * know fails the dump clearly rather than producing guessed counts.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { DumpFailedError } from '../../domain/errors';
import type { ManifestTable, PartitionedTable } from '../../domain/manifest';
import { type Need, type PullParser, PushDriver } from './pull-parser';

const MAGIC = 'PGDMP';
const ARCH_CUSTOM = 1;
const BLK_DATA = 1;
const BLK_BLOBS = 3;
const SUPPORTED_MINOR = { first: 14, last: 16 } as const;
const MAX_KEPT_STRING = 16 * 1024 * 1024;

export interface PgArchiveSummary {
  /** e.g. "1.14-0" */
  readonly archiveVersion: string;
  readonly database: string;
  readonly serverVersion: string;
  readonly dumpVersion: string;
  /** Every TABLE DATA entry, in TOC order, with the rows its data block holds. */
  readonly tables: readonly ManifestTable[];
  readonly partitioned: readonly PartitionedTable[];
}

interface TocEntry {
  readonly dumpId: number;
  readonly tag: string | null;
  readonly desc: string | null;
  readonly namespace: string | null;
  readonly copyStmt: string | null;
  readonly deps: readonly number[];
}

interface TableCount {
  readonly entry: TocEntry;
  seen: boolean;
  bytes: number;
  lineBreaks: number;
  /** The last TAIL_BYTES bytes of the block (right-aligned; fewer are valid while bytes < TAIL_BYTES). */
  readonly tail: Buffer;
}

const TAIL_BYTES = 16;
const TERMINATOR_LINE = Buffer.from('\\.');

function corrupt(detail: string): DumpFailedError {
  return new DumpFailedError(`the pg_dump archive could not be read: ${detail}`);
}

function countLineBreaks(chunk: Buffer): number {
  let count = 0;
  for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) count++;
  return count;
}

function observe(count: TableCount, chunk: Buffer): void {
  count.bytes += chunk.length;
  count.lineBreaks += countLineBreaks(chunk);
  const { tail } = count;
  if (chunk.length >= TAIL_BYTES) {
    chunk.copy(tail, 0, chunk.length - TAIL_BYTES);
  } else {
    tail.copyWithin(0, chunk.length);
    chunk.copy(tail, TAIL_BYTES - chunk.length);
  }
}

/** Rows in a finished TABLE DATA block, or undefined if its data does not end with a complete line. */
function rowsOf(count: TableCount): number | undefined {
  if (count.bytes === 0) return 0;
  const tail = count.tail.subarray(TAIL_BYTES - Math.min(TAIL_BYTES, count.bytes));
  if (tail[tail.length - 1] !== 10) return undefined;
  let end = tail.length;
  while (end > 0 && tail[end - 1] === 10) end--;
  const trailingBreaks = tail.length - end;
  const lineStart = end - TERMINATOR_LINE.length;
  const startsLine = lineStart === 0 ? count.bytes === tail.length : tail[lineStart - 1] === 10;
  const terminated = lineStart >= 0 && startsLine && tail.subarray(lineStart, end).equals(TERMINATOR_LINE);
  return terminated ? count.lineBreaks - trailingBreaks : count.lineBreaks;
}

function* archive(): PullParser<PgArchiveSummary> {
  const read = function* (bytes: number): Generator<Need, Buffer, Buffer | null> {
    const value = yield { kind: 'read', bytes };
    if (value === null) throw corrupt('unexpected end of data');
    return value;
  };

  const magic = yield* read(5);
  if (magic.toString('latin1') !== MAGIC) throw corrupt('not a custom-format archive (no PGDMP header)');
  const [vmaj = 0, vmin = 0, vrev = 0, intSize = 0, offSize = 0, format = 0] = yield* read(6);
  const archiveVersion = `${vmaj}.${vmin}-${vrev}`;
  if (vmaj !== 1 || vmin < SUPPORTED_MINOR.first || vmin > SUPPORTED_MINOR.last) {
    throw corrupt(
      `archive version ${archiveVersion} is not supported (1.${SUPPORTED_MINOR.first}–1.${SUPPORTED_MINOR.last})`,
    );
  }
  if (intSize < 1 || intSize > 6) throw corrupt(`unsupported integer size ${intSize}`);
  if (format !== ARCH_CUSTOM) throw corrupt(`format ${format} is not the custom format`);

  const int = function* (): Generator<Need, number, Buffer | null> {
    const bytes = yield* read(1 + intSize);
    let value = 0;
    for (let i = intSize; i >= 1; i--) value = value * 256 + (bytes[i] ?? 0);
    return bytes[0] ? -value : value;
  };
  const str = function* (): Generator<Need, string | null, Buffer | null> {
    const length = yield* int();
    if (length < 0) return null;
    // Only names and COPY statements are kept; a longer one means the bytes are not what they should be.
    if (length > MAX_KEPT_STRING) throw corrupt(`a ${length}-byte name in the table of contents`);
    return (yield* read(length)).toString('utf8');
  };
  const skipStr = function* (): Generator<Need, void, Buffer | null> {
    const length = yield* int();
    if (length > 0) yield { kind: 'skip', bytes: length };
  };

  const compression = vmin >= 15 ? ((yield* read(1))[0] ?? 0) : yield* int();
  if (compression !== 0) {
    throw corrupt('the archive is compressed; rows can only be counted in an archive written with --compress=0');
  }
  for (let i = 0; i < 7; i++) yield* int();
  const database = (yield* str()) ?? '';
  const serverVersion = (yield* str()) ?? '';
  const dumpVersion = (yield* str()) ?? '';

  const entries = new Map<number, TocEntry>();
  const tocCount = yield* int();
  for (let i = 0; i < tocCount; i++) {
    const dumpId = yield* int();
    if (dumpId <= 0 || entries.has(dumpId)) throw corrupt(`TOC entry id ${dumpId} is invalid`);
    yield* int(); // hadDumper
    yield* skipStr(); // catalog tableoid
    yield* skipStr(); // catalog oid
    const tag = yield* str();
    const desc = yield* str();
    yield* int(); // section
    yield* skipStr(); // defn
    yield* skipStr(); // dropStmt
    const copyStmt = yield* str();
    const namespace = yield* str();
    yield* skipStr(); // tablespace
    yield* skipStr(); // tableam (≥ 1.14)
    if (vmin >= 16) yield* int(); // relkind
    yield* skipStr(); // owner
    yield* skipStr(); // "false": WITH OIDS is gone
    // dependencies: strings until a NULL string; kept only where they tell the partition tree (TABLE ATTACH)
    const deps: number[] = [];
    for (let length = yield* int(); length >= 0; length = yield* int()) {
      if (length > 0 && desc === 'TABLE ATTACH' && length <= 20)
        deps.push(Number((yield* read(length)).toString('latin1')));
      else if (length > 0) yield { kind: 'skip', bytes: length };
    }
    yield { kind: 'skip', bytes: 1 + offSize }; // data offset: flag + position (unset when written to a pipe)
    entries.set(dumpId, { dumpId, tag, desc, namespace, copyStmt, deps });
  }

  const counts = new Map<number, TableCount>();
  for (const entry of entries.values()) {
    if (entry.desc === 'TABLE DATA') {
      counts.set(entry.dumpId, { entry, seen: false, bytes: 0, lineBreaks: 0, tail: Buffer.alloc(TAIL_BYTES) });
    }
  }

  const chunks = function* (count?: TableCount): Generator<Need, void, Buffer | null> {
    yield { kind: 'frames', intSize, ...(count ? { sink: (chunk: Buffer) => observe(count, chunk) } : {}) };
  };

  for (;;) {
    const type = yield { kind: 'read', bytes: 1, orEnd: true };
    if (type === null) break;
    const dumpId = yield* int();
    if (!entries.has(dumpId)) throw corrupt(`data block for unknown TOC entry ${dumpId}`);
    if (type[0] === BLK_DATA) {
      const count = counts.get(dumpId);
      if (count?.seen) throw corrupt(`second data block for TOC entry ${dumpId}`);
      if (count) count.seen = true;
      yield* chunks(count);
    } else if (type[0] === BLK_BLOBS) {
      while ((yield* int()) !== 0) yield* chunks();
    } else {
      throw corrupt(`unknown data block type ${type[0]}`);
    }
  }

  const tables: ManifestTable[] = [];
  for (const count of counts.values()) {
    const { entry } = count;
    const name = `${entry.namespace ?? ''}.${entry.tag ?? ''}`;
    if (!count.seen) throw corrupt(`the archive ended without the data of ${name}`);
    const rows = rowsOf(count);
    if (rows === undefined) throw corrupt(`the data of ${name} does not end with a complete row`);
    const isCopy = (entry.copyStmt ?? '').startsWith('COPY ');
    tables.push({
      ...(entry.namespace ? { schema: entry.namespace } : {}),
      name: entry.tag ?? '',
      ...(isCopy ? { rows } : {}),
    });
  }
  return { archiveVersion, database, serverVersion, dumpVersion, tables, partitioned: partitionTree(entries) };
}

const qualified = (entry: TocEntry) => `${entry.namespace ?? ''}.${entry.tag ?? ''}`;

/**
 * Partitioned tables hold no rows themselves, so they have no TABLE DATA entry; a `TABLE ATTACH` entry (tag: the
 * partition) depends on the parent and the partition. Each partitioned table is reported with its leaf partitions,
 * so a restore can be asked for the parent by name.
 */
function partitionTree(entries: ReadonlyMap<number, TocEntry>): PartitionedTable[] {
  const children = new Map<number, number[]>();
  for (const attach of entries.values()) {
    if (attach.desc !== 'TABLE ATTACH') continue;
    const tables = attach.deps.map((id) => entries.get(id)).filter((entry) => entry?.desc === 'TABLE') as TocEntry[];
    const child = tables.find((entry) => entry.tag === attach.tag && entry.namespace === attach.namespace);
    const parent = tables.find((entry) => entry !== child);
    if (child && parent) children.set(parent.dumpId, [...(children.get(parent.dumpId) ?? []), child.dumpId]);
  }
  const leaves = (id: number, seen: Set<number>): string[] => {
    if (seen.has(id)) return [];
    seen.add(id);
    const below = children.get(id);
    const entry = entries.get(id) as TocEntry;
    return below === undefined ? [qualified(entry)] : below.flatMap((child) => leaves(child, seen));
  };
  return [...children.keys()]
    .map((id) => entries.get(id) as TocEntry)
    .map((entry) => ({
      ...(entry.namespace ? { schema: entry.namespace } : {}),
      name: entry.tag ?? '',
      partitions: leaves(entry.dumpId, new Set()).sort(),
    }));
}

function archiveDriver(): PushDriver<PgArchiveSummary> {
  return new PushDriver(archive(), {
    trailing: () => corrupt('unexpected bytes after the last data block'),
    truncated: () => corrupt('the archive ended in the middle of an entry'),
    badFrame: (length) => corrupt(`negative data chunk length ${length}`),
  });
}

/** Reads a whole archive from chunks (e.g. a file or a test's buffers). */
export function scanPgArchive(chunks: Iterable<Buffer>): PgArchiveSummary {
  const driver = archiveDriver();
  for (const chunk of chunks) driver.push(chunk);
  return driver.end();
}

/**
 * A pass-through for the dump pipeline: the bytes flow on unchanged; a malformed archive fails the stream, and
 * `summary` is set once the stream has ended.
 */
export class PgArchiveInspector extends Transform {
  summary: PgArchiveSummary | undefined;
  private readonly driver = archiveDriver();

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.driver.push(chunk);
    } catch (error) {
      callback(error as Error);
      return;
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.summary = this.driver.end();
    } catch (error) {
      callback(error as Error);
      return;
    }
    callback();
  }
}
