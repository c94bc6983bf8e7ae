/**
 * Every error a user can cause is a `LoupeError` with a stable `code`. The one table below maps each
 * code to its HTTP status and its CLI exit code; the server and the CLI both read it. Anything else
 * thrown is a bug or an outside failure: HTTP 500 `internal` / exit 1, with the detail in the log.
 */
export const ERROR_TABLE = Object.freeze({
  usage: { status: 400, exit: 2 },
  bad_request: { status: 400, exit: 1 },
  unauthorized: { status: 401, exit: 1 },
  not_found: { status: 404, exit: 1 },
  conflict: { status: 409, exit: 1 },
  too_large: { status: 413, exit: 1 },
  unprocessable: { status: 422, exit: 1 },
  internal: { status: 500, exit: 1 },
  unavailable: { status: 503, exit: 1 },
} as const);

export type ErrorCode = keyof typeof ERROR_TABLE;

/** An error meant for the user: the CLI prints it, the HTTP API maps `code` to a status (ERROR_TABLE). */
export class LoupeError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export const notFound = (what: string) => new LoupeError('not_found', what);

/** The CLI exit code for any thrown value: a LoupeError's from the table, anything else 1. */
export function exitCodeOf(err: unknown): number {
  return err instanceof LoupeError ? ERROR_TABLE[err.code].exit : ERROR_TABLE.internal.exit;
}
