/**
 * Answers one assistant request: resolve the conversation into a structured query (offline parser,
 * or the optional language model), retrieve with the served embedding version, filter by the
 * query's constraints, personalise with the user's taste, and explain every item.
 */
import type { DataPaths } from '../config.js';
import { LoupeError } from '../errors.js';
import type { TasteService } from './feed.js';
import { normalized } from '../graph/vec.js';
import type { IndexRegistry } from '../index/registry.js';
import { resolveVersion } from '../store/served-version.js';
import { imageQueryVector, textQueryVector, textVersion } from '../vision/query-vectors.js';
import type { EncoderPool } from '../vision/encoder-pool.js';
import { candidatesById, filteredCandidates, type CandidateRow } from '../store/item-filters.js';
import type { Db } from '../store/db.js';
import { memoReads } from '../store/read-memo.js';
import { itemReason, offlineReply, passesAttrs, resolveRelative, understood } from '../assistant/explain.js';
import { catalogueSnapshot, type CatalogueSnapshot } from '../assistant/catalogue.js';
import { unitVectors } from '../assistant/item-vectors.js';
import { rankTop, type QueryVectors } from '../assistant/rank.js';
import { groundQuery, type LlmClient } from '../assistant/llm.js';
import { parseConversation } from '../assistant/parser.js';
import type { AssistantItem, AssistantQuery, AssistantReply, Message } from '../assistant/types.js';
import type { Vocabulary } from '../assistant/vocabulary.js';

export { lexiconFile } from '../assistant/catalogue.js';

export interface AssistantDeps {
  db: Db;
  paths: DataPaths;
  indexes: IndexRegistry;
  encoders: EncoderPool;
  taste: TasteService;
  llm?: LlmClient | undefined;
}

export interface AskRequest {
  messages: readonly Message[];
  image?: Uint8Array | undefined;
  user?: string | undefined;
  k: number;
  version?: string | undefined;
  maxPixels?: number | undefined;
}

/** Items read when filters cannot be pushed into an index search (labels, groups, or a sparse match). */
const SCAN_LIMIT = 50_000;
/** Unfiltered requests over a catalogue held in memory score every item up to this size (exact, a few ms), else search the index. */
const SCORE_ALL = 20_000;

const round = (x: number) => Math.round(x * 1e4) / 1e4;

function combined(v: QueryVectors): Float32Array | undefined {
  const parts = [v.text, v.image, v.like].filter((x): x is Float32Array => x !== undefined);
  if (!parts.length) return undefined;
  const sum = new Float32Array(parts[0]!.length);
  for (const p of parts) for (let i = 0; i < sum.length; i++) sum[i]! += p[i]!;
  return normalized(sum);
}

function passes(row: CandidateRow, q: AssistantQuery, exclude: ReadonlySet<string>): boolean {
  if (exclude.has(row.id)) return false;
  if (q.labels.length && !row.labels.some((l) => q.labels.includes(l))) return false;
  if (row.labels.some((l) => q.notLabels.includes(l))) return false;
  if (q.groups.length && !row.groups.some((g) => q.groups.includes(g))) return false;
  if (row.groups.some((g) => q.notGroups.includes(g))) return false;
  return passesAttrs(row, q.attrs);
}

/** The catalogue's vocabulary with its word lexicon, rebuilt only when the catalogue or lexicon.csv changed. */
export async function catalogueVocabulary(db: Db, paths: DataPaths): Promise<Vocabulary> {
  return (await catalogueSnapshot(db, paths)).vocab;
}

async function resolveQuery(deps: AssistantDeps, req: AskRequest, vocab: Vocabulary, notes: string[]): Promise<{ query: AssistantQuery; mode: 'offline' | 'llm' }> {
  const offline = parseConversation(req.messages, vocab, req.image !== undefined);
  if (!deps.llm) return { query: offline, mode: 'offline' };
  const shownIds = new Set(req.messages.flatMap((m) => (m.role === 'assistant' ? m.items : [])));
  try {
    const userText = req.messages.flatMap((m) => (m.role === 'user' ? [m.content] : [])).join(' ');
    const fromModel = groundQuery(await deps.llm.resolve(req.messages, vocab), vocab, shownIds, userText);
    return { query: { ...fromModel, image: req.image !== undefined, exclude: offline.exclude }, mode: 'llm' };
  } catch (err) {
    notes.push(`language model unavailable (${err instanceof Error ? err.message : String(err)}); used the offline parser`);
    return { query: offline, mode: 'offline' };
  }
}

/** The version to retrieve in, and the query vectors placed in it. */
async function queryVectors(deps: AssistantDeps, req: AskRequest, q: AssistantQuery, notes: string[]): Promise<{ version: string; vectors: QueryVectors }> {
  let version = await resolveVersion(deps.db, req.version);
  const words = [q.text, ...q.labels, ...q.soft].join(' ').trim();
  let textIn: string | undefined;
  if (words) {
    try {
      const tv = await textVersion(deps.db, deps.paths, deps.encoders, req.version);
      if (tv === version) textIn = tv;
      else if (!q.image && !q.like.length) textIn = version = tv;
      else if (q.text) notes.push(`the served version '${version}' cannot embed text; words were matched against item text only`);
    } catch (err) {
      if (!(err instanceof LoupeError) || err.code !== 'conflict') throw err;
      if (q.text) notes.push(`no version can embed text yet (train one with \`loupe train\`): "${q.text}" was not used`);
    }
  }
  const index = await deps.indexes.get(version);
  const vectors: QueryVectors = {};
  if (textIn) vectors.text = normalized(await textQueryVector(deps.db, deps.paths, deps.encoders, textIn, words));
  if (req.image) vectors.image = normalized(await imageQueryVector(deps.db, deps.paths, deps.encoders, version, req.image, req.maxPixels));
  const likeVecs = q.like.map((id) => index.vector(id)).filter((v): v is Float32Array => v !== undefined);
  if (likeVecs.length) vectors.like = combined({ text: likeVecs.reduce((acc, v) => acc.map((x, i) => x + v[i]!), new Float32Array(likeVecs[0]!.length)) });
  return { version, vectors };
}

