import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { LoupeError } from '../errors.js';
import { imageFile, type DataPaths } from '../config.js';

/**
 * The files a dump carries beside the tables: each trained version's artefacts (model weights,
 * calibrator, split: `<data>/versions/<name>/`, without which new items cannot be projected) and,
 * on request, the content-addressed original images.
 */
export const imageLineSchema = z.object({ hash: z.string().regex(/^[0-9a-f]{64}$/), ext: z.string().regex(/^[a-z0-9]{1,8}$/), data: z.string() });
export const versionFileLineSchema = z.object({ version: z.string().min(1), file: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/), data: z.string() });
export type ImageLine = z.infer<typeof imageLineSchema>;
export type VersionFileLine = z.infer<typeof versionFileLineSchema>;

/** Same layout as config.ts `versionDir`. */
const versionDir = (root: string, name: string) => path.join(root, encodeURIComponent(name));

/** The artefact files of `version`, as dump lines (none for a version without a folder, e.g. generic). */
export function* versionFileLines(paths: DataPaths, version: string): Generator<VersionFileLine> {
  const dir = versionDir(paths.versions, version);
  if (!fs.existsSync(dir)) return;
  for (const file of fs.readdirSync(dir).sort()) {
    const full = path.join(dir, file);
    if (!fs.statSync(full).isFile() || !versionFileLineSchema.shape.file.safeParse(file).success) continue;
    yield { version, file, data: fs.readFileSync(full).toString('base64') };
  }
}

/** Writes one image into the content-addressed store after checking its hash; false if already there. */
export function writeImageLine(paths: DataPaths, line: ImageLine): boolean {
  const bytes = Buffer.from(line.data, 'base64');
  if (createHash('sha256').update(bytes).digest('hex') !== line.hash) throw new LoupeError('unprocessable', `image ${line.hash} does not match its hash`);
  const dest = imageFile(paths, line.hash, line.ext);
  if (fs.existsSync(dest)) return false;
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, dest);
  return true;
}

/**
 * Version artefacts are staged beside `<data>/versions` and moved into place only once the
 * database transaction has committed, so a failed import leaves no model without its version.
 */
export class VersionFileStage {
  private readonly dir: string;
  private readonly versions = new Set<string>();
  files = 0;

  constructor(private readonly paths: DataPaths) {
    this.dir = path.join(paths.root, `.import-versions-${process.pid}`);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  add(line: VersionFileLine): void {
    const dir = versionDir(this.dir, line.version);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, line.file), Buffer.from(line.data, 'base64'));
    this.versions.add(line.version);
    this.files++;
  }

  /** Moves every staged version folder into `<data>/versions`, replacing a stale one of the same name. */
  commit(): void {
    fs.mkdirSync(this.paths.versions, { recursive: true });
    for (const v of this.versions) {
      const dest = versionDir(this.paths.versions, v);
      fs.rmSync(dest, { recursive: true, force: true });
      fs.renameSync(versionDir(this.dir, v), dest);
    }
    this.discard();
  }

  discard(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
