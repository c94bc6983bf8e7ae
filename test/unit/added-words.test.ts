/** Loupe's added shop words over the real WordNet 3.1 database: where they attach and how the mapper reads them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADDED_WORDS, loadShopWordNet, withAddedWords } from '../../src/assistant/added-words.js';
import { buildLexicon } from '../../src/assistant/lexicon.js';
import { parseTurn } from '../../src/assistant/parser.js';
import { buildVocabulary } from '../../src/assistant/vocabulary.js';
import { loadWordNet } from '../../src/assistant/wordnet.js';

const base = loadWordNet();
const wn = loadShopWordNet();

/** Requests parsed against the clothing set's labels (and a kids flag) over WordNet with the added words. */
function clothingAsk() {
  const labels = ['T-Shirt', 'Longsleeve', 'Pants', 'Shoes', 'Shirt', 'Dress', 'Outwear', 'Shorts', 'Hat', 'Skirt', 'Polo', 'Undershirt', 'Blazer', 'Hoodie', 'Body', 'Top'];
  const vocab = buildVocabulary({ labels, groups: [], attributes: [{ name: 'kids', values: [true, false] }] });
  const withLex = { ...vocab, lexicon: buildLexicon(vocab, wn) };
  return (text: string) => parseTurn(text, withLex, { shown: [], image: false });
}

test('added words: every entry attaches to a WordNet synset, and WordNet itself is left as it was', () => {
  for (const e of ADDED_WORDS) for (const w of e.words) assert.ok(wn.senses(w).length > 0, `"${w}" has a sense`);
  assert.deepEqual(base.senses('hoodie'), [], 'the plain reader does not see them');
  const [hoodie] = wn.senses('hoodie');
  assert.equal(wn.synset(hoodie!)?.added, true);
  const sweatshirt = base.senses('sweatshirt')[0]!;
  assert.equal(wn.ancestors(hoodie!).get(sweatshirt), 1, 'a new kind sits right under its target');
  assert.ok(wn.synset(sweatshirt)!.hyponyms.includes(hoodie!), "and shows in its target's kinds");
  const trainers = wn.senses('trainer');
  assert.equal(wn.synset(trainers[0]!)?.words.includes('sneaker'), true, 'more words for an existing synset come first');
  assert.ok(
    base.senses('trainer').every((s) => trainers.includes(s)),
    "WordNet's own senses stay",
  );
  assert.equal(wn.isAdded?.('Trainers'), true);
  assert.equal(wn.isAdded?.('sneaker'), false);
});

test('added words: an entry whose target WordNet lacks is skipped', () => {
  const extended = withAddedWords(base, [{ words: ['zzwidget'], kindOf: { lemma: 'no such lemma' }, gloss: 'nothing' }]);
  assert.deepEqual(extended.senses('zzwidget'), []);
});

