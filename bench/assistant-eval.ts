/**
 * Shopping-assistant quality on the clothing catalogue: precision@5 of the offline assistant
 * (grammar parser over the catalogue's vocabulary + filters + the served trained version) against
 * plain text search (the `loupe search --text` path) on hand-written natural requests with the
 * labels/attributes each expects (eval-sets/assistant-clothing.jsonl).
 *   node --import tsx bench/assistant-eval.ts [--data DIR] [--set FILE] [--lexicon FILE] [--version NAME] [--seed N]
 * Ingests + encodes the full clothing set into --data (re-runs reuse it), trains a version there
 * once (labels, groups, text) and promotes it. --lexicon copies a word,label file to <data>/lexicon.csv
 * (without it, any lexicon.csv there is removed). Lines with `_header` are skipped. Precision is split
 * by whether the parser mapped anything of the request, whether it only guessed (a soft guess from WordNet
 * definitions or a compound's last part), by the set's `words` tag, and the kids slice.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { CatalogueCounts } from '../src/app/catalogue-counts.js';
import { LiveBus } from '../src/app/live.js';
import { understood } from '../src/assistant/explain.js';
import { askAssistant, lexiconFile } from '../src/app/assistant.js';
import { asBoolean } from '../src/assistant/vocabulary.js';
import { TasteService } from '../src/app/feed.js';
import { IndexRegistry } from '../src/index/registry.js';
import { listen } from '../src/server/serve.js';
import { nearestToVector } from '../src/app/search.js';
import { EncoderPool } from '../src/vision/encoder-pool.js';
import { textQueryVector } from '../src/vision/query-vectors.js';
import { trainVersion } from '../src/app/train.js';
import { candidatesById, type CandidateRow } from '../src/store/item-filters.js';
import { getVersion, promoteVersion } from '../src/store/vectors.js';
import { CLOTHING, ingestAndEncode, report, summarize } from './common.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: path.resolve(import.meta.dirname, '../.tmp/assistant-clothing') },
    catalogue: { type: 'string', default: path.join(CLOTHING, 'images.csv') },
    map: { type: 'string', default: 'id=image,image=images/{image}.jpg,labels=label,groups=sender_id' },
    set: { type: 'string', default: path.resolve(import.meta.dirname, '../eval-sets/assistant-clothing.jsonl') },
    version: { type: 'string', default: 'assistant-eval' },
    seed: { type: 'string', default: '1' },
    lexicon: { type: 'string' },
    http: { type: 'string', default: '20' },
  },
});

const Case = z.object({
  request: z.string().min(1),
  words: z.enum(['everyday', 'catalogue']).optional(),
  expect: z.object({ labels: z.array(z.string()).optional(), not_labels: z.array(z.string()).optional(), attrs: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional() }),
});
type Case = z.infer<typeof Case>;
const cases = fs
  .readFileSync(values.set!, 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Record<string, unknown>)
  .filter((l) => !('_header' in l))
  .map((l) => Case.parse(l));
const K = 5;
/** A soft guess from the words' definitions or a compound's last (or first) part: what the synonym/kind mapping did not cover. */
const GUESS = /via WordNet definitions|via its last part|via its first part/;

