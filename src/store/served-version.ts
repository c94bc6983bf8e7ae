import { notFound } from '../errors.js';
import type { Queryable } from './db.js';
import { getVersion, promotedVersion } from './vectors.js';

/** Resolves the version to serve: the one asked for, else the promoted one (404 for an unknown name). */
export async function resolveVersion(db: Queryable, version: string | undefined): Promise<string> {
  const name = version ?? (await promotedVersion(db));
  if (!(await getVersion(db, name))) throw notFound(`unknown version '${name}' (see \`loupe versions\`)`);
  return name;
}
