import fs from 'node:fs';
import path from 'node:path';
import type { DataPaths } from '../config.js';
import type { Db } from '../store/db.js';
import { catalogueState } from '../store/items.js';
import { listVersions, vectorCounts } from '../store/vectors.js';
import type { ProofReport } from './proof.js';

/**
 * The latest report run, kept beside the data so `loupe report` and the Report page quote the
 * same measurement: timings differ run to run, and two runs side by side read as a contradiction.
 */

interface Stored {
  /** What the numbers depend on: the versions, the served one and the catalogue's size and last change. */
  state: string;
  report: ProofReport;
}

/** `counts` defaults to reading them (every vector row); a server passes its kept counts. */
export async function reportState(db: Db, counts: () => Promise<Map<string, number>> = () => vectorCounts(db)): Promise<string> {
  const n = await counts();
  const versions = (await listVersions(db)).map((v) => `${v.name}:${v.status}:${n.get(v.name) ?? 0}${v.promoted ? '*' : ''}`).join(',');
  const { count, lastUpdated } = await catalogueState(db);
  return `${versions}|${count}|${lastUpdated}`;
}

export function saveLatestReport(paths: DataPaths, state: string, report: ProofReport): void {
  fs.mkdirSync(path.dirname(paths.report), { recursive: true });
  const tmp = `${paths.report}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ state, report } satisfies Stored));
  fs.renameSync(tmp, paths.report);
}

/** The stored run when it was measured on the data as it is now, else null. */
export function loadLatestReport(paths: DataPaths, state: string): ProofReport | null {
  try {
    const stored = JSON.parse(fs.readFileSync(paths.report, 'utf8')) as Stored;
    return stored.state === state ? stored.report : null;
  } catch {
    return null;
  }
}
