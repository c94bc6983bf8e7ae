/**
 * Tag coverage and precision of a version's suggestions, as the item page shows them: for every
 * labelled item, `suggestTags` over its stored vector with itself left out, at the threshold.
 * Coverage = share of items with at least one suggestion; precision = share of suggestions that
 * are among the item's labels. Also how often a 9-of-10 (or better) neighbour vote is shown.
 *
 *   node --import tsx bench/tag-coverage.ts --data DIR [--version NAME] [--threshold 0.5] [-k 10]
 */
import { parseArgs } from 'node:util';
import { dataPaths, resolveDataDir } from '../src/config.js';
import { IndexRegistry } from '../src/index/registry.js';
import { suggestTags } from '../src/app/tag.js';
import { openDb } from '../src/store/db.js';

const { values } = parseArgs({
  options: { data: { type: 'string' }, version: { type: 'string', multiple: true }, threshold: { type: 'string' }, k: { type: 'string', short: 'k' } },
});
const paths = dataPaths(resolveDataDir(values.data));
const threshold = Number(values.threshold ?? 0.5);
const k = Number(values.k ?? 10);
const db = await openDb({ dir: paths.db, url: undefined });
const indexes = new IndexRegistry(db, paths.index);
const items = await db.query<{ id: string; labels: string[] }>('SELECT id, labels FROM items WHERE cardinality(labels) > 0 ORDER BY id');
for (const version of values.version ?? ['generic']) {
  const index = await indexes.get(version);
  let covered = 0;
  let suggested = 0;
  let right = 0;
  let strong = 0;
  let strongShown = 0;
  for (const it of items) {
    const vec = index.vector(it.id);
    if (!vec) continue;
    const all = await suggestTags(db, paths, indexes, version, vec, { k, threshold: 0, excludeId: it.id });
    const shown = all.tags.filter((t) => t.probability >= threshold);
    if (shown.length) covered++;
    suggested += shown.length;
    right += shown.filter((t) => it.labels.includes(t.label)).length;
    for (const t of all.tags) {
      if (t.support < Math.ceil(0.9 * k)) continue;
      strong++;
      if (t.probability >= threshold) strongShown++;
    }
  }
  const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)}%` : 'n/a');
  console.log(
    `${version}: ${items.length} items, coverage ${pct(covered, items.length)}, precision ${pct(right, suggested)} (${right}/${suggested}) at ${threshold}; ` +
      `labels with >= ${Math.ceil(0.9 * k)}/${k} neighbour votes shown: ${pct(strongShown, strong)} (${strongShown}/${strong})`,
  );
}
await db.close();
