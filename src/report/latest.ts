import fs from 'node:fs';
import path from 'node:path';
import type { DataPaths } from '../config.js';
import type { Db } from '../store/db.js';
import { catalogueState } from '../store/items.js';
import { vectorCounts } from '../store/vector-counts.js';
import { listVersions } from '../store/vectors.js';
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

/** Where the counts come from: by default read now (every row); a server passes the ones it keeps. */
export interface StateCounts {
  vectors(): Promise<Map<string, number>>;
  catalogue(): Promise<{ count: number; lastUpdated: string | null }>;
}

export async function reportState(db: Db, counts: StateCounts = { vectors: () => vectorCounts(db), catalogue: () => catalogueState(db) }): Promise<string> {
  const n = await counts.vectors();
  const versions = (await listVersions(db)).map((v) => `${v.name}:${v.status}:${n.get(v.name) ?? 0}${v.promoted ? '*' : ''}`).join(',');
  const { count, lastUpdated } = await counts.catalogue();
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
