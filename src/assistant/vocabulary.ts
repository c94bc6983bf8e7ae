/**
 * The catalogue's own words: labels, groups and attribute values, normalised so a request can be
 * matched against them without a language model. Pure: built from rows the store hands over.
 */
import type { Lexicon } from './lexicon-types.js';

export type AttrKind = 'number' | 'boolean' | 'category';

export interface AttributeVocab {
  name: string;
  kind: AttrKind;
  /** Distinct values of a categorical attribute (as stored). */
  values: string[];
}

export interface Phrase {
  /** Singularised tokens that spell the entry, e.g. ['t', 'shirt']. */
  tokens: string[];
  kind: 'label' | 'group' | 'value';
  /** The catalogue's spelling (label or group name, or the attribute value). */
  value: string;
  /** For kind 'value': the attribute it belongs to. */
  attr?: string;
}

export interface Vocabulary {
  labels: string[];
  groups: string[];
  attributes: AttributeVocab[];
  phrases: Phrase[];
  /** The numeric attribute that words like "cheaper" and "under 50" refer to, if the catalogue has one. */
  priceAttr: string | undefined;
  /** Maps words the catalogue does not use onto its labels and flags (WordNet + lexicon.csv). */
  lexicon?: Lexicon;
}

export interface VocabularySource {
  labels: readonly string[];
  groups: readonly string[];
  /** Per attribute: its distinct values (capped by the store) and whether there were more. */
  attributes: readonly { name: string; values: readonly unknown[]; truncated?: boolean }[];
}

const BOOLEAN_WORDS = new Set(['true', 'false', 'yes', 'no', 'y', 'n']);
/** Categorical attributes with more distinct values than this are free text, not a vocabulary. */
const MAX_CATEGORY_VALUES = 200;
const PRICE_NAMES = /^(price|cost|amount|msrp|price_?[a-z]*|[a-z]*_?price)$/i;

/** Plural to singular by suffix rules; applied to both sides, so it only has to be consistent. */
export function singular(token: string): string {
  if (token.length <= 3 || /\d/.test(token)) return token;
  if (token.endsWith('ies') && token.length > 4) return `${token.slice(0, -3)}y`;
  if (token.endsWith('sses')) return token.slice(0, -2);
  if (/(ches|shes|xes)$/.test(token)) return token.slice(0, -2);
  if (token.endsWith('s') && !/(ss|us|is)$/.test(token)) return token.slice(0, -1);
  return token;
}

/** Lower-case word tokens (letters and digits), accents folded. */
export function words(text: string): string[] {
  return (
    text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

export function phraseTokens(text: string): string[] {
  return words(text).map(singular);
}

/** Whether a stored value reads as a boolean (CSV keeps "true"/"false" as text). */
export function asBoolean(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return undefined;
  if (typeof v !== 'string') return undefined;
  const t = v.trim().toLowerCase();
  if (t === 'true' || t === 'yes' || t === 'y') return true;
  if (t === 'false' || t === 'no' || t === 'n') return false;
  return undefined;
}

export function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  return undefined;
}

function attributeKind(values: readonly unknown[], truncated: boolean): AttrKind | undefined {
  const present = values.filter((v) => v !== null && v !== undefined && v !== '');
  if (!present.length) return undefined;
  if (present.every((v) => typeof v === 'boolean' || (typeof v === 'string' && BOOLEAN_WORDS.has(v.trim().toLowerCase())))) return 'boolean';
  if (present.every((v) => asNumber(v) !== undefined)) return 'number';
  if (truncated || present.length > MAX_CATEGORY_VALUES) return undefined;
  if (present.every((v) => typeof v === 'string' && words(v).length > 0 && words(v).length <= 4)) return 'category';
  return undefined;
}

export function buildVocabulary(src: VocabularySource): Vocabulary {
  const phrases: Phrase[] = [];
  const add = (text: string, kind: Phrase['kind'], value: string, attr?: string) => {
    const tokens = phraseTokens(text);
    if (!tokens.length) return;
    phrases.push({ tokens, kind, value, ...(attr ? { attr } : {}) });
    // "T-Shirt" is also written "tshirt": the joined spelling matches as one token.
    if (tokens.length > 1) phrases.push({ tokens: [singular(words(text).join(''))], kind, value, ...(attr ? { attr } : {}) });
  };
  const labels = [...new Set(src.labels)].sort();
  const groups = [...new Set(src.groups)].sort();
  for (const l of labels) add(l, 'label', l);
  // A group named only by a number (a sender's id) cannot be asked for by name: a bare number in a request is an age,
  // a size or a count ("a jacket for my son, he's 8").
  for (const g of groups) if (/\p{L}/u.test(g)) add(g, 'group', g);
  const attributes: AttributeVocab[] = [];
  for (const a of src.attributes) {
    const kind = attributeKind(a.values, a.truncated === true);
    if (!kind) continue;
    const values = kind === 'category' ? [...new Set(a.values.map(String))].sort() : [];
    attributes.push({ name: a.name, kind, values });
    for (const v of values) add(v, 'value', v, a.name);
  }
  const numeric = attributes.filter((a) => a.kind === 'number');
  const priceAttr = numeric.find((a) => PRICE_NAMES.test(a.name))?.name ?? (numeric.length === 1 ? numeric[0]!.name : undefined);
  // Longest phrases first, so "t shirt" wins over "shirt".
  phrases.sort((a, b) => b.tokens.length - a.tokens.length);
  return { labels, groups, attributes, phrases, priceAttr };
}
