import { flattenMetrics } from './format';
import type { EvalReport, VersionInfo } from './types';

export interface MetricTable {
  versions: string[];
  /** Metric key -> one value per version (null where a version lacks it). */
  rows: Map<string, (number | null)[]>;
}

const COUNT_KEYS = new Set(['k', 'queries', 'skipped', 'tp', 'fp', 'fn', 'n', 'count', 'items', 'support', 'dims', 'size']);

function leaf(key: string): string {
  return key.split('.').pop() ?? key;
}

export function isPerLabel(key: string): boolean {
  return /(^|\.)(perlabel|per_label|labels|bins)(\.|$)/i.test(key);
}

/** One row per metric across versions, from the eval report (or the metrics stored on versions). */
export function metricTable(versions: { name: string; metrics: Record<string, unknown> | null }[]): MetricTable {
  const flat = versions.map((v) => flattenMetrics(v.metrics ?? {}));
  const keys: string[] = [];
  for (const f of flat) for (const k of Object.keys(f)) if (!keys.includes(k) && !isPerLabel(k)) keys.push(k);
  const rows = new Map<string, (number | null)[]>();
  for (const k of keys)
    rows.set(
      k,
      flat.map((f) => f[k] ?? null),
    );
  return { versions: versions.map((v) => v.name), rows };
}

/** Scores in [0, 1] (precision, recall, F1, NDCG...) chart together; counts and timings don't. */
export function qualityKeys(t: MetricTable): string[] {
  return [...t.rows.entries()].filter(([k, vals]) => !COUNT_KEYS.has(leaf(k).toLowerCase()) && vals.some((v) => v !== null) && vals.every((v) => v === null || (v >= 0 && v <= 1))).map(([k]) => k);
}

/** Groups metric keys by their first path segment (retrieval, tagging...) for one chart each. */
export function chartGroups(keys: string[], maxPerChart = 8): { title: string; keys: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const k of keys) {
    const head = k.includes('.') ? k.slice(0, k.indexOf('.')) : 'quality';
    groups.set(head, [...(groups.get(head) ?? []), k]);
  }
  return [...groups.entries()].flatMap(([title, ks]) => {
    const out: { title: string; keys: string[] }[] = [];
    for (let i = 0; i < ks.length; i += maxPerChart) out.push({ title: i ? `${title} (cont.)` : title, keys: ks.slice(i, i + maxPerChart) });
    return out;
  });
}

export function shortKey(key: string, group: string): string {
  return key.startsWith(`${group}.`) ? key.slice(group.length + 1) : key;
}

export type EvalSource = { kind: 'report'; report: EvalReport } | { kind: 'versions'; versions: VersionInfo[] } | { kind: 'none' };

/** Each evaluated version becomes two columns: its base and itself, measured on the same held-out items. */
function reportColumns(report: EvalReport): { name: string; metrics: Record<string, unknown> | null }[] {
  return (report.versions ?? []).flatMap((v) => {
    if ('metrics' in v) return [v];
    const text = v.text ? { text: { recall: v.text.recall, map: v.text.map } } : {};
    const keyword = v.text ? { text: { recall: v.text.keywordRecall, map: v.text.keywordMap } } : {};
    // Each part of the split gets its own chart: "new items" (known groups) and "new groups".
    const parts = (side: 'generic' | 'trained') =>
      Object.fromEntries(
        (
          [
            ['newItems', 'new items in known groups'],
            ['newGroups', 'whole new groups'],
          ] as const
        ).flatMap(([p, title]) => {
          const part = v.parts?.[p];
          return part && v.parts?.newItems && v.parts.newGroups ? [[title, part[side].retrieval]] : [];
        }),
      );
    return [
      { name: `${v.base} (${v.name} split)`, metrics: { ...v.generic, ...keyword, ...parts('generic') } },
      { name: v.name, metrics: { ...v.trained, ...text, ...(v.calibration ? { calibration: { ece: v.calibration.eceCalibrated } } : {}), ...parts('trained') } },
    ];
  });
}

export function sourceVersions(src: EvalSource): { name: string; metrics: Record<string, unknown> | null }[] {
  if (src.kind === 'report') return reportColumns(src.report);
  if (src.kind === 'versions') return src.versions.filter((v) => v.metrics && Object.keys(v.metrics).length > 0);
  return [];
}

type Retrieval = { retrieval?: Record<string, Record<string, number> | null> };

/**
 * Each part of the split is scored with only its own items as candidates; "overall" searches every
 * held-out item at once, so more distractors compete for the top 10 and a figure can land below
 * both parts. Names the figures where that happens, so the table does not read as an error.
 */
export function poolNotes(src: EvalSource): string[] {
  if (src.kind !== 'report') return [];
  const notes: string[] = [];
  for (const v of src.report.versions ?? []) {
    if (!('parts' in v) || !v.parts?.newItems || !v.parts.newGroups) continue;
    const { newItems, newGroups } = v.parts;
    for (const side of ['generic', 'trained'] as const) {
      for (const kind of ['label', 'group']) {
        const all = (v[side] as Retrieval).retrieval?.[kind]?.recall;
        const a = (newItems[side] as Retrieval).retrieval?.[kind]?.recall;
        const b = (newGroups[side] as Retrieval).retrieval?.[kind]?.recall;
        if (all === undefined || a === undefined || b === undefined || all >= Math.min(a, b)) continue;
        const name = side === 'generic' ? `${v.base} (${v.name} split)` : v.name;
        notes.push(`${name}: same-${kind} recall@10 overall ${all.toFixed(3)} is below both parts (${a.toFixed(3)}, ${b.toFixed(3)})`);
      }
    }
  }
  return notes;
}
