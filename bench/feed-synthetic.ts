/**
 * Feeds on seeded synthetic behaviour: shoppers with hidden tastes (part visual, part hidden
 * communities and co-purchase pairs, popularity skew, sessions, drift, late items) generated over a
 * real catalogue's generic vectors, written to the store as ordinary events, then every feed
 * method and anchor (popularity, item-kNN, EASE, ALS) through the product's evaluation.
 *   node --import tsx bench/feed-synthetic.ts [--catalogue FILE --map SPEC] [--data DIR] [--people 600] [--seed 7] [--protocol last-positive] [--holdout 5] [-k 20]
 * Defaults to the clothing set beside the repo (the sample with --catalogue examples/clothing-sample/items.csv).
 * --groups scores the groups-as-users protocol on the same catalogue instead (each sender plays a user).
 * --generator raters: a rating site's behaviour instead of shoppers (src/graph/synth/raters.ts: non-visual
 * genre tastes, new releases, genre browsing, one sitting; ratings >= 4 are saves), --people 943 by default.
 * --drift P (raters): chance per rating that one of a person's liked genres gives way to another (default 0).
 * --fit-min-se N: standard errors a step of the blend fit must gain by (default 1; 0 takes any gain, the fit before 2026-12-05).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { HOLDOUT_PROTOCOLS, type HoldoutProtocol } from '../src/graph/evaluate.js';
import { evaluateFeedsOnStore, type FeedEvalReport } from '../src/graph/io/feed-eval.js';
import { indexVectors } from '../src/graph/io/index-vectors.js';
import { generateRaters } from '../src/graph/synth/raters.js';
import { generateShoppers } from '../src/graph/synth/shoppers.js';
import { IndexRegistry } from '../src/index/registry.js';
import { allEvents, graphItems, insertEvents } from '../src/store/events.js';
import { CLOTHING, ingestAndEncode, report } from './common.js';

const { values } = parseArgs({
  options: {
    catalogue: { type: 'string', default: path.join(CLOTHING, 'images.csv') },
    map: { type: 'string', default: 'id=image,image=images/{image}.jpg,labels=label,groups=sender_id' },
    data: { type: 'string' },
    people: { type: 'string' },
    generator: { type: 'string', default: 'shoppers' },
    seed: { type: 'string', default: '7' },
    protocol: { type: 'string', default: 'last-positive' },
    holdout: { type: 'string', default: '5' },
    k: { type: 'string', short: 'k', default: '20' },
    name: { type: 'string', default: 'feed-synthetic' },
    groups: { type: 'boolean', default: false },
    'fit-min-se': { type: 'string' },
    drift: { type: 'string', default: '0' },
  },
});
const protocol = values.protocol as HoldoutProtocol;
const generator = values.generator!;
if (generator !== 'shoppers' && generator !== 'raters') throw new Error('--generator: shoppers or raters');
const people = Number(values.people ?? (generator === 'raters' ? 943 : 600));
if (!HOLDOUT_PROTOCOLS.includes(protocol)) throw new Error(`--protocol: one of ${HOLDOUT_PROTOCOLS.join(', ')}`);
const sample = !values.catalogue!.startsWith(CLOTHING);
const data =
  values.data ??
  path.resolve(
    import.meta.dirname,
    `../.tmp/feed-synth-${sample ? 'sample' : 'clothing'}${generator === 'raters' ? '-raters' : ''}-p${people}-s${values.seed}${Number(values.drift) ? `-d${values.drift}` : ''}`,
  );
const { db } = await ingestAndEncode(data, values.catalogue!, sample ? undefined : values.map!);
const indexes = new IndexRegistry(db, path.join(data, 'index'));
await indexes.sync('generic');

let stored = 0;
for await (const page of allEvents(db)) stored += page.length;
if (!stored) {
  const items: { id: string; labels: string[] }[] = [];
  for await (const page of graphItems(db)) items.push(...page);
  const vectors = indexVectors(indexes, 'generic');
  const t = performance.now();
  const events =
    generator === 'raters'
      ? generateRaters(
          items.map((i) => i.id),
          { people, seed: Number(values.seed), drift: Number(values.drift) },
        )
      : generateShoppers(items, (id) => vectors.vector(id), { people, seed: Number(values.seed) });
  await insertEvents(db, events);
  console.log(`generated ${events.length} events for ${people} ${generator} over ${items.length} items in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

// --groups: the same catalogue with each group (sender) playing a user instead of the shoppers.
const res = await evaluateFeedsOnStore(db, indexes, {
  version: 'generic',
  protocol,
  holdout: Number(values.holdout),
  k: Number(values.k),
  groupsAsUsers: values.groups,
  ...(values['fit-min-se'] === undefined ? {} : { fitMinSe: Number(values['fit-min-se']) }),
});
await db.close();
printFeedTable(res);
report(values.name!, { ...res, blend: { ...res.blend, trials: res.blend.trials.length } });

export function printFeedTable(r: FeedEvalReport): void {
  const lambda = r.easeLambda?.tried.length
    ? `; EASE λ ${r.easeLambda.lambda} mean diagonals (fitted on ${r.easeLambda.users} users: ${r.easeLambda.tried.map((t) => `${t.lambda} -> ${t.recall.toFixed(4)}`).join(', ')})`
    : '';
  console.log(`\n${r.note}\n${r.users} users, ${r.events} events, ${r.items} items; models trained in ${r.trainSeconds.toFixed(1)} s${lambda}; ${r.seconds.toFixed(1)} s in all`);
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : '  -   ');
  console.log(`  method   Recall@${r.k}  NDCG@${r.k}  heavy   light   cold (${r.slices.cold.random.users} users)`);
  for (const [m, s] of Object.entries(r.methods)) {
    const sl = r.slices;
    console.log(
      `  ${m.padEnd(8)} ${f(s.recall)}    ${f(s.ndcg)}  ${f(sl.heavy[m as keyof typeof sl.heavy].recall)}  ${f(sl.light[m as keyof typeof sl.light].recall)}  ${f(sl.cold[m as keyof typeof sl.heavy].recall)}`,
    );
  }
  console.log(`  random cold ${f(r.slices.cold.random.recall)}`);
  console.log(`${r.blend.note}${r.blend.validation ? ` (validation Recall@${r.k} ${r.blend.validation.recall.toFixed(4)})` : ''}`);
}
