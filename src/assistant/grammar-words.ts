/** The small English grammar the offline parser reads: stop words, negation, ordinals, comparisons. */
import type { AttrConstraint } from './types.js';

export const STOPWORDS = new Set(
  `a an the i me my we you your it its is are be am was were to of in on at for with and or nor please show find give get want need
   looking look search some any something anything stuff thing things item items one ones that this those these there here can could would
   should will do does did have has got just really very maybe also too still kind sort type like love prefer wear wearing buy
   what which about how something else instead now then so but okay ok hi hello thanks thank let lets see by from as up
   photo photos picture pictures image images pic pics dollar dollars euro euros eur usd gbp pound pounds buck bucks price priced cost costing costs t s m d ll re ve`.split(/\s+/),
);
export const NEGATORS = new Set(['not', 'no', 'without', 'except', 'excluding', 'exclude', 'non', 'nothing', 'never', 'avoid', 'don', 'dont', 'isn', 'aren', 'minus', 'neither', 'nor']);
export const BREAKS = new Set([',', '.', ';', '!', '?', 'but', 'with', 'show', 'i']);
export const CONJUNCTIONS = new Set(['or', 'and', ',', 'nor']);
export const ARTICLES = new Set(['a', 'an', 'the', 'any']);
/** Determiners that mark a noun as the shopper's own ("my upper body", "with my dress"): not what they ask for. "her" is left out: also the object ("buy her shoes"). */
export const POSSESSIVES = new Set(['my', 'your', 'his', 'our', 'their']);
/** "to wear with", "goes over", "to layer under": a verb of putting clothes together, then where. */
export const PAIR_VERBS = new Set([
  'go',
  'goes',
  'going',
  'pair',
  'pairs',
  'paired',
  'pairing',
  'wear',
  'wears',
  'wearing',
  'worn',
  'layer',
  'layers',
  'layering',
  'throw',
  'throws',
  'put',
  'style',
  'team',
  'combine',
]);
export const PAIR_PREPS = new Set(['with', 'over', 'under', 'underneath', 'beneath', 'on']);
/** Words that ask for an item without naming its kind: "something to wear over a shirt", "what goes with my jeans". */
export const UNNAMED_ITEMS = new Set(['something', 'anything', 'stuff', 'what', 'whatever']);
/** Where an unnamed item goes on what the shopper has: the WordNet term for a garment worn there ("to wear under my shirt"). */
export const LAYER_TERMS: Readonly<Record<string, string>> = { over: 'overgarment', under: 'undergarment', underneath: 'undergarment', beneath: 'undergarment' };
/** "goes well with", "to put on over": an adverb or particle between the pairing verb and its preposition. */
export const PAIR_ADVERBS = new Set(['well', 'nicely', 'perfectly', 'on']);
/** "to match my coat", "that complements": the noun after it is what the item should go with. */
export const MATCH_WORDS = new Set(['match', 'matches', 'matching', 'complement', 'complements', 'complementing', 'coordinate', 'coordinates']);
export const ORDINALS: Record<string, number> = {
  first: 1,
  '1st': 1,
  second: 2,
  '2nd': 2,
  third: 3,
  '3rd': 3,
  fourth: 4,
  '4th': 4,
  fifth: 5,
  '5th': 5,
  sixth: 6,
  '6th': 6,
  seventh: 7,
  '7th': 7,
  eighth: 8,
  '8th': 8,
  ninth: 9,
  '9th': 9,
  tenth: 10,
  '10th': 10,
  last: -1,
};
export const MORE_WORDS = new Set(['more', 'another', 'other', 'others', 'next', 'again', 'different']);
export const LIKE_WORDS = new Set(['like', 'similar', 'resembling', 'same']);
export const ALL_SHOWN = new Set(['these', 'those', 'them']);
export const ONE_SHOWN = new Set(['this', 'that', 'it']);
export const CHEAPER = [['cheaper'], ['less', 'expensive'], ['lower', 'price'], ['more', 'affordable'], ['cheaper', 'one']];
export const PRICIER = [['pricier'], ['more', 'expensive'], ['higher', 'price'], ['fancier']];
export const UPPER: [string[], AttrConstraint['op']][] = [
  [['less', 'than'], 'lt'],
  [['cheaper', 'than'], 'lt'],
  [['lower', 'than'], 'lt'],
  [['up', 'to'], 'lte'],
  [['at', 'most'], 'lte'],
  [['no', 'more', 'than'], 'lte'],
  [['under'], 'lt'],
  [['below'], 'lt'],
  [['beneath'], 'lt'],
  [['max'], 'lte'],
  [['maximum'], 'lte'],
  [['within'], 'lte'],
  [['<'], 'lt'],
];
export const LOWER: [string[], AttrConstraint['op']][] = [
  [['more', 'than'], 'gt'],
  [['greater', 'than'], 'gt'],
  [['higher', 'than'], 'gt'],
  [['pricier', 'than'], 'gt'],
  [['at', 'least'], 'gte'],
  [['over'], 'gt'],
  [['above'], 'gt'],
  [['min'], 'gte'],
  [['minimum'], 'gte'],
  [['from'], 'gte'],
  [['>'], 'gt'],
];
