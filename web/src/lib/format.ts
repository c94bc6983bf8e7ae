/** Display helpers. */

const UUID_LIKE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$|^[0-9a-f]{24,}$/i;

/** An id short enough to tell items apart in a caption: a UUID's first 8 digits, a path's last part. */
export function shortId(id: string): string {
  const last = id.split('/').filter(Boolean).pop() ?? id;
  if (UUID_LIKE.test(last)) return last.slice(0, 8);
  return last.length > 24 ? `${last.slice(0, 23)}…` : last;
}

/** A caption people can read: the title, else the labels and a short id, never a bare UUID. */
export function titleOf(item: { id: string; title: string | null; labels?: readonly string[] }): string {
  const title = item.title?.trim();
  if (title) return title;
  const labels = item.labels?.filter(Boolean) ?? [];
  return labels.length ? `${labels.slice(0, 2).join(' · ')} ${shortId(item.id)}` : shortId(item.id);
}

export function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

export function score(x: number): string {
  return x.toFixed(3);
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  if (seconds < 1) return '<1s';
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const m = Math.floor(seconds / 60);
  return `${m}m ${Math.round(seconds - m * 60)}s`;
}

export function rate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '';
  return perSecond >= 10 ? `${Math.round(perSecond)}/s` : `${perSecond.toFixed(1)}/s`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

export function attrValue(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Turns a feed's `why` (string, list, or object) into short readable lines. */
export function whyLines(why: unknown): string[] {
  if (why === null || why === undefined) return [];
  if (typeof why === 'string') return [why];
  if (Array.isArray(why)) return why.flatMap((w) => whyLines(w));
  if (typeof why === 'object') {
    return Object.entries(why as Record<string, unknown>).map(([k, v]) => `${k}: ${typeof v === 'number' ? Number(v.toFixed(3)) : attrValue(v)}`);
  }
  return [String(why)];
}

/** Numeric leaves of a (possibly nested) metrics object, keyed by dotted path. */
export function flattenMetrics(obj: unknown, prefix = '', out: Record<string, number> = {}): Record<string, number> {
  if (typeof obj === 'number' && Number.isFinite(obj)) {
    out[prefix || 'value'] = obj;
  } else if (obj && typeof obj === 'object' && !Array.isArray(obj)) {
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) flattenMetrics(v, prefix ? `${prefix}.${k}` : k, out);
  }
  return out;
}