test('added words: the mapper names them, a label WordNet lacks anchors on them, near spellings ignore them', () => {
  const vocab = buildVocabulary({ labels: ['Hoodie', 'Longsleeve', 'Pants', 'Shoes', 'Polo', 'Body', 'Outwear', 'Dress', 'Skirt'], groups: [], attributes: [] });
  const lex = buildLexicon(vocab, wn);
  assert.deepEqual(
    lex.anchors.filter((a) => a.label === 'Hoodie').map((a) => a.source),
    ['added word'],
  );
  const hooded = lex.map(['hooded', 'sweatshirt'], 0);
  assert.equal(hooded?.kind, 'synonym');
  assert.deepEqual(hooded?.labels, ['Hoodie']);
  assert.equal(hooded?.confident, true);
  const joggers = lex.map(['joggers'], 0);
  assert.deepEqual(joggers?.labels, ['Pants']);
  assert.match(joggers!.via, /"joggers": one of Loupe's added shop words/);
  assert.deepEqual(lex.map(['maxi', 'dress'], 0)?.labels, ['Dress'], 'the phrase, not "maxi" the skirt');
  assert.deepEqual(lex.map(['maxi'], 0)?.labels, ['Skirt']);
  // "polo neck" and "body warmer" are added phrases: a label's near spelling is found among WordNet's own lemmas only.
  assert.deepEqual(
    lex.anchors.filter((a) => a.label === 'Polo').map((a) => a.words[0]),
    ['polo shirt'],
  );
  assert.ok(!lex.anchors.some((a) => a.label === 'Body' && a.words.includes('gilet')));
  assert.equal(buildLexicon(vocab, base).map(['joggers'], 0), undefined, 'without them "joggers" maps to nothing');
});

test('two labels in a row: the first when WordNet makes it a kind of the second, else the last (the English head)', () => {
  const labels = ['Polo', 'Shirt', 'Dress', 'Pants', 'Shoes', 'Longsleeve', 'T-Shirt'];
  const vocab = buildVocabulary({ labels, groups: [], attributes: [] });
  const withLex = { ...vocab, lexicon: buildLexicon(vocab, wn) };
  const ask = (text: string) => parseTurn(text, withLex, { shown: [], image: false });
  assert.equal(withLex.lexicon.kindOf('Polo', 'Shirt'), true);
  assert.equal(withLex.lexicon.kindOf('Dress', 'Pants'), false);
  assert.equal(withLex.lexicon.kindOf('Longsleeve', 'Shirt'), undefined, 'a label anchored only on definitions is unknown');
  assert.deepEqual(ask('polo shirt').labels, ['Polo']);
  assert.deepEqual(ask('dress pants').labels, ['Pants']);
  assert.deepEqual(ask('shirt dress').labels, ['Dress']);
  assert.deepEqual(ask('long sleeve shirt').labels, ['Longsleeve'], 'unknown keeps the first, as before');
  assert.deepEqual(ask('a long-sleeved shirt').labels, ['Longsleeve'], 'an -ed adjective reads as its noun');
  // A word mapped right after a label is read the same way as a second label.
  assert.deepEqual(ask('a long-sleeved tee').labels, ['Longsleeve']);
  assert.deepEqual([ask('dress trainers').labels, ask('dress trainers').soft], [[], ['Shoes']]);
  assert.deepEqual(ask('no dress trainers').notLabels, ['Dress'], 'a negated first label is left as it was');
  assert.deepEqual(ask('no dress shoes').notLabels, ['Shoes']);
  assert.deepEqual(ask('golf shirt').labels, ['Polo'], 'an added synonym of polo shirt');
});

test('request words: equally common senses, hyphened -ed compounds, a negated kind of the asked label, a literal head, a phrase read by its definition', () => {
  const labels = ['T-Shirt', 'Longsleeve', 'Pants', 'Shoes', 'Shirt', 'Dress', 'Outwear', 'Shorts', 'Hat', 'Skirt', 'Polo', 'Undershirt', 'Blazer', 'Hoodie', 'Body', 'Top'];
  const vocab = buildVocabulary({ labels, groups: [], attributes: [{ name: 'kids', values: [true, false] }] });
  const withLex = { ...vocab, lexicon: buildLexicon(vocab, wn) };
  const ask = (text: string) => parseTurn(text, withLex, { shown: [], image: false });
  // "jumper": a sweater and a pinafore dress, each tagged once in WordNet's texts; "frock" is mostly a dress (15 tags).
  const jumper = ask('a jumper');
  assert.deepEqual([jumper.labels, jumper.soft.sort()], [[], ['Dress', 'Longsleeve']]);
  assert.match(jumper.mapped[0]!, /senses used equally often/);
  assert.deepEqual(ask('a frock').soft, ['Dress']);
  assert.deepEqual(ask('a short-sleeved shirt').labels, ['Shirt'], '"short" inside the adjective is not the label Shorts');
  assert.deepEqual(ask('short shorts').labels, ['Shorts']);
  assert.deepEqual(ask('a short-sleeve shirt').labels, ['Shirt'], 'the singular of a plural-only label is another word');
  assert.deepEqual(ask('a pair of shoe').labels, ['Shoes'], 'a singular that names the item still does');
  assert.ok(!ask('a sports bra').labels.includes('Shorts'), 'a real word is no typo');
  assert.deepEqual(ask('a shrit').labels, ['Shirt'], 'an unknown word one edit away is');
  const notSandals = ask('shoes that are not sandals');
  assert.deepEqual([notSandals.labels, notSandals.notLabels], [['Shoes'], []]);
  assert.match(notSandals.dropped[0]!, /"not sandals"/);
  assert.deepEqual(ask('boots, no sandals').notLabels, [], 'a probable kind is not excluded when the request asks for its label');
  assert.deepEqual(ask('no sandals').notLabels, ['Shoes'], 'alone it still excludes');
  assert.deepEqual(ask('a tank top').soft, ['Top'], 'the label the shopper named as its kind, over WordNet shirt');
  assert.deepEqual(ask('hot pants').soft, ['Shorts'], 'WordNet keeps a kind of the named label');
  assert.deepEqual(ask('high tops').soft, ['Shoes'], 'and a kind outside clothing');
  // A word that only probably names a kind, right before another kind, describes it: English puts the head last.
  const duster = ask('a duster coat');
  assert.deepEqual(duster.soft, ['Outwear']);
  assert.match(duster.mapped[0]!, /"duster" describes the kind named after it/);
  assert.deepEqual([ask('denim shorts').labels, ask('denim shorts').soft], [['Shorts'], []]);
  assert.deepEqual(ask('jeans, sneakers').soft, ['Pants', 'Shoes'], 'a list is no compound');
  assert.deepEqual(ask('slip-on sneakers').soft, ['Shoes'], 'a word naming the whole catalogue leaves the head alone');
  // Longsleeve's definition anchors include "ao dai", a kind of attire: a tuxedo is no sibling of it, a cardigan (sweater) is.
  assert.ok(!ask('a dinner jacket').soft.includes('Longsleeve'));
  assert.deepEqual(ask('a cardigan').soft, ['Longsleeve']);
  assert.deepEqual(ask('kidswear').attrs, [{ attr: 'kids', op: 'eq', value: true }], 'a compound of a flag word and "wear" sets the flag');
  assert.deepEqual(ask('headwear').soft, ['Hat']);
  assert.deepEqual(ask('long johns').attrs, [], 'a named individual (King John, a son of Henry II) is no child');
  const grow = ask('a baby grow');
  assert.deepEqual([grow.soft, grow.attrs], [['Body'], [{ attr: 'kids', op: 'eq', value: true }]]);
  assert.deepEqual(ask('trainers for a schoolboy').attrs, [{ attr: 'kids', op: 'eq', value: true }], 'a boy attending school is a boy');
});

test('request words: a garment the asked-for one should go with only describes; tweens and little ones are children', () => {
  const labels = ['T-Shirt', 'Longsleeve', 'Pants', 'Shoes', 'Shirt', 'Dress', 'Outwear', 'Shorts', 'Hat', 'Skirt', 'Polo', 'Blazer', 'Hoodie', 'Top', 'Blouse'];
  const vocab = buildVocabulary({ labels, groups: [], attributes: [{ name: 'kids', values: [true, false] }] });
  const withLex = { ...vocab, lexicon: buildLexicon(vocab, wn) };
  const ask = (text: string) => parseTurn(text, withLex, { shown: [], image: false });
  const kinds = (text: string) => {
    const q = ask(text);
    return [...q.labels, ...q.soft];
  };
  assert.deepEqual(kinds('a shirt to wear with shorts'), ['Shirt']);
  assert.deepEqual(kinds('a skirt that goes with a white blouse'), ['Skirt']);
  assert.deepEqual(kinds('a blazer to wear over a t-shirt'), ['Blazer']);
  assert.deepEqual(kinds('shorts that go well with a polo'), ['Shorts']);
  assert.deepEqual(kinds('a hat to match a coat'), ['Hat']);
  assert.deepEqual(kinds('a jacket to throw over a summer dress'), ['Outwear']);
  assert.match(ask('a shirt to wear with shorts').mapped.join(' '), /"shorts" is what it should go with/);
  // Not a pairing: a garment part, two garments side by side.
  assert.ok(kinds('a top with long sleeves').includes('Longsleeve'), 'a part, not a garment to go with');
  assert.deepEqual(kinds('a shirt and shorts').sort(), ['Shirt', 'Shorts']);
  const unnamed = ask('something to wear with shorts');
  assert.deepEqual([kinds('something to wear with shorts'), unnamed.notLabels], [[], ['Shorts']], 'an item not named: what it goes with is not it');
  for (const who of ['my tween', 'my little one', 'a preteen']) assert.deepEqual(ask(`a t-shirt for ${who}`).attrs, [{ attr: 'kids', op: 'eq', value: true }], who);
  assert.deepEqual(kinds('a sweat top'), kinds('a sweatshirt'), 'a sweat top is a sweatshirt, not a Top');
});

test('request words: teens are children unless the request denies it; a suit jacket is sold with the blazers; sweats are trousers; a creeper is a baby bodysuit; bottoms', () => {
  const ask = clothingAsk();
  const kids = [{ attr: 'kids', op: 'eq', value: true }];
  for (const text of ['a hoodie for teens', 'a teen hoodie', 'jeans for a teenager', 'shoes for my kiddo', 'clothes for the grandkids', 'a coat in youth sizes'])
    assert.deepEqual(ask(text).attrs, kids, text);
  const plain = buildVocabulary({ labels: ['Hoodie'], groups: [], attributes: [{ name: 'kids', values: [true, false] }] });
  assert.deepEqual(buildLexicon(plain, base).map(['teenager'], 0), undefined, "WordNet's own teenager is no child");
  assert.deepEqual(ask('sneakers for a teenager, not for kids').attrs, [{ attr: 'kids', op: 'eq', value: false }], 'a flag denied outright wins');
  for (const text of ['a suit jacket for work', 'a tailored jacket']) assert.deepEqual(ask(text).soft, ['Blazer'], text);
  assert.deepEqual(ask('a rain jacket').soft, ['Outwear'], 'other jackets stay outerwear');
  assert.deepEqual(ask('sweats for the couch').soft, ['Pants']);
  for (const [text, label] of [
    ['boardies for surfing', 'Shorts'],
    ['an LBD for a night out', 'Dress'],
    ['a quarter-zip for golf', 'Longsleeve'],
    ['a thin knit for spring', 'Longsleeve'],
    ['palazzos for summer', 'Pants'],
    ['skinnies', 'Pants'],
    ['a tank for the gym', 'Top'],
  ])
    assert.deepEqual(ask(text).soft, [label], text);
  assert.deepEqual(ask('pj bottoms').soft, ['Pants'], 'bottoms rank by their definition: trousers first');
  const bag = ask('the bottom of the bag');
  assert.deepEqual([bag.labels, bag.mapped.filter((m) => !m.includes('via WordNet definitions'))], [[], []], 'the singular is another word: no kind, at most a guess from definitions');
  const creeper = ask('a creeper for an infant');
  assert.deepEqual([creeper.soft.includes('Body'), creeper.attrs], [true, kids], "the US word for a baby's bodysuit");
});

test('request words: a child word inside a garment or colour term is no child', () => {
  const ask = clothingAsk();
  const kids = [{ attr: 'kids', op: 'eq', value: true }];
  // A newsboy is only defined by a child ("a boy who delivers newspapers"); a baby is one.
  assert.deepEqual([ask('a newsboy cap').soft, ask('a newsboy cap').attrs], [['Hat'], []]);
  assert.deepEqual(ask('baby shoes').attrs, kids);
  assert.deepEqual(ask('trainers for a schoolboy').attrs, kids, 'alone, a word defined by a child still is one');
  assert.deepEqual(ask('a baby blue sweater').attrs, []);
  assert.match(ask('a baby pink dress').mapped.join(' '), /"baby pink" is one term/);
  assert.deepEqual(ask('baby shoes in baby blue').attrs, kids);
});

test('request words: a label word inside a term, or before another kind in one noun phrase, is not asked for', () => {
  const ask = clothingAsk();
  const kinds = (text: string) => {
    const q = ask(text);
    return [...q.labels, ...q.soft];
  };
  assert.deepEqual(kinds('trousers for a smart dress code'), ['Pants'], 'WordNet knows "dress code" as one term');
  assert.deepEqual(kinds('a jacket in body length'), ['Outwear']);
  assert.deepEqual(kinds('a top quality coat'), ['Outwear'], 'English puts the head last, a free word between or not');
  assert.deepEqual(kinds('a top quality winter coat'), ['Outwear']);
  assert.deepEqual(kinds('a polo summer shirt'), ['Polo'], 'a label that is a kind of the head stays, as in "polo shirt"');
  assert.deepEqual(kinds('a blazer jacket'), ['Blazer'], 'a blazer is a jacket, though the label Blazer is no kind of Outwear');
  assert.deepEqual(kinds('a shirt jacket'), ['Outwear'], 'a shirt is none');
  assert.deepEqual(kinds('a dress in red'), ['Dress']);
  assert.deepEqual(kinds('a dress, warm coat').sort(), ['Dress', 'Outwear'], 'a comma ends the phrase');
});
