/**
 * Goes-with where products recur across groups (the room scenes; no such set is here), on a
 * seeded generator over the clothing set's real photos, through the product's own training and
 * evaluation (`trainGoesWith`, `evaluateGoesWith`: what `loupe train` and `loupe eval` run).
 *
 * Generator (fixed before any score was seen): `--styles` hidden styles, each with a centre photo;
 * a photo takes the style of its nearest centre by generic cosine with probability `--visual`, else a
 * random style (so looks say part of it). Each of `--rooms` rooms picks a style (popularity ~ rank^-0.8)
 * and 4-6 of its photos (popularity ~ rank^-1 within the style, so some products recur in many rooms),
 * one per label where it can (a room holds a sofa, a table, a lamp; an outfit a top, trousers, shoes).
 * Split and protocol as everywhere: 30% of rooms held out by seed; a held-out room's members query
 * the whole catalogue for their room-mates; their other rooms stay visible.
 *   npm run bench -- complete-rooms [--seed N ...]
 *   node --import tsx bench/complete-rooms.ts [--seed N] [--styles 150] [--rooms 1500] [--visual 0.5]
 */
import { parseArgs } from 'node:util';
import { holdOutGroups } from '../src/complete/split.js';
import { trainGoesWith, type CompleteItem } from '../src/complete/train.js';
import { evaluateGoesWith } from '../src/complete/evaluate.js';
import { Rng } from '../src/embedding/random.js';
import { report } from './common.js';
import { clothingSenderItems } from './complete-data.js';

const { values } = parseArgs({
  options: { seed: { type: 'string', default: '1' }, styles: { type: 'string', default: '150' }, rooms: { type: 'string', default: '1500' }, visual: { type: 'string', default: '0.5' } },
});
const seed = Number(values.seed);
const [S, R, visual] = [Number(values.styles), Number(values.rooms), Number(values.visual)];

const photos = await clothingSenderItems();
const rng = new Rng(seed);
const unit = photos.map((p) => {
  const n = Math.hypot(...p.features) || 1;
  return p.features.map((v) => v / n);
});
const centres = rng.sample(
  photos.map((_, i) => i),
  S,
);
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);
const styleOf = photos.map((_, i) => {
  if (rng.next() >= visual) return rng.int(S);
  let [best, bestSim] = [0, -Infinity];
  centres.forEach((c, s) => {
    const sim = dot(unit[i]!, unit[c]!);
    if (sim > bestSim) [best, bestSim] = [s, sim];
  });
  return best;
});
const byStyle = Array.from({ length: S }, () => [] as number[]);
styleOf.forEach((s, i) => byStyle[s]!.push(i));
for (const m of byStyle) m.sort(() => rng.next() - 0.5);
/** An index in [0, n) with P(i) ~ (i + 1)^-power. */
const zipf = (n: number, power: number) => {
  const w = Array.from({ length: n }, (_, i) => (i + 1) ** -power);
  let u = rng.next() * w.reduce((a, b) => a + b, 0);
  for (let i = 0; i < n; i++) if ((u -= w[i]!) < 0) return i;
  return n - 1;
};
const styleRank = rng.sample(
  Array.from({ length: S }, (_, s) => s),
  S,
);
const groups = photos.map(() => [] as string[]);
for (let r = 0; r < R; r++) {
  const pool = byStyle[styleRank[zipf(S, 0.8)]!]!;
  if (pool.length < 2) continue;
  const size = Math.min(pool.length, 4 + rng.int(3));
  const room = new Set<number>();
  const labels = new Set<string>();
  for (let tries = 0; room.size < size && tries < size * 20; tries++) {
    const i = pool[zipf(pool.length, 1)]!;
    const label = photos[i]!.labels[0]!;
    if (room.has(i) || (labels.has(label) && tries < size * 10)) continue;
    room.add(i);
    labels.add(label);
  }
  for (const i of room) groups[i]!.push(`room:${r}`);
}
const items: CompleteItem[] = photos.map((p, i) => ({ ...p, groups: groups[i]! }));
const inRooms = items.filter((it) => it.groups.length).length;
const multi = items.filter((it) => it.groups.length > 1).length;
console.log(`${items.length} photos, ${R} rooms over ${S} styles (visual share ${visual}); ${inRooms} photos in a room, ${multi} in several`);

const split = holdOutGroups(items, seed, 0.3);
const t = Date.now();
const { model, report: trained } = await trainGoesWith(
  { items, hidden: split.hidden, split: { seed, fraction: 0.3, heldOutGroups: split.heldOutGroups } },
  { seed, maxSeconds: 20, log: (m) => console.log(`  ${m}`) },
);
console.log(`trained in ${((Date.now() - t) / 1000).toFixed(1)} s; step ${JSON.stringify(model.step)}`);
const e = (await evaluateGoesWith(model, items))!;
const rows = {
  'generic neighbours': e.generic,
  'colour neighbours': e.colour,
  'seen together (visible rooms), then generic': e.seenTogether,
  'seen together, then the walk, then generic': e.seenTogetherWalk,
  'goes-with without the group walk': e.goesWithNoWalk ?? e.goesWith,
  'goes-with (product)': e.goesWith,
};
for (const [k, v] of Object.entries(rows)) console.log(`  ${k.padEnd(46)} Recall@10 ${v === null ? '-' : v.toFixed(4)}`);
console.log(
  `  ${e.heldOutGroups} held-out rooms, ${e.queries} queries (${e.queriesWithVisibleGroups} share a visible room with some item); lift ${e.lift.toFixed(2)}x the strongest anchor, ${e.liftOverGeneric.toFixed(2)}x generic`,
);
report('complete-rooms', { seed, styles: S, rooms: R, visual, photos: items.length, inRooms, multi, step: model.step, trainSeconds: trained.seconds, evaluation: e });
