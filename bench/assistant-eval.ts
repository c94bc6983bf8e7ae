/**
 * Shopping-assistant quality on the clothing catalogue: precision@5 of the offline assistant
 * (grammar parser over the catalogue's vocabulary + filters + the served trained version) against
 * plain text search (the `loupe search --text` path) on hand-written natural requests with the
 * labels/attributes each expects (eval-sets/assistant-clothing.jsonl).
 *   node --import tsx bench/assistant-eval.ts [--data DIR] [--set FILE] [--version NAME] [--seed N]
 * Ingests + encodes the full clothing set into --data (re-runs reuse it), trains a version there
 * once (labels, groups, text) and promotes it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { askAssistant } from '../src/assistant/service.js';
import { asBoolean } from '../src/assistant/vocabulary.js';
import { TasteService } from '../src/graph/io/taste-service.js';
import { IndexRegistry } from '../src/index/registry.js';
import { nearestToVector } from '../src/services/discovery.js';
import { EncoderPool, textQueryVector } from '../src/services/encoders.js';
import { trainVersion } from '../src/services/train.js';
import { candidatesById, type CandidateRow } from '../src/store/assistant.js';
import { getVersion, promoteVersion } from '../src/store/vectors.js';
import { CLOTHING, ingestAndEncode, report } from './common.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: path.resolve(import.meta.dirname, '../.tmp/assistant-clothing') },
    catalogue: { type: 'string', default: path.join(CLOTHING, 'images.csv') },
    map: { type: 'string', default: 'id=image,image=images/{image}.jpg,labels=label,groups=sender_id' },
    set: { type: 'string', default: path.resolve(import.meta.dirname, '../eval-sets/assistant-clothing.jsonl') },
    version: { type: 'string', default: 'assistant-eval' },
    seed: { type: 'string', default: '1' },
  },
});

const Case = z.object({
  request: z.string().min(1),
  expect: z.object({ labels: z.array(z.string()).optional(), not_labels: z.array(z.string()).optional(), attrs: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional() }),
});
type Case = z.infer<typeof Case>;
const cases = fs.readFileSync(values.set!, 'utf8').trim().split('\n').map((l) => Case.parse(JSON.parse(l)));
const K = 5;

const { db, paths } = await ingestAndEncode(values.data!, values.catalogue!, values.map!);
const indexes = new IndexRegistry(db, paths.index);
const encoders = new EncoderPool(paths);
try {
  if (!(await getVersion(db, values.version!))) {
    const t = performance.now();
    const trained = await trainVersion(db, paths, indexes, { name: values.version!, seed: Number(values.seed) });
    console.log(`trained '${trained.name}' (${trained.signals.join(',')}) in ${((performance.now() - t) / 1000).toFixed(1)} s; label.recall@10 lift ${trained.lift['label.recall@10']?.toFixed(3)}`);
  }
  await promoteVersion(db, values.version!);
  await indexes.get(values.version!);

  const relevant = (row: CandidateRow | undefined, e: Case['expect']): boolean => {
    if (!row) return false;
    if (e.labels && !row.labels.some((l) => e.labels!.includes(l))) return false;
    if (e.not_labels && row.labels.some((l) => e.not_labels!.includes(l))) return false;
    for (const [attr, want] of Object.entries(e.attrs ?? {})) {
      const have = row.attrs[attr];
      if (typeof want === 'boolean' ? asBoolean(have) !== want : String(have) !== String(want)) return false;
    }
    return true;
  };
  const precision = async (ids: string[], e: Case['expect']) => {
    const rows = await candidatesById(db, ids);
    return ids.slice(0, K).filter((id) => relevant(rows.get(id), e)).length / K;
  };

  const taste = new TasteService({ db, indexes });
  const perCase: { request: string; assistant: number; text: number; ms: number }[] = [];
  for (const c of cases) {
    const t = performance.now();
    const a = await askAssistant({ db, paths, indexes, encoders, taste }, { messages: [{ role: 'user', content: c.request }], k: K });
    const ms = performance.now() - t;
    const plain = await nearestToVector(indexes, values.version!, await textQueryVector(db, paths, encoders, values.version!, c.request), K);
    const row = { request: c.request, assistant: await precision(a.items.map((i) => i.id), c.expect), text: await precision(plain.items.map((i) => i.id), c.expect), ms: Math.round(ms) };
    perCase.push(row);
    console.log(`${row.assistant.toFixed(1)}  ${row.text.toFixed(1)}  ${c.request}`);
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const result = {
    requests: cases.length,
    k: K,
    version: values.version,
    assistant_precision_at_5: Math.round(mean(perCase.map((r) => r.assistant)) * 1e4) / 1e4,
    text_search_precision_at_5: Math.round(mean(perCase.map((r) => r.text)) * 1e4) / 1e4,
    assistant_better: perCase.filter((r) => r.assistant > r.text).length,
    text_better: perCase.filter((r) => r.text > r.assistant).length,
    assistant_ms_median: [...perCase.map((r) => r.ms)].sort((a, b) => a - b)[Math.floor(perCase.length / 2)],
    per_case: perCase,
  };
  console.log(`precision@${K} over ${cases.length} requests: assistant ${result.assistant_precision_at_5} vs text search ${result.text_search_precision_at_5}`);
  report('assistant-eval', result);
} finally {
  await encoders.close();
  await db.close();
}
