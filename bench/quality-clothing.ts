/**
 * `loupe quality` on the full clothing set, through the product path (ingest -> encode -> index ->
 * quality). Prints the counts recorded in BENCHMARKS.md. The dataset's authors left duplicates and
 * 'Not sure' / 'Skip' / 'Other' rows in it; they are reported, never special-cased by the checks.
 *   node --import tsx bench/quality-clothing.ts [--data DIR] [--catalogue FILE --map SPEC] [--watch 'Not sure,Skip,Other']
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { IndexRegistry } from '../src/index/registry.js';
import { analyseQuality } from '../src/app/quality.js';
import { CLOTHING, ingestAndEncode, report } from './common.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: path.resolve(import.meta.dirname, '../.tmp/bench-clothing') },
    catalogue: { type: 'string', default: path.join(CLOTHING, 'images.csv') },
    map: { type: 'string', default: 'id=image,image=images/{image}.jpg,labels=label,groups=sender_id' },
    watch: { type: 'string', default: 'Not sure,Skip,Other' },
  },
});
const watch = values
  .watch!.split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const { db, paths } = await ingestAndEncode(values.data!, values.catalogue!, values.map!);
try {
  const indexes = new IndexRegistry(db, paths.index);
  await indexes.get('generic');
  const t = performance.now();
  const q = await analyseQuality(db, indexes, { version: 'generic' });
  const seconds = (performance.now() - t) / 1000;
  const watched = q.labels.filter((l) => watch.includes(l.label));
  const suspectsWatched = q.mislabelled.filter((m) => m.labels.some((l) => watch.includes(l))).length;
  console.log(
    `labels:\n${q.labels.map((l) => `  ${l.label.padEnd(20)} ${String(l.count).padStart(5)}  purity ${l.purity.toFixed(3)}  lift ${l.lift.toFixed(2)}${l.tooSmall ? '  too small' : ''}${l.incoherent ? '  incoherent' : ''}`).join('\n')}`,
  );
  console.log(
    `largest exact-duplicate clusters: ${q.exactDuplicates
      .slice(0, 3)
      .map((c) => c.ids.length)
      .join(', ')}; top suspects: ${q.mislabelled
      .slice(0, 5)
      .map((m) => `${m.labels.join('|')}->${m.suggested} ${m.confidence.toFixed(2)}`)
      .join('; ')}`,
  );
  report('quality-clothing', {
    items: q.items,
    labelled: q.labelled,
    seconds,
    counts: q.counts,
    nearDuplicateThreshold: q.nearDuplicateThreshold,
    outlierThreshold: q.outlierThreshold,
    tooSmall: q.tooSmall,
    incoherent: q.incoherent,
    watched: watched.map(({ label, count, purity, lift, incoherent }) => ({ label, count, purity, lift, incoherent })),
    suspectsCarryingWatchedLabels: suspectsWatched,
    fixes: q.fixes.length,
  });
} finally {
  await db.close();
}