/** Candidates passing every filter: from the index when it can serve them, else from a filtered scan. */
async function candidates(deps: AssistantDeps, cat: CatalogueSnapshot, version: string, q: AssistantQuery, qvec: Float32Array | undefined, k: number): Promise<CandidateRow[]> {
  const exclude = new Set([...q.exclude, ...q.like]);
  const index = deps.indexes.loaded(version)!;
  // A small catalogue held in memory is scored whole: no index search, no database round trip.
  if (qvec && !q.labels.length && !q.groups.length && !(cat.rows && cat.rows.length <= SCORE_ALL)) {
    const fetch = Math.min(index.size, Math.max(200, k * 20) + exclude.size);
    const hits = index.search(qvec, fetch);
    const ids = hits.map((h) => h.id);
    const rows = cat.byId ? new Map(ids.flatMap((id) => (cat.byId!.has(id) ? [[id, cat.byId!.get(id)!] as const] : []))) : await candidatesById(deps.db, ids);
    const passing = hits.map((h) => rows.get(h.id)).filter((r): r is CandidateRow => r !== undefined && passes(r, q, exclude));
    if (passing.length >= k || fetch >= index.size) return passing;
  }
  if (cat.rows) return cat.rows.filter((r) => passes(r, q, exclude));
  const rows = await filteredCandidates(deps.db, q, SCAN_LIMIT);
  return rows.filter((r) => passes(r, q, exclude));
}

/** Candidates plus, when a word only probably means some labels, every item of those labels that passes. */
async function withSoft(deps: AssistantDeps, cat: CatalogueSnapshot, version: string, q: AssistantQuery, qvec: Float32Array | undefined, k: number): Promise<CandidateRow[]> {
  const rows = await candidates(deps, cat, version, q, qvec, k);
  // A small catalogue held in memory was scanned whole: the soft labels' items are already in.
  if (!q.soft.length || q.labels.length || (cat.rows && cat.rows.length <= SCORE_ALL)) return rows;
  const seen = new Set(rows.map((r) => r.id));
  const soft = await candidates(deps, cat, version, { ...q, labels: q.soft }, qvec, k);
  return [...rows, ...soft.filter((r) => !seen.has(r.id))];
}

export async function askAssistant(deps: AssistantDeps, req: AskRequest): Promise<AssistantReply> {
  const last = req.messages[req.messages.length - 1];
  if (!last || last.role !== 'user') throw new LoupeError('bad_request', "the last message must be the user's");
  const notes: string[] = [];
  const cat = await catalogueSnapshot(deps.db, deps.paths);
  // Resolving the version and embedding the words read the same version rows several times: once each.
  const reads: AssistantDeps = { ...deps, db: memoReads(deps.db) };
  const resolved = await resolveQuery(deps, req, cat.vocab, notes);
  let query = resolved.query;
  const shown = [...req.messages].reverse().find((m) => m.role === 'assistant');
  const shownIds = shown?.role === 'assistant' ? shown.items : [];
  if (query.attrs.some((a) => a.relative)) {
    const shownRows = cat.byId ? shownIds.flatMap((id) => cat.byId!.get(id) ?? []) : [...(await candidatesById(deps.db, shownIds)).values()];
    const { attrs, unresolved } = resolveRelative(query.attrs, shownRows);
    if (unresolved.length) notes.push(`nothing shown had ${unresolved.join(', ')} to compare with`);
    query = { ...query, attrs };
  }
  // Nothing usable (emoji, punctuation, only grammar words): no items rather than arbitrary ones.
  if (!understood(query) && !query.text && !query.exclude.length) {
    const version = await resolveVersion(reads.db, req.version);
    const reply = 'I could not find anything to search for in that message. Tell me what you are looking for: a kind of item, who it is for, or send a photo.';
    return { reply, query, version, mode: resolved.mode, ...(notes.length ? { note: notes.join('; ') } : {}), items: [] };
  }
  const { version, vectors } = await queryVectors(reads, req, query, notes);
  const qvec = combined(vectors);
  const index = deps.indexes.loaded(version)!;
  const interests = req.user ? await deps.taste.interests(req.user, version) : [];
  if (req.user && !interests.length) notes.push(`no events for user '${req.user}' yet: results are not personalised`);

  const rows = await withSoft(deps, cat, version, query, qvec, req.k);
  const top = rankTop(rows, unitVectors(index, cat.stamp), vectors, interests, query.soft, req.k);
  const likeNames = new Map(query.like.map((id) => [id, shownIds.includes(id) ? `#${shownIds.indexOf(id) + 1}` : id]));
  const items: AssistantItem[] = top.map((s) => ({ id: s.row.id, score: round(s.score), reason: itemReason(s.row, query, s.parts, likeNames) }));

  let reply = offlineReply(query, items.length, interests.length > 0, req.image !== undefined);
  if (resolved.mode === 'llm' && deps.llm) {
    try {
      reply = await deps.llm.phrase(req.messages, query, items);
    } catch (err) {
      notes.push(`language model could not phrase the reply (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  return { reply, query, version, mode: resolved.mode, ...(notes.length ? { note: notes.join('; ') } : {}), items };
}
