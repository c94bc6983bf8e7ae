/**
 * Same-label retrieval quality of the `generic` version on a labelled catalogue, through the
 * product's own path (ingest -> encode -> stored vectors): the baseline a trained version must beat.
 *   node --import tsx bench/generic-precision.ts [--data DIR] [--catalogue FILE --map SPEC] [--ignore-labels 'Not sure,Skip,Other']
 * Defaults to ../shared/datasets/clothing (labels; sender_id as groups); re-runs reuse --data.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { evaluateRetrieval, sharesLabel } from '../src/eval/metrics.js';
import { parseVectorSql } from '../src/store/db.js';
import { CLOTHING, ingestAndEncode, report } from './common.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: path.resolve(import.meta.dirname, '../.tmp/bench-clothing') },
    catalogue: { type: 'string', default: path.join(CLOTHING, 'images.csv') },
    map: { type: 'string', default: 'id=image,image=images/{image}.jpg,labels=label,groups=sender_id' },
    'ignore-labels': { type: 'string', default: 'Not sure,Skip,Other' },
  },
});
const ignore = new Set(
  values['ignore-labels']!.split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
const { db } = await ingestAndEncode(values.data!, values.catalogue!, values.map!);

const rows = await db.query<{ id: string; labels: string[]; vec: string }>(
  `SELECT i.id, i.labels, e.vec::text AS vec FROM items i JOIN embeddings e ON e.item_id = i.id AND e.version = 'generic' ORDER BY i.id`,
);
await db.close();
const kept = rows.filter((r) => r.labels.some((l) => !ignore.has(l)));
const labels = new Map(kept.map((r) => [r.id, r.labels.filter((l) => !ignore.has(l))]));
const res = evaluateRetrieval({
  candidateIds: kept.map((r) => r.id),
  candidateVectors: kept.map((r) => parseVectorSql(r.vec)),
  queries: kept.map((r) => r.id),
  relevant: sharesLabel(labels),
  k: 10,
});
console.log(`generic same-label over ${res.queries} items: precision@10 ${res.precision.toFixed(4)}, recall@10 ${res.recall.toFixed(4)}, mAP@10 ${res.map.toFixed(4)}, NDCG@10 ${res.ndcg.toFixed(4)}`);
report('generic-precision', { items: kept.length, ignored_labels: [...ignore], ...res });
