/**
 * "Goes with": trains a version's compatibility model (beside its embedding model), answers
 * `complete` for an item with a reason per result, and measures complete-the-group Recall@10 on the
 * version's held-out groups (that measurement is in eval/evaluate.ts). Candidates are scored from the stored generic vectors, no pixels.
 */
import { versionDir, type DataPaths } from '../config.js';
import { GoesWithModel, dot, hasCompleteModel, loadCompleteModel, type Projected } from '../complete/model.js';
import { groupWalk } from '../complete/group-walk.js';
import { addTogether, addWalk, applyStep, centredColours, togetherCounts, topK } from '../complete/score.js';
import { holdOutGroups } from '../complete/split.js';
import type { CompleteItem, CompleteTrainReport } from '../complete/train.js';
import { LoupeError, notFound } from '../errors.js';
import type { Db, Queryable } from '../store/db.js';
import { vectorStamp } from '../store/goes-with.js';
import { itemColours } from '../vision/colour-cache.js';
import { itemExists } from '../store/items.js';
import { coInteractionPairs, itemsWithVectors, type ItemWithFeatures } from '../store/training.js';
import { getVersion, listVersions, promotedVersion, type VersionRow } from '../store/vectors.js';

/** Share of groups `loupe train` holds out of the goes-with model, for `loupe eval`. */
export const COMPLETE_HELD_OUT = 0.3;

export interface CompleteReason {
  /** One line for people, e.g. "together with this item in outfit:0012". */
  text: string;
  /** 'group': shares a group with the query; 'walk': shares one with an item that shares one with the query; 'like': a training group holds look-alikes of both; 'colour': mostly its palette; 'labels': only the label prior. */
  kind: 'group' | 'walk' | 'like' | 'colour' | 'labels' | 'model';
  group?: string;
  /** For 'walk': the item between them. */
  via?: string;
  /** Evidence items: a look-alike of the query and of the result that share `group`. */
  queryLike?: string;
  resultLike?: string;
  /** Groups in which the two labels occur together. */
  labelGroups?: number;
}

export interface CompleteResult {
  version: string;
  item: string;
  items: { id: string; score: number; labels: string[]; reason: CompleteReason }[];
}

/** Trains and saves the goes-with model of version `name` from its base vectors; null when nothing groups items. */
export async function trainCompleteModel(db: Queryable, paths: DataPaths, name: string, base: string, opts: { seed: number; log?: (m: string) => void }): Promise<CompleteTrainReport | null> {
  const rows = await itemsWithVectors(db, base);
  const pairs = await coInteractionPairs(db);
  const colours = await itemColours(db, paths, base);
  const items: CompleteItem[] = rows.map((r) => ({ id: r.id, features: r.features, labels: r.labels, groups: r.groups, colour: colours.get(r.id) }));
  const split = holdOutGroups(items, opts.seed, COMPLETE_HELD_OUT);
  const trainable = items.filter((it) => !split.hidden.has(it.id) && it.groups.length).length;
  if (trainable < 4 && !pairs.length) return null;
  // Training and evaluation load tfjs, which serving (completeItem) never needs: imported on use.
  const { trainGoesWith } = await import('../complete/train.js');
  try {
    const { model, report } = await trainGoesWith(
      { items, hidden: split.hidden, pairs, split: { seed: opts.seed, fraction: COMPLETE_HELD_OUT, heldOutGroups: [...split.heldOutGroups] } },
      { seed: opts.seed, maxSeconds: 20, ...(opts.log ? { log: opts.log } : {}) },
    );
    await model.save(versionDir(paths, name));
    return report;
  } catch (err) {
    if (/nothing to learn/.test((err as Error).message)) return null;
    throw err;
  }
}

