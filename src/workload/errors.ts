// Configuration mistakes in workload files and specs are typed errors with a code and the
// place in the file, thrown while a run is being prepared, never once the clock has started
// (the scenario loader turns them into ScenarioProblems; `code` lets a caller tell them apart
// without matching message text, as undici's UND_ERR_* do).

export type DataFileErrorCode =
  /** The bytes are not text in the encoding the file claims (or UTF-8 when it claims none). */
  | 'DATA_ENCODING'
  /** A line (or the whole file) is not valid JSON or CSV. */
  | 'DATA_SYNTAX'
  /** Valid JSON or CSV, but not the shape the format asks for (a body that is not an object…). */
  | 'DATA_SHAPE'
  /** The format could not be told, or the file holds no request at all. */
  | 'DATA_FORMAT'
  /** More text than one JS string holds (~512 MiB): the file must be split. */
  | 'DATA_TOO_LARGE';

/** A data file (dataset, trace, scenario text) that cannot be used, with its place. */
export class DataFileError extends Error {
  constructor(
    readonly code: DataFileErrorCode,
    readonly file: string,
    /** What is wrong, without the place (the message has both). */
    readonly reason: string,
    /** 1-based line, when the problem has one. */
    readonly line?: number,
    /** 1-based column (UTF-16 code units into the line), when known. */
    readonly column?: number,
  ) {
    super(`${where(file, line, column)}: ${reason}`);
    this.name = 'DataFileError';
  }
}

/** "file", "file:line" or "file:line:column", the form editors and terminals link. */
function where(file: string, line?: number, column?: number): string {
  if (line === undefined) return file;
  return column === undefined ? `${file}:${line}` : `${file}:${line}:${column}`;
}

/** A workload spec field out of range (a synthetic distribution, a speed…), named by its path. */
export class WorkloadSpecError extends Error {
  readonly code = 'WORKLOAD_SPEC';
  constructor(
    /** Dotted path within the workload spec, e.g. "inputTokens.min", as ScenarioProblem.path. */
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'WorkloadSpecError';
  }
}
