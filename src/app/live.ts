import { EventEmitter } from 'node:events';

export type LiveEvent =
  | { type: 'progress'; job: string; done: number; total: number; rate: number; eta: number | undefined; message?: string }
  | { type: 'job'; job: string; status: 'started' | 'done' | 'failed'; detail?: unknown }
  | { type: 'items'; action: 'ingested' | 'updated'; ids: string[]; count?: number }
  | { type: 'versions'; promoted: string }
  | { type: 'vectors'; version: string; count: number }
  | { type: 'events'; users: string[]; count: number };

/** In-process fan-out of job progress and data changes to server-sent-event subscribers. */
export class LiveBus {
  private readonly emitter = new EventEmitter();
  constructor() {
    this.emitter.setMaxListeners(0);
  }
  publish(event: LiveEvent): void {
    this.emitter.emit('event', event);
  }
  subscribe(fn: (event: LiveEvent) => void): () => void {
    this.emitter.on('event', fn);
    return () => this.emitter.off('event', fn);
  }
}
