/**
 * `npm run bench`: every benchmark in sequence, each printing its side-by-side ratios and writing
 * bench/results/<name>.json. Pass names to run a subset: `npm run bench -- similar-100k`.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ALL: Record<string, string[]> = {
  'encode-pipeline': ['bench/encode-pipeline.ts'],
  'encode-runtimes': ['bench/encode-runtimes.ts'],
  'similar-100k': ['bench/similar-100k.ts'],
  'request-time': ['bench/request-time.ts'],
  'generic-precision': ['bench/generic-precision.ts'],
  'train-clothing': ['bench/train-clothing.ts'],
  'complete-group': ['bench/complete-group.ts'],
  'complete-rooms': ['bench/complete-rooms.ts'],
  'taste-update': ['bench/taste-update.ts'],
  'feed-eval': ['bench/feed-eval.ts'],
  'feed-synthetic': ['bench/feed-synthetic.ts'],
  'feed-scale': ['bench/feed-scale.ts'],
  'feed-served': ['bench/feed-served.ts'],
  'assistant-eval': ['bench/assistant-eval.ts'],
  'assistant-latency': ['bench/assistant-latency.ts'],
  'assistant-sweep': ['bench/assistant-sweep.ts'],
  'quality-clothing': ['bench/quality-clothing.ts'],
  workers: ['bench/workers.ts'],
  crash: ['bench/crash-stress.ts'],
  'load-similar': ['bench/load-similar.ts'],
  'shop-the-look': ['bench/shop-the-look.ts'],
  'scale-1m': ['bench/scale-1m.ts'],
  'scale-1m-serve': ['bench/scale-1m-serve.ts'],
  'scale-rest': ['bench/scale-rest.ts'],
  'ann-expansion': ['bench/ann-expansion.ts'],
};

// Options (`--n 100000`) go to every bench named; the rest are bench names.
const args = process.argv.slice(2);
const flagAt = args.findIndex((a) => a.startsWith('--'));
const names = flagAt < 0 ? args : args.slice(0, flagAt);
const flags = flagAt < 0 ? [] : args.slice(flagAt);
const wanted = names.length ? names : Object.keys(ALL);
let failed = 0;
for (const name of wanted) {
  const script = ALL[name];
  if (!script) {
    console.error(`unknown bench '${name}': ${Object.keys(ALL).join(', ')}`);
    process.exitCode = 2;
    continue;
  }
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', ...script, ...flags], { cwd: path.resolve(import.meta.dirname, '..'), stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
if (failed) {
  console.error(`${failed} bench(es) failed`);
  process.exitCode = 1;
}
