/** The shapes of the WordNet lexicon (lexicon.ts builds it; the vocabulary carries it): types only, so neither imports the other. */

export type MappingKind = 'override' | 'synonym' | 'is-a' | 'covers' | 'sibling' | 'general' | 'flag' | 'gloss';

export interface WordMapping {
  /** The request's words that were mapped ("trench coat"). */
  word: string;
  /** Tokens consumed. */
  length: number;
  kind: MappingKind;
  /** Candidate labels (empty for 'general' and 'flag'). */
  labels: string[];
  /** For kind 'flag': the boolean attribute the word sets; on a phrase mapped to labels ("baby shoes"), the one its flag word sets. */
  attr?: string;
  /** Whether a hard filter is justified (override or direct synonym). */
  confident: boolean;
  /** How it was mapped, for the reply's query: `"parka" -> Outwear via WordNet coat`. */
  via: string;
}

export interface Anchor {
  label: string;
  offset: string;
  /** The synset's lemmas. */
  words: string[];
  /** 'added word': one of Loupe's added shop words (added-words.ts), not WordNet's own. */
  source: 'wordnet' | 'added word' | 'near spelling' | 'definition' | 'lexicon.csv';
  /** For a 'definition' anchor: the label's own anchor and the rare definition word they share. */
  shares?: { anchor: string; term: string };
}

export interface Lexicon {
  anchors: Anchor[];
  /** The synset (offset and words) the catalogue's labels mostly sit under, e.g. clothing. */
  domain: { offset: string; words: string[] } | undefined;
  flags: { attr: string; offsets: string[] }[];
  overrides: Map<string, string[]>;
  map(tokens: readonly string[], i: number): WordMapping | undefined;
  /** Whether label `a` names a kind of label `b` in WordNet ("Polo" of "Shirt"); undefined when either has no WordNet anchor. */
  kindOf(a: string, b: string): boolean | undefined;
  /** Whether label `a` is a kind of what `words` name ("blazer" of "jacket"), by WordNet. */
  kindOfWords(a: string, words: readonly string[]): boolean;
  /** Whether the word's most used sense is a part of the body (WordNet noun.body: "head", "feet", "legs"). */
  bodyPart(word: string): boolean;
  /** Whether WordNet has the word as a noun (as written, lemmatised or singularised): a real word is no typo. */
  knows(word: string): boolean;
  /** Whether a label is a plural whose singular names no item ("Shorts": "short" is no garment), so "short" is not the label. */
  pluralOnly(label: string): boolean;
  /** Words nothing else mapped, against the labels' WordNet definitions: a soft guess or nothing. */
  describe(words: readonly string[]): WordMapping | undefined;
}
