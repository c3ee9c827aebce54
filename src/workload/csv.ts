// A small RFC 4180 CSV reader: comma-separated fields, "quoted" fields with "" for a quote
// and line breaks inside quotes, CRLF or LF. Ours rather than csv-parse: traces need only
// this, synchronously over text already decoded (decodeTextFile handles the BOM Excel
// writes), with the line each record starts on for error messages, and ~60 lines cost
// less to read than a dependency's options (csv-stringify stays for writing).
import { DataFileError } from './errors.js';

export interface CsvRecord {
  fields: string[];
  /** 1-based line the record starts on. */
  line: number;
}

/** The records of `text` in order, blank lines skipped. Throws DataFileError (DATA_SYNTAX). */
export function* csvRecords(text: string, file: string): Generator<CsvRecord> {
  const n = text.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (text.charCodeAt(i) === 0x22 /* " */) {
        const quoteLine = line;
        const quoteColumn = i - text.lastIndexOf('\n', i - 1);
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q === -1) throw new DataFileError('DATA_SYNTAX', file, 'a quoted field is not closed before the end of the file', quoteLine, quoteColumn);
          field += text.slice(i, q);
          line += countNewlines(text, i, q);
          i = q + 1;
          if (text.charCodeAt(i) !== 0x22) break;
          field += '"'; // "" inside quotes is one quote
          i++;
        }
        const c = text.charCodeAt(i);
        if (i < n && c !== 0x2c && c !== 0x0a && c !== 0x0d) {
          throw new DataFileError(
            'DATA_SYNTAX',
            file,
            `text after a closing quote ('${text[i]}'): quote the whole field`,
            line,
            i - text.lastIndexOf('\n', i - 1),
          );
        }
      } else {
        let end = i;
        while (end < n) {
          const c = text.charCodeAt(end);
          if (c === 0x2c || c === 0x0a || c === 0x0d) break;
          end++;
        }
        field = text.slice(i, end);
        i = end;
      }
      fields.push(field);
      if (text.charCodeAt(i) === 0x2c) {
        i++;
        continue;
      }
      // End of record: CRLF, LF, a lone CR, or the end of the text.
      if (text.charCodeAt(i) === 0x0d) i++;
      if (text.charCodeAt(i) === 0x0a) i++;
      line++;
      break;
    }
    if (!(fields.length === 1 && fields[0] === '')) yield { fields, line: start };
  }
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let k = text.indexOf('\n', from); k !== -1 && k < to; k = text.indexOf('\n', k + 1)) count++;
  return count;
}
