/** A unit of progress reported by any long job (encode, train, ingest, index). */
export interface Progress {
  job: string;
  done: number;
  total: number;
  /** items per second over the run so far */
  rate: number;
  /** seconds left at the current rate, when known */
  eta: number | undefined;
  message?: string;
}

export type ProgressListener = (p: Progress) => void;

/** Tracks rate and ETA for a job of known size. */
export class ProgressMeter {
  private readonly started = performance.now();
  constructor(
    readonly job: string,
    public total: number,
    private readonly listener?: ProgressListener,
  ) {}
  done = 0;

  advance(n: number, message?: string): Progress {
    this.done += n;
    const p = this.snapshot(message);
    this.listener?.(p);
    return p;
  }

  snapshot(message?: string): Progress {
    const secs = (performance.now() - this.started) / 1000;
    const rate = secs > 0 ? this.done / secs : 0;
    const left = this.total - this.done;
    return { job: this.job, done: this.done, total: this.total, rate, eta: rate > 0 ? left / rate : undefined, ...(message ? { message } : {}) };
  }
}
