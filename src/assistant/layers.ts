/** Where an item asked for without a name is worn: over or under what the shopper has ("something to wear under my shirt"), or on a part of the body. Pure given a vocabulary. */
import { LAYER_TERMS } from './grammar-words.js';
import type { Lexicon } from './lexicon-types.js';
import type { Vocabulary } from './vocabulary.js';

/** What an unnamed item should go with: its labels, the pairing word ("over", "with", "match") and its words. */
export interface Companion {
  labels: string[];
  place: string;
  words: string;
}

/**
 * The labels WordNet's garment for the item's place ranks first ("over" -> overgarment -> Outwear; "under" ->
 * undergarment), other than the companion's own and excluded ones. Under an overgarment (a blazer, a coat) is any top,
 * not underwear: nothing then.
 */
export function layerFor(companion: Companion, vocab: Vocabulary, excluded: readonly string[]): { labels: string[]; via: string } | undefined {
  const term = LAYER_TERMS[companion.place];
  if (!term || !vocab.lexicon) return undefined;
  const overgarment = LAYER_TERMS.over!;
  const over = vocab.lexicon.map([overgarment], 0)?.labels ?? [];
  const onTop = companion.labels.some((l) => over.includes(l) || vocab.lexicon!.kindOfWords(l, [overgarment]));
  if (term !== overgarment && onTop) return undefined;
  const labels = (vocab.lexicon.map([term], 0)?.labels ?? []).filter((l) => !companion.labels.includes(l) && !excluded.includes(l));
  return labels.length ? { labels, via: `"${companion.place} ${companion.words}" -> ${labels.join(' or ')}? via WordNet ${term}` } : undefined;
}

/**
 * The words naming where an unnamed item is worn, when the request names a part of the body: that part and the free words
 * right before it ("my upper body"). The rest ("at a wedding") describes the occasion, not the garment.
 */
export function bodyPhrase(free: readonly { word: string; at: number }[], lexicon: Pick<Lexicon, 'bodyPart'>): string[] | undefined {
  const keep = new Set<number>();
  free.forEach((f, k) => {
    if (!lexicon.bodyPart(f.word)) return;
    keep.add(k);
    for (let j = k - 1; j >= 0 && free[j]!.at === free[j + 1]!.at - 1; j--) keep.add(j);
  });
  return keep.size ? free.filter((_, k) => keep.has(k)).map((f) => f.word) : undefined;
}