/** The version asked for (it must have a goes-with model), else the promoted one, else the newest that has one. */
export async function resolveCompleteVersion(db: Queryable, paths: DataPaths, version?: string): Promise<string> {
  if (version) {
    if (!(await getVersion(db, version))) throw notFound(`unknown version '${version}' (see \`loupe versions\`)`);
    if (!hasCompleteModel(paths, version)) throw new LoupeError('conflict', `version '${version}' has no goes-with model: train one with \`loupe train\` on a catalogue with groups or events`);
    return version;
  }
  const promoted = await promotedVersion(db);
  if (hasCompleteModel(paths, promoted)) return promoted;
  const ready = (await listVersions(db)).filter((v) => v.kind !== 'generic' && v.status === 'ready' && hasCompleteModel(paths, v.name));
  const newest = ready[ready.length - 1];
  if (!newest) throw new LoupeError('conflict', 'no version has a goes-with model yet: run `loupe train` on a catalogue with groups (outfits, rooms, boards) or events');
  return newest.name;
}

interface Catalogue {
  stamp: string;
  items: ItemWithFeatures[];
  index: Map<string, number>;
  projected: Projected[];
  unit: Float32Array[];
  /** Centred unit colour vectors (zeros for an item without a photo). */
  colour: Float32Array[];
}

const catalogues = new Map<string, Promise<Catalogue>>();

async function catalogue(db: Queryable, paths: DataPaths, model: GoesWithModel, version: string, base: string): Promise<Catalogue> {
  const stamp = await vectorStamp(db, base);
  const key = `${version}\u0000${base}`;
  const cached = await catalogues.get(key)?.catch(() => undefined);
  if (cached?.stamp === stamp) return cached;
  const p = (async () => {
    const items = await itemsWithVectors(db, base);
    const colours = model.step.colourWeight ? await itemColours(db, paths, base) : new Map<string, Float32Array>();
    const colour = centredColours(items.map((it) => colours.get(it.id)));
    const unit = items.map((it) => {
      const n = Math.sqrt(dot(it.features, it.features)) || 1;
      return it.features.map((v) => v / n);
    });
    return { stamp, items, index: new Map(items.map((it, i) => [it.id, i])), projected: items.map((it) => model.project(it.features)), unit, colour };
  })();
  catalogues.set(key, p);
  return p;
}

/** An item sharing a group with the query (`near`) and another with the candidate (`far`), if any. */
function walkStep(cat: Catalogue, groups: Map<string, number[]>, qi: number, ci: number): { via: number; near: string; far: string } | undefined {
  const farGroups = new Set(cat.items[ci]!.groups);
  for (const near of cat.items[qi]!.groups)
    for (const m of groups.get(near) ?? []) {
      if (m === qi || m === ci) continue;
      const far = cat.items[m]!.groups.find((g) => g !== near && farGroups.has(g));
      if (far) return { via: m, near, far };
    }
  return undefined;
}

const name = (it: ItemWithFeatures) => (it.title ? `${it.title} (${it.id})` : it.id);

