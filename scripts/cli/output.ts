import { type Io, print } from './io';

type Row = Record<string, unknown>;

function cell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A list as aligned columns (only the columns asked for), or the API's JSON with --json. */
export function printList(io: Io, json: boolean, result: unknown, items: readonly Row[], columns: readonly string[]) {
  if (json) {
    print(io, JSON.stringify(result, null, 2));
    return;
  }
  if (items.length === 0) {
    print(io, '(none)');
    return;
  }
  const rows = [
    columns.map((column) => column.toUpperCase()),
    ...items.map((item) => columns.map((c) => cell(item[c]))),
  ];
  const widths = columns.map((_, index) => Math.max(...rows.map((row) => (row[index] as string).length)));
  for (const row of rows)
    print(
      io,
      row
        .map((value, index) => value.padEnd(widths[index] as number))
        .join('  ')
        .trimEnd(),
    );
}

/** One object as `key: value` lines, or the API's JSON with --json. */
export function printObject(io: Io, json: boolean, value: Row) {
  if (json) {
    print(io, JSON.stringify(value, null, 2));
    return;
  }
  const width = Math.max(...Object.keys(value).map((key) => key.length));
  for (const [key, field] of Object.entries(value)) {
    if (field === null || field === undefined) continue;
    print(io, `${`${key}:`.padEnd(width + 1)} ${cell(field)}`);
  }
}