const { db, paths } = await ingestAndEncode(values.data!, values.catalogue!, values.map!);
if (values.lexicon) fs.copyFileSync(values.lexicon, lexiconFile(paths));
else fs.rmSync(lexiconFile(paths), { force: true });
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
  const perCase: { request: string; assistant: number; text: number; ms: number; mapped: boolean; guessed: boolean; words: string; kids: boolean; query: string; reply: string }[] = [];
  for (const c of cases) {
    const t = performance.now();
    const a = await askAssistant({ db, paths, indexes, encoders, taste }, { messages: [{ role: 'user', content: c.request }], k: K });
    const ms = performance.now() - t;
    const plain = await nearestToVector(indexes, values.version!, await textQueryVector(db, paths, encoders, values.version!, c.request), K);
    const q = a.query;
    const row = {
      request: c.request,
      assistant: await precision(
        a.items.map((i) => i.id),
        c.expect,
      ),
      text: await precision(
        plain.items.map((i) => i.id),
        c.expect,
      ),
      ms: Math.round(ms),
      mapped: understood(q),
      guessed: understood(q) && !q.labels.length && !q.attrs.length && q.mapped.length > 0 && q.mapped.every((m) => GUESS.test(m)),
      words: c.words ?? 'untagged',
      kids: c.expect.attrs?.kids === true,
      query: JSON.stringify({ labels: q.labels, soft: q.soft, notLabels: q.notLabels, groups: q.groups, attrs: q.attrs, text: q.text, mapped: q.mapped }),
      reply: a.reply,
    };
    perCase.push(row);
    console.log(`${row.assistant.toFixed(1)}  ${row.text.toFixed(1)}  ${row.guessed ? 'guessed ' : row.mapped ? 'mapped  ' : 'unmapped'}  ${c.request}  ${row.query}`);
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
  const slice = (name: string, rows: typeof perCase) => ({
    slice: name,
    n: rows.length,
    assistant: rows.length ? r4(mean(rows.map((r) => r.assistant))) : null,
    text: rows.length ? r4(mean(rows.map((r) => r.text))) : null,
  });
  const slices = [
    slice('all', perCase),
    slice(
      'parser mapped',
      perCase.filter((r) => r.mapped),
    ),
    slice(
      'parser mapped nothing',
      perCase.filter((r) => !r.mapped),
    ),
    slice(
      'only guessed',
      perCase.filter((r) => r.guessed),
    ),
    slice(
      'nothing or only guessed',
      perCase.filter((r) => !r.mapped || r.guessed),
    ),
    slice(
      'everyday words',
      perCase.filter((r) => r.words === 'everyday'),
    ),
    slice(
      'catalogue words',
      perCase.filter((r) => r.words === 'catalogue'),
    ),
    slice(
      'kids',
      perCase.filter((r) => r.kids),
    ),
  ];
  for (const s of slices) console.log(`${s.slice.padEnd(22)} n=${String(s.n).padStart(3)}  assistant ${s.assistant ?? '-'}  text search ${s.text ?? '-'}`);
  // POST /api/assistant over loopback HTTP (the set's first requests, after the in-process run warmed caches).
  const server = await listen(
    { db, paths, indexes, encoders, live: new LiveBus(), counts: new CatalogueCounts(db), apiKey: undefined, limits: { uploadBytes: 20_000_000, maxPixels: 50_000_000 } },
    { port: 0, host: '127.0.0.1' },
  );
  const httpMs: number[] = [];
  try {
    for (const c of cases.slice(0, Number(values.http))) {
      const t = performance.now();
      const res = await fetch(`${server.url}/api/assistant`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: c.request, k: K }) });
      await res.json();
      if (res.status !== 200) throw new Error(`POST /api/assistant "${c.request}" -> ${res.status}`);
      httpMs.push(performance.now() - t);
    }
  } finally {
    await server.close();
  }
  const http = summarize(httpMs);
  console.log(`POST /api/assistant over ${httpMs.length} requests: p50 ${http.p50.toFixed(0)} ms, p99 ${http.p99.toFixed(0)} ms`);
  const result = {
    requests: cases.length,
    k: K,
    version: values.version,
    set: path.basename(values.set!),
    lexicon: values.lexicon ? path.basename(values.lexicon) : null,
    slices,
    assistant_precision_at_5: Math.round(mean(perCase.map((r) => r.assistant)) * 1e4) / 1e4,
    text_search_precision_at_5: Math.round(mean(perCase.map((r) => r.text)) * 1e4) / 1e4,
    assistant_better: perCase.filter((r) => r.assistant > r.text).length,
    text_better: perCase.filter((r) => r.text > r.assistant).length,
    assistant_ms_median: [...perCase.map((r) => r.ms)].sort((a, b) => a - b)[Math.floor(perCase.length / 2)],
    http_post_ms: { requests: httpMs.length, p50: Math.round(http.p50), p99: Math.round(http.p99) },
    per_case: perCase,
  };
  console.log(`precision@${K} over ${cases.length} requests: assistant ${result.assistant_precision_at_5} vs text search ${result.text_search_precision_at_5}`);
  report('assistant-eval', result);
} finally {
  await encoders.close();
  await db.close();
}
