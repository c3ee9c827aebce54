// Exit codes are a contract: scripts and CI read them. Documented in docs/scale.md.
export const EXIT = {
  /** The run (or command) did what was asked. */
  OK: 0,
  /** sse-soak itself failed unexpectedly (a bug: please report it). */
  INTERNAL: 1,
  /** Invalid input: a bad scenario file, flag or argument. Nothing was run. */
  INVALID_INPUT: 2,
  /**
   * The system did not let sse-soak do its job: the run could not start (the built-in
   * target or the report folder could not be set up) ...
   */
  CANNOT_START: 3,
  /**
   * ... or a report file could not be written (a full disk, no permission, a read-only
   * file system). The same code as CANNOT_START: either way, fix the machine, not the input.
   */
  CANNOT_WRITE: 3,
  /** The run finished (or was stopped by an abortOnFail rule) and a threshold failed. */
  THRESHOLDS_FAILED: 4,
  /** doctor found at least one failed check. */
  CHECKS_FAILED: 5,
  /** compare: a run is worse than the baseline by more than a --fail-on gate allows. */
  REGRESSION: 6,
  /** The run was interrupted (SIGINT, SIGTERM); the summary of what was measured is written. */
  INTERRUPTED: 130,
} as const;

/** An error the CLI reports as one clear message and an exit code, without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
