import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `loupe-bench-${prefix}-`));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function summarize(ms: number[]): { p50: number; p99: number; mean: number } {
  const s = [...ms].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

export function machine(): string {
  return `${os.cpus()[0]?.model ?? 'cpu'} x${os.availableParallelism()}, load ${os.loadavg()[0]!.toFixed(2)}, node ${process.version}`;
}

/** The clothing set beside the repo, when present (benchmarks only; never committed). */
export const CLOTHING = path.resolve(import.meta.dirname, '../../shared/datasets/clothing');
export const SAMPLE = path.resolve(import.meta.dirname, '../examples/clothing-sample/items.csv');

/** Writes the results of a bench as JSON under bench/results/ (git-ignored) and prints them. */
export function report(name: string, result: Record<string, unknown>): void {
  const dir = path.resolve(import.meta.dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ name, machine: machine(), at: new Date().toISOString(), ...result }, null, 2));
  console.log(`\n${name}: ${JSON.stringify(result)}`);
}

/**
 * The product path every quality bench starts with: open `dataDir`, ingest the catalogue, encode
 * what is new into `generic`. Idempotent, so re-runs reuse the work. The caller closes the db.
 */
export async function ingestAndEncode(dataDir: string, catalogue: string, map?: string) {
  const [{ ingestCatalogue }, { dataPaths }, { encodeMissing }, { openDb }, { createEncoder, DEFAULT_ENCODER }] = await Promise.all([
    import('../src/catalog/ingest.js'),
    import('../src/config.js'),
    import('../src/app/encode.js'),
    import('../src/store/db.js'),
    import('../src/vision/encoders.js'),
  ]);
  const paths = dataPaths(dataDir);
  const db = await openDb({ dir: paths.db });
  console.log(machine());
  const t = performance.now();
  const ingest = await ingestCatalogue(db, paths, catalogue, map ? { map } : {});
  console.log(`ingest: ${ingest.ingested} new, ${ingest.unchanged} unchanged, ${ingest.errors.length} errors in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const encoder = await createEncoder(DEFAULT_ENCODER, { modelsDir: paths.models });
  const enc = await encodeMissing(db, paths, encoder, { version: 'generic', encoderSpec: DEFAULT_ENCODER });
  await encoder.close();
  console.log(`encode: ${enc.encoded} new in ${enc.seconds.toFixed(1)} s (${(enc.encoded / Math.max(enc.seconds, 1e-9)).toFixed(1)} img/s)`);
  return { db, paths };
}

/** `/proc/<pid>/status` field `key` (VmRSS, VmHWM, ...) in MiB. */
export function procMiB(pid: number, key: string): number {
  return Number(new RegExp(`${key}:\\s+(\\d+)`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
}

/** Starts `loupe serve` on `dataDir` in a fresh process and resolves with its URL once it listens. */
export async function startServe(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const repo = path.resolve(import.meta.dirname, '..');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'src/cli/main.ts'), 'serve', '--port', '0', '--json', '--data', dataDir], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /"url":"([^"]+)"/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`loupe serve exited ${code}: ${err.slice(-2000)}`)));
  });
  return { child, url };
}
