/** What `loupe lexicon` prints: a built lexicon, listed per label and flag. Pure given a WordNet. */
import type { Anchor, Lexicon } from './lexicon-types.js';
import type { WordNet } from './wordnet.js';

export interface LexiconListing {
  domain: string[];
  labels: { label: string; anchors: { source: Anchor['source']; words: string[] }[]; synonyms: string[]; kinds: string[] }[];
  flags: { attr: string; words: string[] }[];
  overrides: { word: string; labels: string[] }[];
}

/** What `loupe lexicon` prints: per label, its anchors, their synonyms (filtered on) and kinds (ranked first). */
export function listLexicon(lex: Lexicon, wn: WordNet, labels: readonly string[], maxKinds = 60): LexiconListing {
  const below = (offsets: readonly string[], depth: number): string[] => {
    const words: string[] = [];
    let frontier = [...offsets];
    for (let d = 0; d < depth && frontier.length; d++) {
      frontier = frontier.flatMap((o) => wn.synset(o)?.hyponyms ?? []);
      for (const o of frontier) words.push(...(wn.synset(o)?.words ?? []));
    }
    return [...new Set(words)];
  };
  return {
    domain: lex.domain?.words ?? [],
    labels: labels.map((label) => {
      const anchors = lex.anchors.filter((a) => a.label === label);
      const synonyms = [...new Set(anchors.filter((a) => a.source !== 'definition').flatMap((a) => a.words))].filter((w) => w !== label.toLowerCase());
      return {
        label,
        anchors: anchors.map((a) => ({ source: a.source, words: a.words })),
        synonyms,
        kinds: [
          ...new Set([
            ...anchors.filter((a) => a.source === 'definition').flatMap((a) => a.words),
            ...below(
              anchors.map((a) => a.offset),
              2,
            ),
          ]),
        ].slice(0, maxKinds),
      };
    }),
    flags: lex.flags.map((f) => ({ attr: f.attr, words: [...new Set([...f.offsets.flatMap((o) => wn.synset(o)?.words ?? []), ...below(f.offsets, 2)])].slice(0, maxKinds) })),
    overrides: [...lex.overrides].map(([word, ls]) => ({ word: word.replace(/_/g, ' '), labels: ls })),
  };
}
