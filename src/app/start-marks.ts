/**
 * What an earlier start already did with a file, so the next start can skip it: one JSON file in
 * the data directory (`<data>/start-marks.json`), an entry per step. Only a hint: a missing,
 * unreadable or stale mark just means the step runs again (each step is idempotent).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DataPaths } from '../config.js';

/** A file as a step last consumed it: its path and the SHA-256 of its bytes, plus what the step found. */
interface FileMark {
  file: string;
  sha256: string;
  [detail: string]: unknown;
}

function marksFile(paths: DataPaths): string {
  return path.join(paths.root, 'start-marks.json');
}

function readAll(paths: DataPaths): Record<string, FileMark> {
  try {
    const parsed = JSON.parse(fs.readFileSync(marksFile(paths), 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, FileMark>) : {};
  } catch {
    return {};
  }
}

export async function fileSha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await fs.promises.readFile(file))
    .digest('hex');
}

/** The mark of `step` if it was left for `file` with these bytes (`sha256` from fileSha256). */
export function matchingMark(paths: DataPaths, step: string, file: string, sha256: string): FileMark | undefined {
  const mark = readAll(paths)[step];
  return mark && mark.file === path.resolve(file) && mark.sha256 === sha256 ? mark : undefined;
}

/** Records that `step` consumed `file` with these bytes (written atomically: write, then rename). */
export function leaveMark(paths: DataPaths, step: string, file: string, sha256: string, detail: Record<string, unknown>): void {
  const all = readAll(paths);
  all[step] = { ...detail, file: path.resolve(file), sha256 };
  const target = marksFile(paths);
  const tmp = `${target}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(all, null, 2) + '\n');
  fs.renameSync(tmp, target);
}
