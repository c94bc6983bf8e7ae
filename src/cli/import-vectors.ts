import fs from 'node:fs';
import { importVectors, type ImportVectorsResult } from '../app/import-vectors.js';
import { fileProblem, intOption, UsageError, type Command } from './command.js';
import { withStore } from './open.js';
import { progressBar } from './progress-bar.js';

/** Errors listed in the text output; --json carries them all. */
const SHOWN_ERRORS = 50;

function mustExist(file: string): void {
  try {
    if (!fs.statSync(file).isFile()) throw new UsageError(`is a folder, not a file: ${file}`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(fileProblem(err as Error, file));
  }
}

function summary(r: ImportVectorsResult): string {
  const n = r.errors.length;
  const lines = [
    `version '${r.version}' (imported, ${r.dims}-d) from ${r.rows} ${r.format} rows: ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged, ` +
      `${r.createdItems} items created without a photo, ${n} error${n === 1 ? '' : 's'} in ${r.seconds.toFixed(1)} s${r.promoted ? `; now served by default` : ''}`,
  ];
  for (const e of r.errors.slice(0, SHOWN_ERRORS)) lines.push(`  ${e.reason}`);
  if (n > SHOWN_ERRORS) lines.push(`  ... and ${n - SHOWN_ERRORS} more (--json lists them all)`);
  return lines.join('\n');
}

export const importVectorsCommand: Command = {
  name: 'import-vectors',
  summary: 'Import vectors made elsewhere (.npy + ids, or Parquet) as an embedding version of their own',
  usage: 'loupe import-vectors <vectors.npy --ids ids.txt | vectors.parquet [--column vector]> --version NAME [--create-items] [--promote] [--batch N] [--json]',
  options: {
    version: { type: 'string', value: 'NAME', description: 'the imported version to create or add to (dims must match)' },
    ids: { type: 'string', value: 'FILE', description: '.npy: item ids, one per line, in row order' },
    column: { type: 'string', value: 'NAME', description: "Parquet: the list-of-float column (default 'vector', else 'embedding'); ids are column 'id'" },
    'create-items': { type: 'boolean', description: 'add ids not in the catalogue as items without a photo (else each is an error)' },
    promote: { type: 'boolean', description: 'serve the version by default afterwards' },
    batch: { type: 'string', value: 'N', description: 'rows per transaction (default 10000)' },
  },
  async run(ctx, values, positionals) {
    const [file, ...extra] = positionals;
    if (!file || extra.length) throw new UsageError('expected exactly one vectors file');
    const version = values.version as string | undefined;
    if (!version) throw new UsageError('--version NAME is required: imported vectors form a version of their own');
    const ids = values.ids as string | undefined;
    mustExist(file);
    if (ids) mustExist(ids);
    const batchSize = intOption(values, 'batch', 10_000, 1, 100_000);
    return withStore(ctx, async ({ db }) => {
      const bar = ctx.json ? undefined : progressBar(`import-vectors ${version}`);
      let result: ImportVectorsResult;
      try {
        result = await importVectors(
          db,
          { file, version, ids, column: values.column as string | undefined, createItems: values['create-items'] === true, promote: values.promote === true, batchSize },
          bar,
        );
      } finally {
        bar?.end();
      }
      ctx.print(result, summary(result));
      return result.errors.length ? 1 : 0;
    });
  },
};
