import os from 'node:os';
import type { DataPaths } from '../config.js';
import type { Encoder } from './encoder.js';
import { formatEncoderSpec, parseEncoderSpec, type EncoderRuntime, type EncoderSpec } from './encoders.js';
import { defaultLanes, LaneEncoder, threadsPerLane } from './lane-encoder.js';
import { WorkerEncoder } from './worker-encoder.js';

export interface EncoderPoolOptions {
  runtime?: EncoderRuntime;
  /** Inference threads in all, split between lanes; default: every core. */
  threads?: number;
  /**
   * Copies of each backbone run side by side (see LaneEncoder). Default 1, right for query uploads
   * (one photo: all threads on it is fastest); 'auto' suits batch jobs (`defaultLanes`).
   */
  lanes?: number | 'auto';
}

/**
 * Opens each backbone once per process, in worker threads, and hands it out by spec string. Only
 * query uploads and encode jobs need one: catalogue items are served from stored vectors.
 */
export class EncoderPool {
  private readonly open = new Map<string, Promise<Encoder>>();
  constructor(
    private readonly paths: DataPaths,
    private readonly opts: EncoderPoolOptions = {},
  ) {}

  get(spec: string): Promise<Encoder> {
    let enc = this.open.get(spec);
    if (!enc) {
      enc = this.start(parseEncoderSpec(spec)); // a bad spec fails here, with its own message
      enc.catch(() => this.open.delete(spec));
      this.open.set(spec, enc);
    }
    return enc;
  }

  private async start(spec: EncoderSpec): Promise<Encoder> {
    const threads = this.opts.threads ?? os.availableParallelism();
    const lanes = this.opts.lanes === 'auto' ? Math.min(defaultLanes(spec), threads) : Math.max(1, this.opts.lanes ?? 1);
    const options = {
      modelsDir: this.paths.models,
      threads: lanes > 1 ? threadsPerLane(threads, lanes) : threads,
      ...(this.opts.runtime ? { runtime: this.opts.runtime } : {}),
    };
    const formatted = formatEncoderSpec(spec);
    // The first lane alone, so a model converted on first use is converted once.
    const first = await WorkerEncoder.create(formatted, options);
    if (lanes === 1) return first;
    const opened = await Promise.allSettled(Array.from({ length: lanes - 1 }, () => WorkerEncoder.create(formatted, options)));
    const failed = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    const ok = [first, ...opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []))];
    if (failed) {
      await Promise.all(ok.map((e) => e.close()));
      throw failed.reason;
    }
    return new LaneEncoder(ok);
  }

  async close(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.close()));
  }
}
