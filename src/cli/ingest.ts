import fs from 'node:fs/promises';
import path from 'node:path';
import { LoupeError } from '../errors.js';
import { ColumnMapError, ingestCatalogue, parseColumnMap, type IngestResult } from '../catalog/ingest.js';
import { catalogueFormat, CatalogueError, checkCatalogue } from '../catalog/parse.js';
import { dataPaths } from '../config.js';
import { openDb } from '../store/db.js';
import { DEFAULT_MAX_PIXELS } from '../vision/decode.js';
import { intOption, UsageError, type Command } from './command.js';

const PROGRESS_EVERY = 250;

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch (err) {
    // A missing catalogue file is reported after its type is checked; a missing folder here.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !path.extname(p)) throw new LoupeError('not_found', `no such file: ${p}`);
    return false;
  }
}

function summary(result: IngestResult): string {
  const n = result.errors.length;
  const lines = [`${result.ingested} ingested, ${result.updated} updated, ${result.unchanged} unchanged, ${n} error${n === 1 ? '' : 's'}`];
  for (const e of result.errors) {
    // Images found in a folder have no line; their reason names the file.
    const where = [e.line > 0 ? `line ${e.line}` : '', e.id !== null ? `(id ${e.id})` : ''].filter(Boolean).join(' ');
    lines.push(`  ${where ? `${where}: ` : ''}${e.reason}`);
  }
  return lines.join('\n');
}

export const ingestCommand: Command = {
  name: 'ingest',
  summary: 'Load a catalogue (items.csv / items.jsonl, or a folder of images) and its images into the library',
  usage: 'loupe ingest <items.csv|items.jsonl|FOLDER> [--map field=column,field=tpl/{col}.jpg] [--max-pixels N] [--json]',
  options: {
    map: {
      type: 'string',
      multiple: true,
      value: 'SPEC',
      description: 'column map for other layouts, e.g. id=image,image=images/{image}.jpg,labels=label',
    },
    'max-pixels': { type: 'string', value: 'N', description: `refuse images larger than N pixels (default ${DEFAULT_MAX_PIXELS})` },
  },
  async run(ctx, values, positionals) {
    const [file, ...extra] = positionals;
    if (!file) throw new UsageError('missing the catalogue file or image folder');
    if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
    const maxPixels = intOption(values, 'max-pixels', DEFAULT_MAX_PIXELS, 1, Number.MAX_SAFE_INTEGER);
    const folder = await isDirectory(file);
    if (folder && values.map) throw new UsageError('--map applies to catalogue files; a folder of images needs none');
    let map;
    try {
      if (!folder) catalogueFormat(file);
      map = parseColumnMap(values.map as string[] | undefined);
    } catch (err) {
      if (err instanceof ColumnMapError || err instanceof CatalogueError) throw new UsageError(err.message);
      throw err;
    }
    if (!folder) await checkCatalogue(file);

    const paths = dataPaths(ctx.dataDir);
    const db = await openDb({ url: ctx.dbUrl, dir: paths.db });
    let result: IngestResult;
    try {
      let lastLogged = 0;
      result = await ingestCatalogue(db, paths, file, {
        map,
        maxPixels,
        onProgress: (p) => {
          if (ctx.json || p.done - lastLogged < PROGRESS_EVERY || p.done === p.total) return;
          lastLogged = p.done;
          ctx.log(`ingest: ${p.done}/${p.total} (${p.ingested} new, ${p.updated} updated, ${p.unchanged} unchanged, ${p.errors} errors)`);
        },
      });
    } finally {
      await db.close();
    }
    ctx.print(result, summary(result));
    return result.ingested + result.updated + result.unchanged > 0 ? 0 : 1;
  },
};
