import os from 'node:os';
import { LoupeError } from '../errors.js';
import type { InputSpec, RgbImage } from './encoder.js';
import { canEncodeText, type EncoderRuntime, type EncoderSpec, type RuntimeEncoder } from './encoders.js';

/**
 * Several copies of one backbone, each in its own worker thread with its own share of the cores.
 * Each `encode` call is cut into contiguous slices, one per lane, inferred at the same time and
 * joined back in order. On few cores this beats one session with all the threads: lanes never wait
 * on each other inside an operator, so decoding and writing on the main thread slot in without
 * stalling inference (BENCHMARKS.md, issue #2). Costs one model copy in memory per lane.
 */
export class LaneEncoder implements RuntimeEncoder {
  readonly id: string;
  readonly dims: number;
  readonly input: InputSpec;
  readonly runtime: EncoderRuntime | 'transformers';
  readonly hasText: boolean;

  constructor(private readonly lanes: readonly RuntimeEncoder[]) {
    const first = lanes[0];
    if (!first) throw new Error('LaneEncoder needs at least one lane');
    for (const l of lanes) {
      if (l.id !== first.id || l.dims !== first.dims) throw new Error(`lanes disagree: '${l.id}' (${l.dims}-d) vs '${first.id}' (${first.dims}-d)`);
    }
    this.id = first.id;
    this.dims = first.dims;
    this.input = first.input;
    this.runtime = first.runtime;
    this.hasText = canEncodeText(first);
  }

  get laneCount(): number {
    return this.lanes.length;
  }

  async encode(images: readonly RgbImage[]): Promise<Float32Array[]> {
    const per = Math.ceil(images.length / this.lanes.length);
    const slices = this.lanes.map((_, i) => images.slice(i * per, (i + 1) * per)).filter((s) => s.length > 0);
    const parts = await Promise.all(slices.map((s, i) => this.lanes[i]!.encode(s)));
    return parts.flat();
  }

  /** Text queries are single and latency-bound: the first lane answers them. */
  encodeText(texts: readonly string[]): Promise<Float32Array[]> {
    const first = this.lanes[0]!;
    if (!canEncodeText(first)) return Promise.reject(new LoupeError('bad_request', `encoder '${this.id}' has no text model`));
    return first.encodeText(texts);
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((l) => l.close()));
  }
}

/** How many lanes a batch job gets by default for `spec` on `cores` cores. */
export function defaultLanes(spec: EncoderSpec, cores = os.availableParallelism()): number {
  // Measured on the built-in backbone only, on 2 vCPUs: 1.06-1.14x the photos/s of one 2-thread
  // session in the encode bench, within noise on the full clothing set, never clearly slower.
  // A transformers folder may hold a model too big to copy: one lane.
  return typeof spec === 'string' ? Math.max(1, Math.min(2, cores)) : 1;
}

export function threadsPerLane(threads: number, lanes: number): number {
  return Math.max(1, Math.floor(threads / lanes));
}
