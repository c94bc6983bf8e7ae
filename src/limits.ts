/**
 * The most results (`k`) one request may ask for, the same for the CLI's `-k` and the HTTP API's
 * `?k=`: beyond a few hundred a ranked list is no longer read, only paid for.
 */
export const MAX_K = 200;
