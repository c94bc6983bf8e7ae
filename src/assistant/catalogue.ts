/**
 * What the assistant keeps of the catalogue between requests: its vocabulary with the word lexicon,
 * and (up to MEMORY_ITEMS items) every item's labels, groups and attributes, so filtering and
 * explaining need no database round trip. Both are rebuilt when the catalogue's stamp (item count,
 * newest update) or lexicon.csv changes; the lexicon (WordNet) only when the labels, the boolean
 * attributes or lexicon.csv changed.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DataPaths } from '../config.js';
import type { Db } from '../store/db.js';
import { catalogueStamp, filteredCandidates, vocabularyRows, type CandidateRow } from '../store/item-filters.js';
import { parseLexiconCsv } from './lexicon-csv.js';
import { buildLexicon } from './lexicon.js';
import type { Lexicon } from './lexicon-types.js';
import { buildVocabulary, type Vocabulary } from './vocabulary.js';
import { loadShopWordNet } from './added-words.js';

/** Catalogues up to this size are filtered in memory (about 1 KB an item); larger ones by SQL. */
const MEMORY_ITEMS = 100_000;

export interface CatalogueSnapshot {
  /** Changes with the catalogue (item count, newest update) and lexicon.csv. */
  stamp: string;
  vocab: Vocabulary;
  /** Every item in id order, or undefined when the catalogue is too large to hold. */
  rows: CandidateRow[] | undefined;
  byId: Map<string, CandidateRow> | undefined;
}

/** `<data>/lexicon.csv` (word,label), the owner's mappings that override WordNet's. */
export const lexiconFile = (paths: DataPaths) => path.join(paths.root, 'lexicon.csv');

const snapshots = new WeakMap<Db, { stamp: string; snapshot: Promise<CatalogueSnapshot> }>();
const lexicons = new WeakMap<Db, { key: string; lexicon: Lexicon }>();

async function build(db: Db, file: string, csvStamp: string, stamp: string): Promise<CatalogueSnapshot> {
  const vocab = buildVocabulary(await vocabularyRows(db));
  const key = JSON.stringify([vocab.labels, vocab.attributes.filter((a) => a.kind === 'boolean').map((a) => a.name), csvStamp]);
  let lex = lexicons.get(db);
  if (lex?.key !== key) {
    lex = { key, lexicon: buildLexicon(vocab, loadShopWordNet(), csvStamp ? parseLexiconCsv(fs.readFileSync(file, 'utf8')) : []) };
    lexicons.set(db, lex);
  }
  vocab.lexicon = lex.lexicon;
  const all = await filteredCandidates(db, { labels: [], notLabels: [], groups: [], notGroups: [] }, MEMORY_ITEMS + 1);
  const rows = all.length <= MEMORY_ITEMS ? all : undefined;
  return { stamp, vocab, rows, byId: rows && new Map(rows.map((r) => [r.id, r])) };
}

/** The catalogue as of now: one cheap stamp query per call, a rebuild only after a change. */
export async function catalogueSnapshot(db: Db, paths: DataPaths): Promise<CatalogueSnapshot> {
  const file = lexiconFile(paths);
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  const csvStamp = stat ? `${stat.mtimeMs}:${stat.size}` : '';
  const stamp = `${await catalogueStamp(db)}|${csvStamp}`;
  const hit = snapshots.get(db);
  if (hit?.stamp === stamp) return hit.snapshot;
  // Concurrent requests after a change share one rebuild; a failed one is retried by the next request.
  const snapshot = build(db, file, csvStamp, stamp);
  snapshots.set(db, { stamp, snapshot });
  snapshot.catch(() => {
    if (snapshots.get(db)?.snapshot === snapshot) snapshots.delete(db);
  });
  return snapshot;
}
