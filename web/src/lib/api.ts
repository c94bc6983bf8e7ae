import type { EvalReport, Feed, FeedEvalReport, Health, ItemPage, ItemSceneResult, ItemView, SceneResult, SimilarResult, Stats, TagSuggestions, UserSummary, VersionInfo } from './types';
import type { ProofReport, QualityReport } from './reportTypes';

/** An API failure, carrying the HTTP status and the server's `{error:{code,message}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  /** The route itself does not exist on this server (an older or partial build). */
  get missingRoute(): boolean {
    return this.status === 404 && (this.code === 'route_missing' || this.message.startsWith('no route for'));
  }
}

async function parse<T>(res: Response): Promise<T> {
  const type = res.headers.get('content-type') ?? '';
  // The server answers unknown GET paths with the app's index.html (SPA fallback): for an API
  // call that means the route does not exist on this server.
  if (type.startsWith('text/html')) throw new ApiError(404, 'route_missing', `no route for ${new URL(res.url, window.location.href).pathname}`);
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    // A 404 that is not our JSON error (e.g. the SPA fallback or a proxy) means the route is absent.
    const code = err?.code ?? (res.status === 404 ? 'route_missing' : 'http_error');
    throw new ApiError(res.status, code, err?.message ?? `${res.status} ${res.statusText || 'request failed'}`);
  }
  if (body === undefined) throw new ApiError(res.status, 'bad_response', 'the server sent no JSON');
  return body as T;
}

async function get<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' }, ...(signal ? { signal } : {}) });
  return parse<T>(res);
}

async function post<T>(path: string, apiKey: string): Promise<T> {
  const res = await fetch(path, { method: 'POST', headers: { accept: 'application/json', authorization: `Bearer ${apiKey}` } });
  return parse<T>(res);
}

function qs(params: Record<string, string | number | undefined | null>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

const enc = encodeURIComponent;

export const api = {
  health: (signal?: AbortSignal) => get<Health>('/api/health', signal),
  stats: (signal?: AbortSignal) => get<Stats>('/api/stats', signal),
  items: (q: { cursor?: string | null; limit?: number; label?: string | null; group?: string | null }, signal?: AbortSignal) =>
    get<ItemPage>(`/api/items${qs({ cursor: q.cursor, limit: q.limit, label: q.label, group: q.group })}`, signal),
  item: (id: string, signal?: AbortSignal) => get<ItemView>(`/api/items/${enc(id)}`, signal),
  similar: (id: string, q: { k?: number; version?: string | null }, signal?: AbortSignal) =>
    get<SimilarResult>(`/api/items/${enc(id)}/similar${qs({ k: q.k, version: q.version, expand: 1 })}`, signal),
  tags: (id: string, signal?: AbortSignal) => get<TagSuggestions>(`/api/items/${enc(id)}/tags`, signal),
  itemScene: (id: string, k: number, signal?: AbortSignal) => get<ItemSceneResult>(`/api/items/${enc(id)}/scene${qs({ k, expand: 1, unscanned: 'empty' })}`, signal),
  versions: (signal?: AbortSignal) => get<{ versions: VersionInfo[] }>('/api/versions', signal),
  promote: (name: string, apiKey: string) => post<{ promoted: string; previous: string }>(`/api/versions/${enc(name)}/promote`, apiKey),
  retire: (name: string, apiKey: string) => post<{ retired: string }>(`/api/versions/${enc(name)}/retire`, apiKey),
  textSearch: (q: string, k: number, version?: string | null, signal?: AbortSignal) => get<SimilarResult>(`/api/search${qs({ q, k, version, expand: 1 })}`, signal),
  imageSearch: async (file: Blob, k: number, signal?: AbortSignal): Promise<SimilarResult> => {
    const res = await fetch(`/api/search/image${qs({ k, expand: 1 })}`, {
      method: 'POST',
      headers: { 'content-type': file.type && file.type.startsWith('image/') ? file.type : 'application/octet-stream', accept: 'application/json' },
      body: file,
      ...(signal ? { signal } : {}),
    });
    return parse<SimilarResult>(res);
  },
  sceneSearch: async (file: Blob, k: number, box: readonly number[] | null, signal?: AbortSignal): Promise<SceneResult> => {
    const res = await fetch(`/api/search/scene${qs({ k, expand: 1, box: box ? box.join(',') : null })}`, {
      method: 'POST',
      headers: { 'content-type': file.type && file.type.startsWith('image/') ? file.type : 'application/octet-stream', accept: 'application/json' },
      body: file,
      ...(signal ? { signal } : {}),
    });
    return parse<SceneResult>(res);
  },
  users: (signal?: AbortSignal) => get<{ users: UserSummary[] }>('/api/users', signal),
  feed: (user: string, k: number, signal?: AbortSignal) => get<Feed>(`/api/users/${enc(user)}/feed${qs({ k, expand: 1 })}`, signal),
  eval: (signal?: AbortSignal) => get<EvalReport>('/api/eval', signal),
  feedEval: (signal?: AbortSignal) => get<FeedEvalReport>('/api/eval/feed', signal),
  report: (signal?: AbortSignal) => get<ProofReport>('/api/report', signal),
  quality: (signal?: AbortSignal) => get<QualityReport>('/api/quality', signal),
};

/** A short human message for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
