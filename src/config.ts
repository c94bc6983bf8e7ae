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
  } as const;
}
export type DataPaths = ReturnType<typeof dataPaths>;
