import { LoupeError } from '../errors.js';
import { setVersionStatus } from '../store/training.js';
import { getVersion, promoteVersion, promotedVersion } from '../store/vectors.js';
import type { Queryable } from '../store/db.js';

/** Serves `name` by default; the CLI's `loupe promote` and `POST /api/versions/:name/promote` both land here. */
export async function promote(db: Queryable, name: string): Promise<{ promoted: string; previous: string }> {
  const row = await getVersion(db, name);
  if (!row) throw new LoupeError('not_found', `unknown version '${name}' (see \`loupe versions\`)`);
  if (row.status === 'retired') throw new LoupeError('conflict', `version '${name}' is retired: it no longer gets vectors for new items, so it cannot be served`);
  if (row.status !== 'ready') throw new LoupeError('conflict', `version '${name}' is ${row.status}, not ready: finish it with \`loupe train --name ${name}\` first`);
  const previous = await promotedVersion(db);
  await promoteVersion(db, name);
  return { promoted: name, previous };
}

/** Marks a version retired (no longer offered or projected); the served one must be replaced first. */
export async function retire(db: Queryable, name: string): Promise<{ retired: string }> {
  const row = await getVersion(db, name);
  if (!row) throw new LoupeError('not_found', `unknown version '${name}' (see \`loupe versions\`)`);
  if ((await promotedVersion(db)) === name) throw new LoupeError('conflict', `version '${name}' is served by default: promote another version before retiring it`);
  if (row.status !== 'retired') await setVersionStatus(db, name, 'retired');
  return { retired: name };
}
