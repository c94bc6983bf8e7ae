/**
 * Soft word-to-label matching through WordNet definitions, for words the synonym/hypernym mapping
 * does not cover ("stuff to cover my feet", "leggings"). Each label gets a bag of words: the lemmas
 * and definitions of its anchor synsets and of their kinds (hyponyms, two levels down). A request's
 * free words, expanded by their own lemmas, definitions and parents, are compared with every bag by
 * tf-idf cosine (idf over the labels' bags, so words every label shares, like "garment", weigh
 * nothing). Only ranks: never a filter. Pure given a WordNet.
 */
import { lemmatizer } from './lemmatizer.js';
import { STOPWORDS } from './grammar-words.js';
import { singular } from './vocabulary.js';
import type { WordNet } from './wordnet.js';

/** Definition words that describe rather than name ("usually", "worn"): dropped on both sides. */
const FILLER = new Set(
  `usually especially often typically sometimes mainly chiefly etc used worn wear made having has with without without into onto over under out off
   who whom whose which that than other another each every such same either both more most less least much many several various type kind sort form
   part style piece pieces one two three not only also very may can often people person someone something anything thing things shaped designed
   cover covers covering covered`.split(/\s+/),
);

/** How far below a label's anchors its bag reaches (the anchors' kinds and their kinds). */
const KIND_DEPTH = 2;
/** Weight of a word taken from a definition or parent, relative to a lemma of the synset itself. */
const GLOSS_WEIGHT = 0.5;

/** One term for a word's inflections: "feet" -> foot, "covers"/"covering"/"covered" -> cover. */
const glossTerm = (w: string) => (/(ing|ed|es)$/.test(w) ? lemmatizer().verb(w) : singular(lemmatizer().noun(w)));

