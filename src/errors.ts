export const ERROR_CODES = ['bad_request', 'not_found', 'unauthorized', 'conflict', 'too_large', 'unprocessable', 'unavailable', 'internal'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** An error meant for the user: the CLI prints it, the HTTP API maps `code` to a status. */
export class LoupeError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new LoupeError('not_found', what);
