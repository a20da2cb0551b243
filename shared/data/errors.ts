/** Errors of the data layers. Each names the file, and the line where one applies. */

import type { LayerQuality } from './quality.ts';

/** A whole input file is rejected (empty, no data rows, missing column, invalid UTF-8, failed gate). */
export class DataRejectedError extends Error {
  readonly file: string;
  /** 1-based physical line number, when the reason is tied to a line. */
  readonly line: number | undefined;
  readonly reason: string;
  /** Machine-readable reason code, e.g. `missing_column`, `invalid_utf8`, `quality_gate`. */
  readonly code: RejectionCode;
  /** For a failed quality gate: the layer's score and components. */
  readonly quality: LayerQuality | undefined;

  constructor(
    args: { file: string; line?: number; code: RejectionCode; reason: string; quality?: LayerQuality },
    options?: ErrorOptions,
  ) {
    const where = args.line === undefined ? args.file : `${args.file}, line ${args.line}`;
    super(`${where}: ${args.reason}`, options);
    this.name = 'DataRejectedError';
    this.file = args.file;
    this.line = args.line;
    this.reason = args.reason;
    this.code = args.code;
    this.quality = args.quality;
  }
}

export type RejectionCode =
  | 'empty_file'
  | 'no_data_rows'
  | 'no_accepted_rows'
  | 'missing_column'
  | 'invalid_utf8'
  | 'utf16'
  | 'line_too_long'
  | 'unterminated_quote'
  | 'duplicate_column'
  | 'reserved_column'
  | 'too_many_symbols'
  | 'quality_gate';