/** Content words of a definition (its examples after `; "` dropped), lemmatised. Pure. */
export function glossTerms(gloss: string): string[] {
  const definition = gloss.split(/;\s*"/)[0]!;
  return (definition.toLowerCase().match(/\p{L}+/gu) ?? []).filter((w) => w.length > 2 && !STOPWORDS.has(w) && !FILLER.has(w)).map(glossTerm);
}

/** Words that end a definition's first noun phrase: its genus is the noun right before them. */
const GENUS_END = new Set(
  `of who whom whose that which with without for from in on at by to as or and but between under over into onto worn used made having
   especially usually often typically being that's when where while like than`.split(/\s+/),
);
const GENUS_SKIP = new Set(['a', 'an', 'the', 'any', 'one', 'some']);

/**
 * A definition's genus term: the head noun of its first noun phrase ("a child of your son or daughter" -> child,
 * "a female grandchild" -> grandchild). Dictionaries define a word by the kind of thing it is, so this is a parent
 * the hypernym links sometimes lack. Pure.
 */
export function definitionGenus(gloss: string): string | undefined {
  const definition = gloss.split(/;/)[0]!.replace(/\([^)]*\)/g, ' ');
  const words = definition.toLowerCase().match(/[\p{L}'-]+/gu) ?? [];
  let i = 0;
  while (i < words.length && GENUS_SKIP.has(words[i]!)) i++;
  let last: string | undefined;
  // A participle with an object after the head ends the phrase too: "a boy attending school" -> boy, but "a protective
  // covering for the head" -> covering.
  const participle = (k: number) => last !== undefined && words[k]!.length > 5 && words[k]!.endsWith('ing') && k + 1 < words.length && !GENUS_END.has(words[k + 1]!);
  for (; i < words.length && !GENUS_END.has(words[i]!) && !participle(i); i++) last = words[i];
  return last;
}

/** Every synset below `root` (its kinds, their kinds, ...), root excluded. */
export function kindsBelow(wn: WordNet, root: string): string[] {
  const seen = new Set<string>([root]);
  const out: string[] = [];
  let frontier = [root];
  while (frontier.length) {
    const next: string[] = [];
    for (const o of frontier)
      for (const h of wn.synset(o)?.hyponyms ?? [])
        if (!seen.has(h)) {
          seen.add(h);
          out.push(h);
          next.push(h);
        }
    frontier = next;
  }
  return out;
}

/**
 * A definition without its parenthesis, an aside ("covers the torso (and may have sleeves and legs)"): what the item may
 * also have, not what it is, so its words would tie the item to parts it need not have.
 */
export const withoutAsides = (gloss: string) => gloss.replace(/\([^)]*\)/g, ' ');

/** Single-word lemmas of every kind below the roots: the garment words a misspelling is checked against. Pure. */
export function lemmasBelow(wn: WordNet, roots: readonly string[]): string[] {
  return [...new Set(roots.flatMap((r) => kindsBelow(wn, r)).flatMap((o) => wn.synset(o)?.words ?? []))].filter((w) => /^\p{L}+$/u.test(w));
}

/** Last words of the multiword lemmas of those senses that sit under one of `anchors` ("tank" as a tank top: top). Pure. */
export function termEnds(wn: WordNet, senses: readonly string[], anchors: readonly string[]): string[] {
  const under = senses.filter((o) => anchors.some((a) => wn.ancestors(o).has(a)));
  return under.flatMap((o) => (wn.synset(o)?.words ?? []).filter((w) => w.includes(' ')).map((w) => w.split(' ').at(-1)!));
}

/** WordNet's lexicographer file of body parts (noun.body): head, foot, leg. */
const BODY_LEX_FILE = 8;
/** Whether the word's most used sense is a part of the body; "legs" and "arms" have senses of their own (staying power, weapons), so the singular's counts too. Pure. */
export const isBodyPart = (wn: WordNet, word: string) => [word, glossTerm(word)].some((w) => wn.synset(wn.senses(w)[0] ?? '')?.lexFile === BODY_LEX_FILE);

/** Kinds below `domain` whose definitions (asides left out) hold `words` as one phrase, inflections folded ("long sleeves": sweatshirt). Pure. */
export function definedBy(wn: WordNet, domain: string, words: readonly string[]): string[] {
  // glossTerm reads "sleeves" as a verb: nouns are singularised on both sides as well.
  const want = words.map((w) => singular(glossTerm(w)));
  return kindsBelow(wn, domain).filter((o) => {
    const terms = glossTerms(withoutAsides(wn.synset(o)?.gloss ?? '')).map(singular);
    return terms.some((_, i) => want.every((w, j) => terms[i + j] === w));
  });
}

/** An anchor with at most this many kinds of its own is a category WordNet leaves nearly empty ("outerwear": one). */
const THIN_KINDS = 1;
/** A synset with at least this many kinds is a category, not one garment. */
const BROAD_KINDS = 3;

export interface DefinitionLink {
  label: string;
  /** The anchor whose definition points elsewhere. */
  from: string;
  /** The category it points to. */
  to: string;
  /** The definition word they share. */
  term: string;
}

/**
 * Labels anchored on a category WordNet leaves nearly empty, linked to the broad category whose definition
 * shares a word with the anchor's that no other definition in the domain uses: "outerwear" (clothing for use
 * outdoors, one kind) and "coat" (an outer garment ... worn outdoors, sixteen kinds). WordNet files the same
 * idea twice, once by purpose and once by shape; the shared rare word is the evidence. Pure given a WordNet.
 */
export function definitionLinks(wn: WordNet, domain: string, anchors: ReadonlyMap<string, readonly string[]>): DefinitionLink[] {
  const inside = kindsBelow(wn, domain);
  const definitionTerms = new Map(inside.map((o) => [o, new Set(glossTerms(wn.synset(o)?.gloss ?? ''))] as const));
  const df = new Map<string, number>();
  for (const terms of definitionTerms.values()) for (const t of terms) df.set(t, (df.get(t) ?? 0) + 1);
  const anchored = new Set([...anchors.values()].flat());
  const out: DefinitionLink[] = [];
  for (const [label, offsets] of anchors)
    for (const from of offsets) {
      const s = wn.synset(from);
      const own = definitionTerms.get(from);
      if (!s || !own || s.hyponyms.length > THIN_KINDS) continue;
      // The parents' own names ("clothing") are what every definition shares, not evidence.
      const parents = new Set([...wn.ancestors(from).keys()].flatMap((a) => wn.synset(a)?.words ?? []).flatMap((w) => w.split(/[\s-]+/)));
      for (const term of own) {
        if (df.get(term) !== 2 || parents.has(term)) continue;
        for (const [to, terms] of definitionTerms) if (to !== from && terms.has(term) && !anchored.has(to) && (wn.synset(to)?.hyponyms.length ?? 0) >= BROAD_KINDS) out.push({ label, from, to, term });
      }
    }
  return out;
}

type Bag = Map<string, number>;

/** Things are named by nouns: definitions are compared on the nouns they share ("foot", not "comfortable"). */
const addTo = (wn: WordNet, bag: Bag, term: string, w: number) => {
  if (wn.senses(term).length) bag.set(term, (bag.get(term) ?? 0) + w);
};

/**
 * Adds a synset's lemmas and definition words to a bag. A label's bag leaves out the definition's asides; a request word
 * keeps them: "a suit (usually including a jacket and trousers)" says what the shopper may mean.
 */
function synsetTerms(wn: WordNet, offset: string, bag: Bag, weight: number, asides = true) {
  const s = wn.synset(offset);
  if (!s) return;
  for (const lemma of s.words) for (const w of lemma.split(/[\s-]+/)) if (w.length > 2 && !STOPWORDS.has(w)) addTo(wn, bag, glossTerm(w), weight);
  for (const t of glossTerms(asides ? s.gloss : withoutAsides(s.gloss))) addTo(wn, bag, t, weight * GLOSS_WEIGHT);
}

export interface GlossMatch {
  label: string;
  score: number;
  /** The shared words that weighed most, for the reply's `mapped`. */
  shared: string[];
}

export interface GlossIndex {
  /** Labels whose definitions share words with `words` (best first, cosine > 0). */
  match(words: readonly string[]): GlossMatch[];
}

/** Builds each label's bag from its anchor synsets (label -> offsets). */
export function buildGlossIndex(wn: WordNet, anchors: ReadonlyMap<string, readonly string[]>, inDomain: (offset: string) => boolean): GlossIndex {
  const bags = new Map<string, Bag>();
  for (const [label, offsets] of anchors) {
    const bag: Bag = new Map();
    let frontier = [...offsets];
    for (const o of frontier) synsetTerms(wn, o, bag, 1, false);
    for (let d = 1; d <= KIND_DEPTH; d++) {
      frontier = frontier.flatMap((o) => wn.synset(o)?.hyponyms ?? []);
      for (const o of frontier) synsetTerms(wn, o, bag, 1 / (d + 1), false);
    }
    bags.set(label, bag);
  }
  const df = new Map<string, number>();
  for (const bag of bags.values()) for (const t of bag.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const idf = (t: string) => Math.log((bags.size + 1) / ((df.get(t) ?? 0) + 0.5));
  const weigh = (bag: Bag) => {
    const v = new Map<string, number>();
    for (const [t, c] of bag) if (df.has(t)) v.set(t, Math.log1p(c) * idf(t));
    let norm = 0;
    for (const x of v.values()) norm += x * x;
    norm = Math.sqrt(norm) || 1;
    for (const [t, x] of v) v.set(t, x / norm);
    return v;
  };
  const vectors = new Map([...bags].map(([l, bag]) => [l, weigh(bag)] as const));
  return {
    match(words) {
      const bag: Bag = new Map();
      for (const w of words) {
        addTo(wn, bag, glossTerm(w), 1);
        // Only the word's senses inside the catalogue's domain (clothing) add their definitions: "weekend" or "cutoff" (a valve) add nothing but the word.
        const senses = wn.senses(w).length ? wn.senses(w) : wn.senses(glossTerm(w));
        for (const s of senses.filter(inDomain).slice(0, 3)) {
          synsetTerms(wn, s, bag, GLOSS_WEIGHT);
          for (const h of wn.synset(s)?.hypernyms ?? []) synsetTerms(wn, h, bag, GLOSS_WEIGHT / 2);
        }
      }
      const q = weigh(bag);
      const out: GlossMatch[] = [];
      for (const [label, v] of vectors) {
        let score = 0;
        const parts: [string, number][] = [];
        for (const [t, x] of q) {
          const y = v.get(t);
          if (y === undefined) continue;
          score += x * y;
          parts.push([t, x * y]);
        }
        if (score > 0) out.push({ label, score, shared: parts.sort((a, b) => b[1] - a[1]).map(([t]) => t) });
      }
      return out.sort((a, b) => b.score - a.score || (a.label < b.label ? -1 : 1));
    },
  };
}
