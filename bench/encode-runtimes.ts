/**
 * Throughput of the default backbone on each runtime, on the same 64 decoded sample photos.
 *   node --import tsx bench/encode-runtimes.ts [--threads N] [--images N]
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { decodeForEncoder } from '../src/vision/decode.js';
import { createEncoder, DEFAULT_ENCODER, KNOWN_BACKBONES, type EncoderRuntime } from '../src/vision/encoders.js';

const { values } = parseArgs({ options: { threads: { type: 'string' }, images: { type: 'string' } } });
const cores = os.availableParallelism();
const count = Number(values.images ?? 64);
const threadCounts = values.threads ? [Number(values.threads)] : [...new Set([1, cores])];

const dir = path.join(import.meta.dirname, '..', 'examples', 'clothing-sample', 'images');
const files = (await readdir(dir))
  .filter((f) => f.endsWith('.jpg'))
  .sort()
  .slice(0, count);
const input = KNOWN_BACKBONES.find((b) => b.name === DEFAULT_ENCODER)!.input;
const images = await Promise.all(files.map((f) => decodeForEncoder(path.join(dir, f), input)));
const modelsDir = await mkdtemp(path.join(os.tmpdir(), 'loupe-bench-models-'));

console.log(`${DEFAULT_ENCODER}: ${images.length} photos, ${cores} cores, load avg ${os.loadavg()[0]!.toFixed(2)}`);
try {
  for (const runtime of ['onnx', 'tfjs'] as EncoderRuntime[]) {
    for (const threads of runtime === 'tfjs' ? [threadCounts[threadCounts.length - 1]!] : threadCounts) {
      const t0 = performance.now();
      const enc = await createEncoder(DEFAULT_ENCODER, { modelsDir, runtime, threads });
      const load = performance.now() - t0;
      await enc.encode(images.slice(0, 4)); // warm-up
      const cpu0 = process.cpuUsage();
      const t1 = performance.now();
      await enc.encode(images);
      const secs = (performance.now() - t1) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const cpuSecs = (cpu.user + cpu.system) / 1e6;
      const used = 'threads' in enc && typeof enc.threads === 'number' ? enc.threads : threads;
      await enc.close();
      // img per CPU-second is what an idle core would give; wall img/s suffers on a busy box.
      console.log(
        `${runtime.padEnd(5)} threads=${used}  ${(images.length / secs).toFixed(1).padStart(6)} img/s wall  ` +
          `${(images.length / cpuSecs).toFixed(1).padStart(6)} img/CPU-s  (load ${load.toFixed(0)} ms)`,
      );
    }
  }
} finally {
  await rm(modelsDir, { recursive: true, force: true });
}
