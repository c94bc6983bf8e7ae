import os from 'node:os';
import { encodeMissing } from '../app/encode.js';
import { enqueueCommand } from './enqueue.js';
import { EncoderPool } from '../vision/encoder-pool.js';
import { refreshDerivedVersions } from '../app/projection.js';
import { scanCatalogueObjects, type ObjectScanResult } from '../app/scene.js';
import { DEFAULT_ENCODER, parseEncoderSpec } from '../vision/encoders.js';
import { intOption, UsageError, type Command } from './command.js';
import { withStore } from './open.js';
import { progressBar } from './progress-bar.js';

export const encodeCommand: Command = {
  name: 'encode',
  summary: 'Encode every image that has no vector yet with a generic backbone (resumable)',
  usage: 'loupe encode [--version generic] [--encoder mobilenet_v2_mid|transformers:DIR] [--runtime onnx|tfjs] [--batch N] [--threads N] [--lanes N] [--objects] [--enqueue [--task-size N]]',
  options: {
    version: { type: 'string', value: 'NAME', description: "version to write (default 'generic')" },
    encoder: { type: 'string', value: 'SPEC', description: `backbone: ${DEFAULT_ENCODER} (default) or transformers:/path/to/clip-or-siglip` },
    runtime: { type: 'string', value: 'NAME', description: 'onnx (default, fast) or tfjs (wasm fallback)' },
    batch: { type: 'string', value: 'N', description: 'images per batch (default 32)' },
    threads: { type: 'string', value: 'N', description: `inference threads (default ${os.availableParallelism()})` },
    lanes: { type: 'string', value: 'N', description: 'copies of the backbone inferring side by side, threads split between them (default 2 for the built-in backbone on 2+ cores, else 1)' },
    'max-pixels': { type: 'string', value: 'N', description: 'refuse images above this many pixels (default 50000000)' },
    objects: {
      type: 'boolean',
      description: "shop the look on the catalogue: detect the objects in each photo not yet scanned for this version (and trained versions built on it) and store each one's vector",
    },
    enqueue: { type: 'boolean', description: 'split the work (with --objects, the object scan too) into tasks for `loupe worker` processes instead of encoding here' },
    'task-size': { type: 'string', value: 'N', description: 'items (photos) per queued task (default 64)' },
  },
  async run(ctx, values) {
    const spec = (values.encoder as string | undefined) ?? DEFAULT_ENCODER;
    parseEncoderSpec(spec); // validate early
    const runtime = values.runtime as string | undefined;
    if (runtime !== undefined && runtime !== 'onnx' && runtime !== 'tfjs') throw new UsageError(`--runtime must be onnx or tfjs, got '${runtime}'`);
    const version = (values.version as string | undefined) ?? (spec === DEFAULT_ENCODER ? 'generic' : undefined);
    if (!version) throw new UsageError('a non-default --encoder needs its own --version NAME (generic is the default backbone)');
    const batchSize = intOption(values, 'batch', 32, 1, 1024);
    const threads = intOption(values, 'threads', os.availableParallelism(), 1, 256);
    const lanes = values.lanes === undefined ? 'auto' : intOption(values, 'lanes', 1, 1, 64);
    const maxPixels = intOption(values, 'max-pixels', 50_000_000, 1, 2_000_000_000);
    if (values.enqueue) {
      return enqueueCommand(ctx, { version, encoderSpec: spec, maxPixels, taskSize: intOption(values, 'task-size', 64, 1, 10_000), objects: values.objects === true });
    }
    return withStore(ctx, async ({ db, paths, indexes }) => {
      const pool = new EncoderPool(paths, { threads, lanes, ...(runtime ? { runtime } : {}) });
      try {
        const encoder = await pool.get(spec);
        const bar = ctx.json ? undefined : progressBar(`encode ${version}`);
        const result = await encodeMissing(db, paths, encoder, {
          version,
          encoderSpec: spec,
          batchSize,
          maxPixels,
          ...(bar ? { onProgress: bar } : {}),
        });
        bar?.end();
        const index = await indexes.sync(version);
        const derived = await refreshDerivedVersions(db, paths, indexes, version);
        let objects: ObjectScanResult | undefined;
        if (values.objects) {
          const objBar = ctx.json ? undefined : progressBar(`objects ${version}`);
          objects = await scanCatalogueObjects({ db, paths, encoders: pool }, { version, maxPixels, ...(objBar ? { onProgress: objBar } : {}) });
          objBar?.end();
        }
        const out = { ...result, index: { size: index.size, added: index.added, removed: index.removed }, projected: derived, ...(objects ? { objects } : {}) };
        const rate = result.seconds > 0 ? (result.encoded / result.seconds).toFixed(1) : '-';
        ctx.print(
          out,
          [
            `encoded ${result.encoded} item(s) into '${version}' in ${result.seconds.toFixed(1)} s (${rate}/s); index holds ${index.size}`,
            ...result.errors.map((e) => `  error: ${e.id}: ${e.reason}`),
            ...(objects ? [objectsLine(objects), ...objects.errors.map((e) => `  error: ${e.id}: ${e.reason}`)] : []),
          ].join('\n'),
        );
        const encodeOk = result.encoded > 0 || result.errors.length === 0;
        const objectsOk = !objects || objects.scanned > 0 || objects.errors.length === 0;
        return encodeOk && objectsOk ? 0 : 1;
      } finally {
        await pool.close();
      }
    });
  },
};

function objectsLine(r: ObjectScanResult): string {
  const per = r.scanned > 0 ? ` (${((r.seconds * 1000) / r.scanned).toFixed(0)} ms/photo)` : '';
  return `objects: scanned ${r.scanned} photo(s), stored ${r.objects} object vector(s) in ${r.versions.map((v) => `'${v}'`).join(', ')} in ${r.seconds.toFixed(1)} s${per}`;
}
