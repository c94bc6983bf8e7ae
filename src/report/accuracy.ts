import { exactInnerProduct } from '../index/usearch-graphs.js';
import fs from 'node:fs';
import path from 'node:path';
import { versionDir, type DataPaths } from '../config.js';
import type { EvalReport, SideMetrics, VersionEvaluation } from '../eval/evaluate.js';
import { evaluateRetrieval } from '../eval/metrics.js';
import { loadVersionModel } from '../embedding/model.js';
import type { SplitRecord } from '../embedding/split.js';
import type { Db } from '../store/db.js';
import { itemsWithVectors } from '../store/training.js';

/** Accuracy rows of the report: each trained version vs its generic base, and the headline lift. */

export interface MetricRow {
  metric: string;
  generic: number;
  /** The generic vectors mean-centred (training items' mean) and unit length. */
  genericCentred: number;
  trained: number;
  /** trained / the better of generic and genericCentred - 1 (0.3 = +30%). */
  relativeLift: number;
}

export interface VersionAccuracy {
  name: string;
  base: string;
  heldOut: number;
  rows: MetricRow[];
  headline: MetricRow | null;
}

function metricRows(generic: SideMetrics, centred: SideMetrics, trained: SideMetrics, k: number): MetricRow[] {
  const rows: MetricRow[] = [];
  const push = (metric: string, g: number | undefined, gc: number | undefined, t: number | undefined) => {
    if (g === undefined || gc === undefined || t === undefined || ![g, gc, t].every(Number.isFinite)) return;
    const best = Math.max(g, gc);
    rows.push({ metric, generic: g, genericCentred: gc, trained: t, relativeLift: best > 0 ? t / best - 1 : NaN });
  };
  for (const kind of ['label', 'group'] as const) {
    for (const m of ['recall', 'map', 'ndcg', 'precision'] as const) push(`${kind}.${m}@${k}`, generic.retrieval[kind]?.[m], centred.retrieval[kind]?.[m], trained.retrieval[kind]?.[m]);
  }
  push(`catalogue.label.precision@${k}`, generic.catalogue?.precision, centred.catalogue?.precision, trained.catalogue?.precision);
  push('tagging.microF1', generic.tagging?.microF1, centred.tagging?.microF1, trained.tagging?.microF1);
  push('tagging.macroF1', generic.tagging?.macroF1, centred.tagging?.macroF1, trained.tagging?.macroF1);
  return rows;
}

export function versionAccuracy(v: VersionEvaluation, k: number): VersionAccuracy {
  const rows = metricRows(v.generic, v.genericCentred, v.trained, k);
  // The headline is the table's first row (same-label recall@10 when there are labels), whichever way it went.
  const headline = rows.find((r) => Number.isFinite(r.relativeLift)) ?? null;
  return { name: v.name, base: v.base, heldOut: v.heldOut, rows, headline };
}

export function accuracySection(report: EvalReport): VersionAccuracy[] {
  return report.versions.map((v) => versionAccuracy(v, report.k));
}

/** Retrieval mAP@10 (same label, else same group) of `version`'s vectors over `ids`, each id querying the others. */
export async function retrievalOn(db: Db, version: string, ids: ReadonlySet<string> | null, limit = 1500): Promise<{ metric: string; value: number; items: number } | null> {
  const all = await itemsWithVectors(db, version);
  let pool = ids ? all.filter((it) => ids.has(it.id)) : all;
  const field = pool.some((it) => it.labels.length) ? 'labels' : pool.some((it) => it.groups.length) ? 'groups' : null;
  if (!field) return null;
  pool = pool.filter((it) => it[field].length);
  if (pool.length > limit) {
    const step = pool.length / limit;
    pool = Array.from({ length: limit }, (_, i) => pool[Math.floor(i * step)]!);
  }
  if (pool.length < 2) return null;
  const byId = new Map(pool.map((it) => [it.id, it]));
  const r = evaluateRetrieval({
    candidateIds: pool.map((it) => it.id),
    candidateVectors: pool.map((it) => it.features),
    queries: pool.map((it) => it.id),
    relevant: (a, b) => byId.get(a)![field].some((x) => byId.get(b)![field].includes(x)),
    k: 10,
    search: exactInnerProduct,
  });
  return r.queries ? { metric: `${field === 'labels' ? 'label' : 'group'}.map@10`, value: r.map, items: pool.length } : null;
}

/** The held-out ids of a trained version (what every backbone is compared on), or null. */
export function heldOutIds(paths: DataPaths, version: string): Set<string> | null {
  const file = path.join(versionDir(paths, version), 'split.json');
  if (!fs.existsSync(file)) return null;
  return new Set((JSON.parse(fs.readFileSync(file, 'utf8')) as SplitRecord).heldOut);
}

/** CPU-seconds per item to project base vectors through a trained version (its only extra cost per image). */
export async function projectionCpuPerItem(db: Db, paths: DataPaths, version: string, base: string, n = 256): Promise<number> {
  const model = await loadVersionModel(paths, version);
  const items = (await itemsWithVectors(db, base)).slice(0, n);
  if (!items.length) return 0;
  const u0 = process.cpuUsage();
  model.project(items.map((it) => it.features));
  const u = process.cpuUsage(u0);
  return (u.user + u.system) / 1e6 / items.length;
}

/** Bytes of a backbone's weights: the converted ONNX file, or every .onnx under a transformers folder. */
export function modelBytes(file: string): number {
  if (!fs.existsSync(file)) return 0;
  const st = fs.statSync(file);
  if (st.isFile()) return st.size;
  let total = 0;
  for (const e of fs.readdirSync(file, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.onnx')) total += fs.statSync(path.join(e.parentPath, e.name)).size;
  }
  return total;
}
