import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanPgArchive } from '../../lambdas/adapters/dumps/pg-archive';

/**
 * Synthetic archives, encoded exactly as pg_dump's WriteHead/WriteToc (src/bin/pg_dump/pg_backup_archiver.c)
 * and the custom format's data blocks (pg_backup_custom.c) lay them out. They cover the 1.15 and 1.16 layouts
 * (pg_dump 16–18), which the machine's pg_dump 15 cannot produce; real 1.14 output is tested in
 * test/integration/dump-pg-archive.test.ts.
 */
interface Entry {
  readonly dumpId: number;
  readonly desc: string;
  readonly tag: string;
  readonly namespace?: string;
  readonly copyStmt?: string;
  readonly data?: readonly string[];
  readonly blobs?: readonly (readonly string[])[];
}

interface ArchiveSpec {
  readonly major?: number;
  readonly minor: number;
  readonly compression?: number;
  readonly entries: readonly Entry[];
  readonly intSize?: number;
}

function encode(spec: ArchiveSpec): Buffer {
  const intSize = spec.intSize ?? 4;
  const parts: Buffer[] = [];
  const byte = (value: number) => parts.push(Buffer.from([value]));
  const int = (value: number) => {
    const bytes = Buffer.alloc(1 + intSize);
    bytes[0] = value < 0 ? 1 : 0;
    let rest = Math.abs(value);
    for (let i = 1; i <= intSize; i++) {
      bytes[i] = rest % 256;
      rest = Math.floor(rest / 256);
    }
    parts.push(bytes);
  };
  const str = (value: string | null) => {
    if (value === null) return int(-1);
    const bytes = Buffer.from(value, 'utf8');
    int(bytes.length);
    parts.push(bytes);
  };

  parts.push(Buffer.from('PGDMP'));
  for (const value of [spec.major ?? 1, spec.minor, 0, intSize, 8, 1]) byte(value);
  if (spec.minor >= 15) byte(spec.compression ?? 0);
  else int(spec.compression ?? 0);
  for (const value of [5, 4, 3, 2, 1, 124, 0]) int(value);
  str('db');
  str('16.4');
  str('16.4');
  int(spec.entries.length);
  for (const entry of spec.entries) {
    int(entry.dumpId);
    int(entry.data || entry.blobs ? 1 : 0);
    str('1259');
    str(String(16000 + entry.dumpId));
    str(entry.tag);
    str(entry.desc);
    int(entry.desc === 'TABLE DATA' ? 3 : 2);
    str(entry.desc === 'TABLE' ? `CREATE TABLE ${entry.tag} (v text);\n` : '');
    str('');
    str(entry.copyStmt ?? null);
    str(entry.namespace ?? null);
    str('');
    str(entry.desc === 'TABLE' ? 'heap' : null);
    if (spec.minor >= 16) int(entry.desc === 'TABLE' ? 114 : 0);
    str('owner');
    str('false');
    str('1');
    str('2');
    str(null);
    byte(entry.data || entry.blobs ? 1 : 3);
    parts.push(Buffer.alloc(8));
  }
  for (const entry of spec.entries) {
    if (entry.data) {
      byte(1);
      int(entry.dumpId);
      for (const chunk of entry.data) str(chunk);
      int(0);
    }
    if (entry.blobs) {
      byte(3);
      int(entry.dumpId);
      entry.blobs.forEach((chunks, i) => {
        int(20000 + i);
        for (const chunk of chunks) str(chunk);
        int(0);
      });
      int(0);
    }
  }
  return Buffer.concat(parts);
}

const copy = (table: string) => `COPY public.${table} (v) FROM stdin;\n`;

const ENTRIES: readonly Entry[] = [
  { dumpId: 1, desc: 'ENCODING', tag: 'ENCODING' },
  { dumpId: 2, desc: 'TABLE', tag: 'customers', namespace: 'public' },
  {
    dumpId: 3,
    desc: 'TABLE DATA',
    tag: 'customers',
    namespace: 'public',
    copyStmt: copy('customers'),
    data: ['a\tb\\nc\n', 'd\n', '\\\\.\n', '\\.\n\n\n'],
  },
  { dumpId: 4, desc: 'TABLE DATA', tag: 'empty', namespace: 'public', copyStmt: copy('empty'), data: ['\\.\n\n\n'] },
  {
    dumpId: 5,
    desc: 'TABLE DATA',
    tag: 'no_columns',
    namespace: 'public',
    copyStmt: copy('no_columns'),
    data: ['\n\n\n', '\\.\n\n\n'],
  },
  {
    dumpId: 6,
    desc: 'TABLE DATA',
    tag: 'unterminated',
    namespace: 'other',
    copyStmt: copy('unterminated'),
    data: ['x\n', '\n'],
  },
  {
    dumpId: 7,
    desc: 'TABLE DATA',
    tag: 'inserts',
    namespace: 'public',
    copyStmt: '',
    data: ["INSERT INTO t VALUES ('a');\n"],
  },
  { dumpId: 8, desc: 'BLOBS', tag: 'BLOBS', blobs: [['line\n\n'], ['x', '\n']] },
];

