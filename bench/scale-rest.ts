/**
 * The rest of the product at a million items, each through the CLI a shop would run, each in its own
 * process (wall seconds and peak RSS from `/usr/bin/time`): vectors from elsewhere (`loupe
 * import-vectors` of a seeded `.npy` with an ids file, `--create-items`), `loupe versions`, the index
 * build (`loupe index`), `loupe export` of the whole store, `loupe import` of that dump into an empty
 * data dir (then `loupe versions` there, whose counts must equal the source's), and `loupe report`
 * (its timings need photos: the bundled sample is ingested and encoded into the same catalogue, and
 * the report covers its `generic` version over all N + 306 items). The vectors are `scale-1m`'s
 * seeded clustered ones. `--keep DIR` keeps the files (a rerun reuses the .npy); `--skip` leaves out
 * steps (import-vectors, index, export, report).
 *   npm run bench -- scale-rest [--n 1000000] [--dims 256] [--keep DIR] [--skip report,...]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { machine, report, tempDir } from './common.js';
import { clusteredVectors } from './synthetic.js';

const { values } = parseArgs({ options: { n: { type: 'string' }, dims: { type: 'string' }, keep: { type: 'string' }, skip: { type: 'string' } } });
const N = Number(values.n ?? 1_000_000);
const D = Number(values.dims ?? 256);
const skip = new Set((values.skip ?? '').split(',').filter(Boolean));
const root = values.keep ? path.resolve(values.keep) : tempDir('scale-rest');
fs.mkdirSync(root, { recursive: true });
const repo = path.resolve(import.meta.dirname, '..');
console.log(`scale-rest: ${N} x ${D}-d in ${root}, ${machine()}`);

// The .npy (format 1.0, little-endian float32, C order) and its ids, written in slices.
const npy = path.join(root, 'vectors.npy');
const idsFile = path.join(root, 'ids.txt');
if (!fs.existsSync(npy)) {
  const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${N}, ${D}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  const text = header + ' '.repeat(pad % 64) + '\n';
  head.writeUInt16LE(text.length, 8);
  const fd = fs.openSync(`${npy}.partial`, 'w');
  fs.writeSync(fd, head);
  fs.writeSync(fd, text, null, 'latin1');
  const vectors = clusteredVectors(N, D, 1000, 42);
  const SLICE = 10_000;
  for (let i = 0; i < N; i += SLICE) {
    const part = vectors.slice(i, i + SLICE);
    const buf = new Float32Array(part.length * D);
    part.forEach((v, j) => buf.set(v, j * D));
    fs.writeSync(fd, new Uint8Array(buf.buffer));
  }
  fs.closeSync(fd);
  fs.writeFileSync(idsFile, Array.from({ length: N }, (_, i) => `imp-${String(i).padStart(7, '0')}`).join('\n') + '\n');
  fs.renameSync(`${npy}.partial`, npy);
}

interface Step {
  wallS: number;
  peakMiB: number;
  json?: unknown;
}
const steps: Record<string, Step> = {};

/** One CLI command in a fresh process; its JSON answer, wall seconds and peak RSS. */
function cli(name: string, args: string[]): Step {
  const timing = path.join(root, `${name}.time`);
  const t0 = performance.now();
  const run = spawnSync('/usr/bin/time', ['-f', '%M', '-o', timing, process.execPath, '--import', 'tsx', path.join(repo, 'src/cli/main.ts'), ...args, '--json'], {
    cwd: repo,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const wallS = (performance.now() - t0) / 1000;
  if (run.status !== 0) throw new Error(`${name} exited ${run.status}: ${run.stderr.slice(-2000)}`);
  const peakMiB = Number(fs.readFileSync(timing, 'utf8').trim().split('\n').pop()) / 1024;
  let json: unknown;
  try {
    json = JSON.parse(run.stdout);
  } catch {
    json = run.stdout.slice(-500);
  }
  const step = { wallS, peakMiB, json };
  steps[name] = step;
  console.log(`${name}: ${wallS.toFixed(1)} s wall, peak RSS ${peakMiB.toFixed(0)} MiB`);
  return step;
}

const data = path.join(root, 'data');
const copy = path.join(root, 'data-imported');
const dump = path.join(root, 'dump.jsonl.gz');
const versionCounts = (json: unknown) => (json as { versions: { name: string; count: number; status: string }[] }).versions.map((v) => ({ name: v.name, count: v.count, status: v.status }));

const sample = path.resolve(repo, 'examples/clothing-sample/items.csv');
const run = (step: string) => !skip.has(step);
if (run('import-vectors')) cli('import-vectors', ['import-vectors', npy, '--ids', idsFile, '--version', 'legacy', '--create-items', '--promote', '--data', data]);
const before = versionCounts(cli('versions', ['versions', '--data', data]).json);
console.log(`  versions: ${JSON.stringify(before)}`);
if (run('index')) cli('index', ['index', '--version', 'legacy', '--data', data]);
if (run('export')) {
  cli('export', ['export', dump, '--data', data]);
  console.log(`  dump: ${(fs.statSync(dump).size / 2 ** 20).toFixed(0)} MiB`);
  fs.rmSync(copy, { recursive: true, force: true });
  cli('import', ['import', dump, '--data', copy]);
  const after = versionCounts(cli('versions-imported', ['versions', '--data', copy]).json);
  if (JSON.stringify(after) !== JSON.stringify(before)) throw new Error(`imported versions ${JSON.stringify(after)} differ from the source's ${JSON.stringify(before)}`);
}
// The report times photos: the bundled sample's 306 go into the same catalogue, encoded as `generic`,
// so every catalogue-wide query of the report runs over all N + 306 items.
if (run('report')) {
  cli('ingest-sample', ['ingest', sample, '--data', data]);
  cli('encode-sample', ['encode', '--data', data]);
  cli('report', ['report', '--out', path.join(root, 'report'), '--version', 'generic', '--data', data]);
}

report('scale-rest', {
  n: N,
  dims: D,
  dumpMiB: fs.existsSync(dump) ? fs.statSync(dump).size / 2 ** 20 : null,
  steps: Object.fromEntries(Object.entries(steps).map(([k, s]) => [k, { wallS: +s.wallS.toFixed(1), peakMiB: Math.round(s.peakMiB) }])),
});
