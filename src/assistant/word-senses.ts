/**
 * Looking a request's word (or words) up in WordNet: the lemma forms to try, the senses each form
 * has, a run-together word read as two, and the synset a catalogue's labels sit under. Pure given
 * a WordNet.
 */
import { lemmatizer } from './lemmatizer.js';
import { singular } from './vocabulary.js';
import { lemmaKey, type WordNet } from './wordnet.js';
import { definedBy } from './gloss.js';

/**
 * A run-together word read as two ("longsleeve" -> long, sleeve) and the kinds below `domain` whose
 * definitions hold both; the last part must be a noun WordNet has (English compounds name their kind
 * last), and the definitions are the evidence for the first.
 */
export function definedAsParts(wn: WordNet, domain: string, word: string): { parts: string[]; kinds: string[] } | undefined {
  if (!/^\p{L}+$/u.test(word)) return undefined;
  for (let k = 3; k <= word.length - 3; k++) {
    const parts = [word.slice(0, k), word.slice(k)];
    const kinds = wn.senses(parts[1]!).length ? definedBy(wn, domain, parts) : [];
    if (kinds.length) return { parts, kinds };
  }
  return undefined;
}

/** Lemma keys to look a word (or words) up under: as written, lemmatised, singularised. */
export function lemmaCandidates(words: readonly string[]): string[] {
  const last = words[words.length - 1]!;
  const head = words.slice(0, -1);
  const forms = new Set([last, lemmatizer().noun(last), singular(last)]);
  const out: string[] = [];
  for (const f of forms) {
    out.push(lemmaKey([...head, f].join(' ')));
    if (words.length > 1) out.push([...head, f].join('-'));
  }
  return [...new Set(out)];
}

/** Senses per lemma form (as written, lemmatised, singularised), forms in that order. */
export function sensesByForm(wn: WordNet, words: readonly string[]): { key: string; senses: string[] }[] {
  const found = lemmaCandidates(words)
    .map((key) => ({ key, senses: wn.senses(key) }))
    .filter((f) => f.senses.length);
  // "bodysuit" is WordNet's "body suit": one token split into a two-word lemma.
  if (!found.length && words.length === 1 && words[0]!.length >= 6) {
    const w = words[0]!;
    for (let k = 3; k <= w.length - 3 && !found.length; k++) {
      const key = `${w.slice(0, k)}_${w.slice(k)}`;
      if (wn.senses(key).length) found.push({ key, senses: wn.senses(key) });
    }
  }
  return found;
}

export function sensesOf(wn: WordNet, words: readonly string[]): { key: string; senses: string[] } | undefined {
  const forms = sensesByForm(wn, words);
  if (!forms.length) return undefined;
  return { key: forms[0]!.key, senses: [...new Set(forms.flatMap((f) => f.senses))] };
}

/** The synset the labels sit under, weighing how many labels it covers by how specific it is (its depth). */
export function findDomain(wn: WordNet, labelSenses: Map<string, string[]>): string | undefined {
  const cover = new Map<string, Set<string>>();
  for (const [label, senses] of labelSenses) for (const s of senses) for (const a of wn.ancestors(s).keys()) (cover.get(a) ?? cover.set(a, new Set()).get(a)!).add(label);
  let best: string | undefined;
  let bestScore = 0;
  for (const [a, labels] of cover) {
    if (labels.size < 2) continue;
    // Depth squared: "clothing" (9 labels, depth 6) over "covering" (10, depth 5) and "garment" (6, depth 7).
    const score = labels.size * Math.max(...wn.ancestors(a).values()) ** 2;
    if (score > bestScore) [best, bestScore] = [a, score];
  }
  return best;
}