/** Why `c` goes with `q`: a shared group, else the training group holding the closest look-alikes of both, else the label prior. */
function reasonFor(cat: Catalogue, model: GoesWithModel, qi: number, ci: number, qSims: Float32Array, groups: Map<string, number[]>): CompleteReason {
  const q = cat.items[qi]!;
  const c = cat.items[ci]!;
  const shared = q.groups.find((g) => c.groups.includes(g));
  if (shared) return { kind: 'group', group: shared, text: `together with this item in ${shared}` };
  if (model.step.walkWeight) {
    const step = walkStep(cat, groups, qi, ci);
    if (step) return { kind: 'walk', group: step.far, via: cat.items[step.via]!.id, text: `together in ${step.far} with ${name(cat.items[step.via]!)}, which is with this item in ${step.near}` };
  }
  const cSims = new Float32Array(cat.items.length).map((_, j) => dot(cat.unit[ci]!, cat.unit[j]!));
  let best = { score: -Infinity, group: '', a: -1, b: -1 };
  for (const [g, members] of groups) {
    // The best (a, b != a) pair from each side's top two members.
    const top2 = (sims: Float32Array, skip: (i: number) => boolean) => {
      let [x, y] = [-1, -1];
      for (const i of members) {
        if (skip(i)) continue;
        if (x < 0 || sims[i]! > sims[x]!) [x, y] = [i, x];
        else if (y < 0 || sims[i]! > sims[y]!) y = i;
      }
      return [x, y] as const;
    };
    const skip = (i: number) => i === qi || i === ci;
    const [a1, a2] = top2(qSims, skip);
    const [b1, b2] = top2(cSims, skip);
    for (const [a, b] of [
      [a1, b1],
      [a1, b2],
      [a2, b1],
    ] as const) {
      if (a < 0 || b < 0 || a === b) continue;
      const s = qSims[a]! + cSims[b]!;
      if (s > best.score) best = { score: s, group: g, a, b };
    }
  }
  const labelGroups = Math.max(0, ...q.labels.flatMap((a) => c.labels.map((b) => model.prior.count(a, b))));
  const labelText = labelGroups && c.labels.length && q.labels.length ? `${c.labels[0]} goes with ${q.labels[0]} in ${labelGroups} group${labelGroups === 1 ? '' : 's'}` : '';
  if (best.a >= 0 && best.score > 1) {
    const [a, b] = [cat.items[best.a]!, cat.items[best.b]!];
    return {
      kind: 'like',
      group: best.group,
      queryLike: a.id,
      resultLike: b.id,
      ...(labelGroups ? { labelGroups } : {}),
      text: `like ${name(b)}, together with ${name(a)} (like this item) in ${best.group}${labelText ? `; ${labelText}` : ''}`,
    };
  }
  // The palette term is most of this candidate's score: say so rather than credit the model.
  const palette = model.step.colourWeight * dot(cat.colour[qi]!, cat.colour[ci]!);
  if (palette > 0.5 && palette > GoesWithModel.scores(cat.projected[qi]!, [cat.projected[ci]!])[0]!) {
    return { kind: 'colour', ...(labelGroups ? { labelGroups } : {}), text: `a palette like this item's${labelText ? `; ${labelText}` : ''}` };
  }
  if (labelText) return { kind: 'labels', labelGroups, text: labelText };
  return { kind: 'model', text: 'learned from items that appear together' };
}

/** The vectors a version's goes-with model reads: a trained version's base, an imported version's own. */
export function goesWithBase(row: Pick<VersionRow, 'name' | 'kind' | 'config'> | undefined): string {
  if (row?.kind === 'imported') return row.name;
  return String(row?.config.base ?? 'generic');
}

export async function completeItem(db: Db, paths: DataPaths, id: string, k: number, version?: string): Promise<CompleteResult> {
  const name = await resolveCompleteVersion(db, paths, version);
  const row = await getVersion(db, name);
  const base = goesWithBase(row);
  const model = await loadCompleteModel(paths, name);
  const cat = await catalogue(db, paths, model, name, base);
  const qi = cat.index.get(id);
  if (qi === undefined) {
    if (!(await itemExists(db, id))) throw notFound(`no item with id '${id}'`);
    throw new LoupeError('conflict', `item '${id}' has no '${base}' vector yet (run \`loupe encode\`)`);
  }
  const q = cat.items[qi]!;
  const qSims = new Float32Array(cat.items.length).map((_, j) => dot(cat.unit[qi]!, cat.unit[j]!));
  const { genericWeight, colourWeight } = model.step;
  const qColour = cat.colour[qi]!;
  const mixed = GoesWithModel.scores(cat.projected[qi]!, cat.projected).map((s, j) => s + genericWeight * qSims[j]! + (colourWeight ? colourWeight * dot(qColour, cat.colour[j]!) : 0));
  const scores = applyStep(
    mixed,
    q.labels,
    cat.items.map((it) => it.labels),
    model.step,
    model.prior,
  );
  const groups = new Map<string, number[]>();
  cat.items.forEach((it, i) => it.groups.forEach((g) => (groups.get(g) ?? groups.set(g, []).get(g)!).push(i)));
  const groupsOf = cat.items.map((it) => it.groups);
  if (model.step.walkWeight) addWalk(scores, groupWalk(qi, groupsOf, groups), model.step.walkWeight);
  addTogether(scores, togetherCounts(qi, groupsOf, groups));
  const top = topK(scores, k, new Set([qi]));
  return {
    version: name,
    item: id,
    items: top.map((i) => ({ id: cat.items[i]!.id, score: scores[i]!, labels: cat.items[i]!.labels, reason: reasonFor(cat, model, qi, i, qSims, groups) })),
  };
}
