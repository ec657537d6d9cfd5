import { Readable } from 'node:stream';
import { StreamableFile } from '@nestjs/common';
import { stringify } from 'csv-stringify';

/** One CSV column: its header and how to read it from a row. */
export interface CsvColumn<T> {
  header: string;
  value: (row: T) => string | number | boolean | Date | null;
}

/**
 * A cell a spreadsheet would run as a formula (=, +, -, @, or a tab / carriage return before one)
 * is prefixed with a single quote (OWASP "CSV injection"). Numbers are written as numbers.
 */
export function csvSafeCell(value: string | number | boolean | Date | null): string {
  if (value === null) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== 'string') return String(value);
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/**
 * Streams rows as RFC 4180 CSV (csv-stringify: quotes, doubled quotes, CRLF line ends, a header
 * row) with formula-safe cells, as a download named `filename`. Rows are pulled as the client
 * reads, so an export of millions of rows never sits in memory.
 */
export function csvDownload<T>(
  rows: AsyncIterable<T>,
  columns: readonly CsvColumn<T>[],
  filename: string,
): StreamableFile {
  const records = Readable.from(
    (async function* () {
      for await (const row of rows) yield columns.map((c) => csvSafeCell(c.value(row)));
    })(),
  );
  const csv = records.pipe(
    stringify({ header: true, columns: columns.map((c) => c.header), record_delimiter: 'windows' }),
  );
  records.on('error', (error) => csv.destroy(error));
  return new StreamableFile(csv, {
    type: 'text/csv; charset=utf-8',
    disposition: `attachment; filename="${filename}"`,
  });
}
