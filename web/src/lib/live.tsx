import { useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { LIVE_KEYS } from './queries';
import type { LiveEvent } from './types';

export type JobStatus = 'running' | 'done' | 'failed';

export interface JobState {
  job: string;
  status: JobStatus;
  done: number;
  total: number;
  rate: number;
  eta: number | null;
  detail: unknown;
  startedAt: number;
  updatedAt: number;
}

export type Connection = 'connecting' | 'open' | 'reconnecting' | 'unsupported';

export interface LiveState {
  connection: Connection;
  /** Jobs seen since the page opened, newest first. */
  jobs: JobState[];
  /** Short human notes of what happened, newest first. */
  log: { at: number; text: string }[];
}

const initial: LiveState = { connection: 'connecting', jobs: [], log: [] };
const LiveContext = createContext<LiveState>(initial);

export function useLive(): LiveState {
  return useContext(LiveContext);
}

function upsertJob(jobs: JobState[], name: string, patch: (prev: JobState | undefined) => JobState): JobState[] {
  const i = jobs.findIndex((j) => j.job === name && j.status === 'running');
  const prev = i >= 0 ? jobs[i] : undefined;
  const next = patch(prev);
  if (i >= 0) return jobs.map((j, k) => (k === i ? next : j));
  return [next, ...jobs].slice(0, 12);
}

function summarise(detail: unknown): string {
  if (!detail || typeof detail !== 'object') return '';
  const parts = Object.entries(detail as Record<string, unknown>)
    .filter(([, v]) => typeof v === 'number' || typeof v === 'string')
    .filter(([k]) => k !== 'catalogue')
    .map(([k, v]) => `${k} ${String(v)}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

export function reduceLive(state: LiveState, ev: LiveEvent, now = Date.now()): LiveState {
  const note = (text: string) => [{ at: now, text }, ...state.log].slice(0, 20);
  switch (ev.type) {
    case 'hello':
      return { ...state, connection: 'open' };
    case 'job': {
      if (ev.status === 'started') {
        const job: JobState = { job: ev.job, status: 'running', done: 0, total: 0, rate: 0, eta: null, detail: ev.detail, startedAt: now, updatedAt: now };
        return { ...state, jobs: upsertJob(state.jobs, ev.job, () => job), log: note(`${ev.job} started`) };
      }
      const jobs = upsertJob(state.jobs, ev.job, (prev) => ({
        ...(prev ?? { job: ev.job, done: 0, total: 0, rate: 0, eta: null, startedAt: now }),
        status: ev.status === 'failed' ? 'failed' : 'done',
        detail: ev.detail,
        eta: null,
        ...(ev.status === 'done' && prev && prev.total > 0 ? { done: prev.total } : {}),
        updatedAt: now,
      }));
      return { ...state, jobs, log: note(`${ev.job} ${ev.status === 'done' ? 'finished' : 'failed'}${summarise(ev.detail)}`) };
    }
    case 'progress': {
      const jobs = upsertJob(state.jobs, ev.job, (prev) => ({
        job: ev.job,
        status: 'running',
        detail: prev?.detail,
        startedAt: prev?.startedAt ?? now,
        done: ev.done,
        total: ev.total,
        rate: ev.rate,
        eta: ev.eta ?? null,
        updatedAt: now,
      }));
      return { ...state, jobs };
    }
    case 'items':
      return {
        ...state,
        log: note((ev.count ?? ev.ids.length) ? `${ev.count ?? ev.ids.length} item(s) ${ev.action}` : `catalogue ${ev.action === 'updated' ? 'updated' : 'has new items'}`),
      };
    case 'vectors':
      return { ...state, log: note(`index '${ev.version}' now holds ${ev.count.toLocaleString()} vectors`) };
    case 'versions':
      return { ...state, log: note(`now serving '${ev.promoted}' by default`) };
    default:
      return state;
  }
}

const EVENT_TYPES = ['hello', 'progress', 'job', 'items', 'vectors', 'versions'] as const;

/** Items, vectors or the served version changed on the server. */
const changesData = (ev: LiveEvent) => ev.type === 'items' || ev.type === 'vectors' || ev.type === 'versions';

/**
 * Subscribes once to `/api/live` (server-sent events) and shares the state with the whole app; a
 * data change invalidates the queries that show it (`LIVE_KEYS`), which refetch where on screen.
 */
export function LiveProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const [state, setState] = useState<LiveState>(initial);
  const pending = useRef<LiveEvent[]>([]);
  const timer = useRef<number | null>(null);

  useEffect(() => {
    if (typeof EventSource === 'undefined') {
      setState((s) => ({ ...s, connection: 'unsupported' }));
      return;
    }
    let source: EventSource | null = null;
    let retry: number | null = null;
    let closed = false;
    // Progress can arrive hundreds of times a second: apply events in small batches.
    const flush = () => {
      timer.current = null;
      const batch = pending.current;
      pending.current = [];
      setState((s) => batch.reduce((acc, ev) => reduceLive(acc, ev), s));
      if (batch.some(changesData)) for (const queryKey of LIVE_KEYS) void client.invalidateQueries({ queryKey });
    };
    const onEvent = (type: (typeof EVENT_TYPES)[number]) => (e: MessageEvent<string>) => {
      let data: Record<string, unknown> = {};
      try {
        data = JSON.parse(e.data) as Record<string, unknown>;
      } catch {
        return;
      }
      pending.current.push({ ...data, type } as LiveEvent);
      if (timer.current === null) timer.current = window.setTimeout(flush, 60);
    };
    const listeners = EVENT_TYPES.map((t) => [t, onEvent(t)] as const);
    const connect = () => {
      const es = new EventSource('/api/live');
      source = es;
      for (const [t, fn] of listeners) es.addEventListener(t, fn as EventListener);
      es.onopen = () => setState((s) => ({ ...s, connection: 'open' }));
      es.onerror = () => {
        setState((s) => ({ ...s, connection: 'reconnecting' }));
        // The browser retries by itself unless the server refused outright; then retry ourselves.
        if (es.readyState === EventSource.CLOSED && !closed) {
          es.close();
          retry = window.setTimeout(connect, 3000);
        }
      };
    };
    connect();
    return () => {
      closed = true;
      if (retry !== null) window.clearTimeout(retry);
      if (timer.current !== null) window.clearTimeout(timer.current);
      source?.close();
    };
  }, [client]);

  const value = useMemo(() => state, [state]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}
