// Writes examples/clothing-sample/events.csv: seeded shoppers with hidden tastes (src/graph/synth/shoppers.ts)
// over the sample's generic vectors, as an ordinary events file that `npm start` imports. Run once by
// maintainers after `npm start` (or any data dir holding the sample's generic vectors):
//   node --import tsx scripts/make-sample-events.ts [--data ./loupe-data] [--people 100] [--seed 11]
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { dataPaths } from '../src/config.js';
import { indexVectors } from '../src/graph/io/index-vectors.js';
import { generateShoppers } from '../src/graph/synth/shoppers.js';
import { IndexRegistry } from '../src/index/registry.js';
import { openDb } from '../src/store/db.js';
import { graphItems } from '../src/store/events.js';

const { values } = parseArgs({ options: { data: { type: 'string', default: 'loupe-data' }, people: { type: 'string', default: '100' }, seed: { type: 'string', default: '11' } } });
const paths = dataPaths(path.resolve(values.data!));
const db = await openDb({ dir: paths.db });
const indexes = new IndexRegistry(db, paths.index);
await indexes.sync('generic');
const items: { id: string; labels: string[] }[] = [];
for await (const page of graphItems(db)) items.push(...page);
const vectors = indexVectors(indexes, 'generic');
if (!items.length || !vectors.vector(items[0]!.id)) throw new Error(`no generic vectors in ${paths.root}: run npm start first`);
const events = generateShoppers(items, (id) => vectors.vector(id), { people: Number(values.people), seed: Number(values.seed) });
await db.close();
const out = path.resolve('examples/clothing-sample/events.csv');
fs.writeFileSync(out, ['user,item,action,ts', ...events.map((e) => `${e.user},${e.item},${e.action},${new Date(e.ts).toISOString()}`)].join('\n') + '\n');
console.log(`${events.length} events by ${values.people} shoppers over ${items.length} items -> ${out}`);
