/**
 * Image files an ingest already read, hashed and validated, by source path: size and mtime -> the
 * stored image row (`<data>/cache/ingest-files.json`). A re-ingest of an unchanged catalogue finds
 * every file here and skips reading, hashing and decoding it again, as git's index does; a file
 * whose size or mtime changed, or whose stored copy is gone, is read again. Only a hint: an
 * unreadable cache is an empty one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { imageFile, thumbFile, type DataPaths } from '../config.js';
import type { ImageRow } from '../store/items.js';

interface Entry {
  size: number;
  mtimeMs: number;
  image: ImageRow;
}

/** What `check` found on disk, handed back to `remember` once the file was read. */
export interface FileStat {
  file: string;
  size: number;
  mtimeMs: number;
}

export class SeenFiles {
  private dirty = false;

  private constructor(
    private readonly paths: DataPaths,
    private readonly entries: Record<string, Entry>,
  ) {}

  private static file(paths: DataPaths): string {
    return path.join(paths.root, 'cache', 'ingest-files.json');
  }

  static load(paths: DataPaths): SeenFiles {
    try {
      const parsed = JSON.parse(fs.readFileSync(SeenFiles.file(paths), 'utf8')) as unknown;
      if (parsed && typeof parsed === 'object') return new SeenFiles(paths, parsed as Record<string, Entry>);
    } catch {
      /* no cache yet, or unreadable: start empty */
    }
    return new SeenFiles(paths, {});
  }

  /** Stats `file`: its stored image row when seen before unchanged and within `maxPixels`, and the stat to remember otherwise. */
  async check(file: string, maxPixels: number): Promise<{ image: ImageRow } | { stat: FileStat | undefined }> {
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(file);
    } catch {
      return { stat: undefined }; // the read that follows reports why
    }
    const stat = { file, size: st.size, mtimeMs: st.mtimeMs };
    const e = this.entries[file];
    if (!e || e.size !== st.size || e.mtimeMs !== st.mtimeMs || e.image.width * e.image.height > maxPixels) return { stat };
    const stored = await Promise.all(
      [imageFile(this.paths, e.image.hash, e.image.ext), thumbFile(this.paths, e.image.hash)].map((f) =>
        fs.promises.access(f).then(
          () => true,
          () => false,
        ),
      ),
    );
    return stored.every(Boolean) ? { image: e.image } : { stat };
  }

  /** Records `image` as what the file was when statted (a later change alters size or mtime). */
  remember(stat: FileStat, image: ImageRow): void {
    this.entries[stat.file] = { size: stat.size, mtimeMs: stat.mtimeMs, image };
    this.dirty = true;
  }

  save(): void {
    if (!this.dirty) return;
    const target = SeenFiles.file(this.paths);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.entries));
    fs.renameSync(tmp, target);
    this.dirty = false;
  }
}