const EXPECTED = [
  { schema: 'public', name: 'customers', rows: 3 },
  { schema: 'public', name: 'empty', rows: 0 },
  { schema: 'public', name: 'no_columns', rows: 3 },
  { schema: 'other', name: 'unterminated', rows: 2 },
  { schema: 'public', name: 'inserts' },
];

function split(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  return chunks;
}

describe('scanPgArchive', () => {
  it.each([14, 15, 16])('reads the archive version 1.%i layout and counts rows per table', (minor) => {
    // Prepare
    const archive = encode({ minor, entries: ENTRIES });

    // Act
    const summary = scanPgArchive([archive]);

    // Assess
    expect(summary).toMatchObject({ archiveVersion: `1.${minor}-0`, database: 'db', serverVersion: '16.4' });
    expect(summary.tables).toEqual(EXPECTED);
  });

  it('gives the same counts however the stream is split', () => {
    const archive = encode({ minor: 16, entries: ENTRIES });
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), (cuts) => {
        expect(scanPgArchive(split(archive, cuts)).tables).toEqual(EXPECTED);
      }),
    );
  });

  it('reads archives written with wider integers', () => {
    // Act
    const summary = scanPgArchive([encode({ minor: 14, entries: ENTRIES, intSize: 6 })]);

    // Assess
    expect(summary.tables).toEqual(EXPECTED);
  });

  it.each([
    [{ minor: 13 }, /archive version 1\.13-0 is not supported/],
    [{ minor: 17 }, /archive version 1\.17-0 is not supported/],
    [{ major: 2, minor: 0 }, /archive version 2\.0-0 is not supported/],
    [{ minor: 15, compression: 3 }, /compressed/],
    [{ minor: 14, compression: 6 }, /compressed/],
  ])('refuses %o rather than guessing', (spec, message) => {
    // Prepare
    const archive = encode({ ...spec, entries: ENTRIES });

    // Act
    const scan = () => scanPgArchive([archive]);

    // Assess
    expect(scan).toThrow(expect.objectContaining({ name: 'DumpFailedError', message: expect.stringMatching(message) }));
  });

  it('fails on any truncation of the archive', () => {
    const archive = encode({ minor: 15, entries: ENTRIES.filter((e) => e.desc !== 'BLOBS') });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: archive.length - 1 }), (length) => {
        expect(() => scanPgArchive([archive.subarray(0, length)])).toThrow(/could not be read/);
      }),
    );
  });

  it('fails on bad magic, bytes after the last block, unknown block types, unknown entries and negative lengths', () => {
    // Prepare
    const archive = encode({ minor: 14, entries: ENTRIES });
    const dataOnly = (entries: readonly Entry[]) => encode({ minor: 14, entries });
    const unknownBlock = Buffer.concat([
      dataOnly([{ dumpId: 1, desc: 'TABLE', tag: 't', namespace: 'public' }]),
      Buffer.from([2, 0, 1, 0, 0, 0]),
    ]);
    const orphanBlock = Buffer.concat([dataOnly([]), Buffer.from([1, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0])]);
    const negativeChunk = Buffer.concat([
      dataOnly([{ dumpId: 3, desc: 'TABLE DATA', tag: 't', namespace: 'public', copyStmt: copy('t') }]),
      Buffer.from([1, 0, 3, 0, 0, 0, 1, 5, 0, 0, 0]),
    ]);

    // Act + Assess
    expect(() => scanPgArchive([Buffer.from('PGDMX'), archive.subarray(5)])).toThrow(/no PGDMP header/);
    expect(() => scanPgArchive([archive, Buffer.from([0])])).toThrow(/ended in the middle of an entry/);
    expect(() => scanPgArchive([unknownBlock])).toThrow(/unknown data block type 2/);
    expect(() => scanPgArchive([orphanBlock])).toThrow(/unknown TOC entry 9/);
    expect(() => scanPgArchive([negativeChunk])).toThrow(/negative data chunk length -5/);
  });

  it('fails when a table’s data does not end with a complete row', () => {
    // Prepare
    const entries: Entry[] = [
      { dumpId: 1, desc: 'TABLE DATA', tag: 't', namespace: 'public', copyStmt: copy('t'), data: ['a\n', 'b'] },
    ];

    // Act + Assess
    expect(() => scanPgArchive([encode({ minor: 16, entries })])).toThrow(/public\.t does not end with a complete row/);
  });
});
