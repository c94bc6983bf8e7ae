import path from 'node:path';

/** Where everything Loupe stores lives: `--data DIR`, else `LOUPE_DATA`, else `./loupe-data`. */
export function resolveDataDir(flag?: string): string {
  return path.resolve(flag ?? process.env.LOUPE_DATA ?? 'loupe-data');
}

/** The data dir's layout, in one place so no module invents its own paths. */
export function dataPaths(dataDir: string) {
  return {
    root: dataDir,
    db: path.join(dataDir, 'db'),
    images: path.join(dataDir, 'images'),
    thumbs: path.join(dataDir, 'thumbs'),
    models: path.join(dataDir, 'models'),
    index: path.join(dataDir, 'index'),
    versions: path.join(dataDir, 'versions'),
    /** The latest proof report run (`loupe report` or the server's), so the CLI and the Report page quote one run. */
    report: path.join(dataDir, 'report', 'latest.json'),
    /** Each photo's colour vector by image hash: derived from the photos, rebuilt when missing. */
    colours: path.join(dataDir, 'cache', 'colours.json'),
  } as const;
}
export type DataPaths = ReturnType<typeof dataPaths>;

/** Content-addressed original: `<data>/images/<hh>/<sha256>.<ext>`. */
export function imageFile(paths: DataPaths, hash: string, ext: string): string {
  return path.join(paths.images, hash.slice(0, 2), `${hash}.${ext}`);
}

/** Its WebP thumbnail: `<data>/thumbs/<hh>/<sha256>.webp`. */
export function thumbFile(paths: DataPaths, hash: string): string {
  return path.join(paths.thumbs, hash.slice(0, 2), `${hash}.webp`);
}

/** What a version made by Loupe (train, import-vectors) may be called: it names a folder and a URL segment. */
export const VERSION_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** A trained version's artefacts (model, split, calibrator, goes-with model): `<data>/versions/<name>/`. */
export function versionDir(paths: DataPaths, name: string): string {
  return path.join(paths.versions, encodeURIComponent(name));
}
