/**
 * Feed quality by leave-last-k-out on a real catalogue, through the product path: ingest, encode
 * (generic), serving index, then every feed method on the same engine that serves feeds.
 *   node --import tsx bench/feed-eval.ts [--data DIR] [--catalogue FILE --map SPEC] [--holdout 5] [-k 20]
 * Defaults to ../shared/datasets/clothing with sender_id as groups: with no events in the store,
 * each group plays a user (said in the output). Re-runs reuse --data.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { evaluateFeedsOnStore } from '../src/graph/io/feed-eval.js';
import { IndexRegistry } from '../src/index/registry.js';
import { CLOTHING, ingestAndEncode, report } from './common.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: path.resolve(import.meta.dirname, '../.tmp/feed-clothing') },
    catalogue: { type: 'string', default: path.join(CLOTHING, 'images.csv') },
    map: { type: 'string', default: 'id=image,image=images/{image}.jpg,labels=label,groups=sender_id' },
    holdout: { type: 'string', default: '5' },
    k: { type: 'string', short: 'k', default: '20' },
    name: { type: 'string', default: 'feed-eval-clothing' },
  },
});
const { db, paths } = await ingestAndEncode(values.data!, values.catalogue!, values.map!);
const t = performance.now();
const indexes = new IndexRegistry(db, paths.index);
const synced = await indexes.sync('generic');
console.log(`index: ${synced.size} vectors in ${((performance.now() - t) / 1000).toFixed(1)} s`);

const res = await evaluateFeedsOnStore(db, indexes, { version: 'generic', holdout: Number(values.holdout), k: Number(values.k) });
await db.close();
console.log(`\n${res.note}`);
console.log(`${res.users} users, ${res.events} events, ${res.items} items, ${res.seconds.toFixed(1)} s`);
for (const [m, s] of Object.entries(res.methods)) console.log(`  ${m.padEnd(8)} Recall@${res.k} ${s.recall.toFixed(4)}  NDCG@${res.k} ${s.ndcg.toFixed(4)}`);
console.log(`${res.blend.note}${res.blend.validation ? ` (validation Recall@${res.k} ${res.blend.validation.recall.toFixed(4)}, NDCG@${res.k} ${res.blend.validation.ndcg.toFixed(4)})` : ''}`);
report(values.name!, { ...res });
