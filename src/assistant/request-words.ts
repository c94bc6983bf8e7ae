/**
 * A request's tokens and the catalogue's own words among them: lexing, vocabulary phrases (exact,
 * joined, one typo away), boolean attributes, numeric targets, and whether a noun is the shopper's
 * own. Pure.
 */
import { editDistanceAtMostOne } from './spelling.js';
import { singular, type Phrase, type Vocabulary } from './vocabulary.js';
import { ARTICLES, LIKE_WORDS, MATCH_WORDS, MORE_WORDS, NEGATORS, PAIR_ADVERBS, PAIR_PREPS, PAIR_VERBS, POSSESSIVES, STOPWORDS, UNNAMED_ITEMS } from './grammar-words.js';

/** Lower-case tokens: words, numbers (with decimals), and the punctuation that ends a clause. */
export function lexTokens(text: string): string[] {
  const folded = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    // "short-sleeved", "fleece-lined": a hyphened -ed compound describes as one word; its parts are not items ("short").
    .replace(/(\p{L}+)-(?=\p{L}{3,}ed\b)/gu, '$1');
  return folded.match(/\d+(?:\.\d+)?|[\p{L}\p{N}]+|[,.;!?<>#]/gu) ?? [];
}

export const isGrammarWord = (t: string) => STOPWORDS.has(t) || MORE_WORDS.has(t) || NEGATORS.has(t) || LIKE_WORDS.has(t);
/** "hoodies" is "hoodie" + s, not "hoody": the second reading the suffix rules do not give. */
const plainPlural = (t: string | undefined) => (t && t.length > 3 && t.endsWith('s') ? t.slice(0, -1) : undefined);
export const isNumber = (t: string | undefined): t is string => t !== undefined && /^\d+(\.\d+)?$/.test(t);
export const seqAt = (tokens: readonly string[], i: number, seq: readonly string[]) => seq.every((s, k) => tokens[i + k] === s);
/** Modifiers read back over to find a noun phrase's determiner ("my upper body"). */
const MAX_MODIFIERS = 2;
/** Whether the noun at i is the shopper's own ("my upper body", "with my dress"): a possessive before it, past a modifier or two. */
export function ownedAt(tokens: readonly string[], i: number): boolean {
  for (let j = i - 1; j >= 0 && j >= i - 1 - MAX_MODIFIERS; j--) {
    const t = tokens[j]!;
    if (POSSESSIVES.has(t)) return true;
    if (!/^\p{L}+$/u.test(t) || isGrammarWord(t)) return false;
  }
  return false;
}

/**
 * Whether the noun at i is what the asked-for item should go with ("a shirt to wear with shorts", "a
 * skirt that goes with a white blouse", "a hat to match a coat"): a pairing verb and its preposition,
 * or a matching word, before it, past a determiner and a modifier or two. Returns that preposition or
 * matching word and where it is, or undefined.
 */
export function pairingAt(tokens: readonly string[], i: number): { word: string; at: number } | undefined {
  const j = beforeNounPhrase(tokens, i, true);
  if (j < 0) return undefined;
  if (MATCH_WORDS.has(tokens[j]!)) return { word: tokens[j]!, at: j };
  if (!PAIR_PREPS.has(tokens[j]!)) return undefined;
  const verb = PAIR_ADVERBS.has(tokens[j - 1] ?? '') ? tokens[j - 2] : tokens[j - 1];
  return verb !== undefined && PAIR_VERBS.has(verb) ? { word: tokens[j]!, at: j } : undefined;
}

/** Whether the noun at i follows "with" that pairs nothing ("a coat with a hood", not "to wear with"): past a determiner and a modifier or two. */
export function partAt(tokens: readonly string[], i: number): boolean {
  return tokens[beforeNounPhrase(tokens, i, false)] === 'with' && pairingAt(tokens, i) === undefined;
}

/** The token before the noun phrase ending at i: back past a modifier or two and a determiner (a possessive too, when `owned`). */
function beforeNounPhrase(tokens: readonly string[], i: number, owned: boolean): number {
  let j = i - 1;
  for (let m = 0; m < MAX_MODIFIERS && j >= 0 && /^\p{L}+$/u.test(tokens[j]!) && !isGrammarWord(tokens[j]!) && !MATCH_WORDS.has(tokens[j]!) && !PAIR_PREPS.has(tokens[j]!); m++) j--;
  if (j >= 0 && (ARTICLES.has(tokens[j]!) || (owned && POSSESSIVES.has(tokens[j]!)))) j--;
  return j;
}

export const isPairVerb = (t: string) => PAIR_VERBS.has(t);
/** Whether the request asked, before token i, for something it does not name ("something to wear over a shirt"). */
export const unnamedBefore = (tokens: readonly string[], i: number) => tokens.slice(0, i).some((w) => UNNAMED_ITEMS.has(w));

export interface Match {
  phrase: Phrase;
  length: number;
}

/** The vocabulary phrase starting at token i: exact (singularised), two tokens joined, or one typo away. */
export function matchPhrase(tokens: readonly string[], i: number, vocab: Vocabulary): Match | undefined {
  const sing = (k: number) => (tokens[i + k] === undefined ? undefined : singular(tokens[i + k]!));
  for (const p of vocab.phrases) {
    // A label spelled like a grammar word ("Other") would swallow "show me other ones".
    if (p.tokens.length === 1 && isGrammarWord(p.tokens[0]!)) continue;
    // "short sleeve": the singular of a plural-only label is another word.
    if (p.kind === 'label' && p.tokens.length === 1 && tokens[i] === p.tokens[0] && tokens[i] !== p.value.toLowerCase() && vocab.lexicon?.pluralOnly(p.value)) continue;
    if (p.tokens.every((t, k) => sing(k) === t || plainPlural(tokens[i + k]) === t)) return { phrase: p, length: p.tokens.length };
  }
  const a = tokens[i];
  const b = tokens[i + 1];
  // "long sleeved" and "long-sleeved" name what "Longsleeve" does: an -ed adjective made from a noun, its noun.
  const edNoun = (w: string) => (w.length > 4 && w.endsWith('ed') ? [w, w.slice(0, -1), w.slice(0, -2)] : [w]);
  const joinsInto = (forms: readonly string[]) => forms.map((f) => singular(f)).flatMap((joined) => vocab.phrases.filter((q) => q.tokens.length === 1 && q.tokens[0] === joined))[0];
  if (a && b && /^\p{L}+$/u.test(a) && /^\p{L}+$/u.test(b)) {
    const p = joinsInto(edNoun(b).map((end) => a + end));
    if (p) return { phrase: p, length: 2 };
  }
  if (a && a.length > 6 && a.endsWith('ed') && /^\p{L}+$/u.test(a)) {
    const p = joinsInto(edNoun(a).slice(1));
    if (p) return { phrase: p, length: 1 };
  }
  const s = sing(0);
  // One typo away, unless it is a word in its own right ("sports" is no misspelt "shorts").
  if (s && s.length >= 5 && /^\p{L}+$/u.test(s) && !isGrammarWord(s)) {
    const p = vocab.phrases.find((q) => q.tokens.length === 1 && q.tokens[0]!.length >= 5 && !isGrammarWord(q.tokens[0]!) && editDistanceAtMostOne(q.tokens[0]!, s));
    if (p && !vocab.lexicon?.knows(tokens[i]!)) return { phrase: p, length: 1 };
  }
  return undefined;
}

export function booleanAttrAt(tokens: readonly string[], i: number, vocab: Vocabulary): string | undefined {
  const t = tokens[i];
  if (!t) return undefined;
  return vocab.attributes.find((a) => a.kind === 'boolean' && singular(a.name.toLowerCase()) === singular(t))?.name;
}

/** A numeric attribute named near a comparison ("price under 50"), else the catalogue's price-like one. */
export function numericTarget(tokens: readonly string[], from: number, to: number, vocab: Vocabulary): string | undefined {
  for (let k = Math.max(0, from - 3); k < Math.min(tokens.length, to + 3); k++) {
    const a = vocab.attributes.find((x) => x.kind === 'number' && singular(x.name.toLowerCase()) === singular(tokens[k]!));
    if (a) return a.name;
  }
  return vocab.priceAttr;
}
