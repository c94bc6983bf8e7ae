/** A child's age, and a kind of item named with a child's word, set the kids flag (real WordNet 3.1, hand-made labels). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadShopWordNet } from '../../src/assistant/added-words.js';
import { childAgeAt } from '../../src/assistant/ages.js';
import { buildLexicon } from '../../src/assistant/lexicon.js';
import { parseTurn } from '../../src/assistant/parser.js';
import { buildVocabulary } from '../../src/assistant/vocabulary.js';

test('ages: a number, a unit and "old" (months and weeks without it); only children', () => {
  const at = (text: string) => childAgeAt(text.split(' '), 0);
  assert.equal(at('4 year old boy'), 3);
  assert.equal(at('18 months'), 2);
  assert.equal(at('6 wk old'), 3);
  assert.equal(at('3 yo'), 2);
  assert.equal(at('12 years old'), 3);
  assert.equal(at('10 years'), 0, 'years without "old" are a span of time ("lasts 10 years"), not an age');
  assert.equal(at('13 years old'), 3, 'a teenager counts as a child, as the word "teen" does');
  assert.equal(at('18 years old'), 0, 'an adult');
  assert.equal(at('8 yr olds'), 3);
  assert.equal(at('age 10'), 2, "a shop's size wording");
  assert.equal(at('ages 5 6'), 3, '"ages 5-6": the lexer drops the hyphen');
  assert.equal(at('ages 5 to 6 shirts'), 4);
  assert.equal(at('aged 7'), 2);
  assert.equal(at('age 30'), 0);
  assert.equal(at('age old'), 0);
  assert.equal(at('30 year old'), 0);
  assert.equal(at('4 shirts'), 0);
  assert.equal(at('year old'), 0);
});

const vocab = buildVocabulary({
  labels: ['Dress', 'Shoes', 'Outwear', 'Pants'],
  groups: [],
  attributes: [{ name: 'kids', values: ['true', 'false'] }],
});
const withLex = { ...vocab, lexicon: buildLexicon(vocab, loadShopWordNet()) };
const ask = (text: string) => parseTurn(text, withLex, { shown: [], image: false });

test('ages and child words inside a phrase set the flag through the parser', () => {
  const jacket = ask('a warm jacket for my 4-year-old');
  assert.deepEqual(jacket.attrs, [{ attr: 'kids', op: 'eq', value: true }]);
  assert.deepEqual(jacket.soft, ['Outwear']);
  assert.ok(jacket.mapped.some((m) => m.includes("a child's age")));
  assert.deepEqual(ask('trousers for a 30 year old').attrs, [], 'an adult age sets nothing');
  assert.deepEqual(ask('shoes that last 10 years').attrs, []);
  const baby = ask('baby shoes');
  assert.deepEqual(baby.soft, ['Shoes'], 'the two-word lemma still names the kind');
  assert.deepEqual(baby.attrs, [{ attr: 'kids', op: 'eq', value: true }], 'and its child word sets the flag');
  assert.deepEqual(ask('tennis shoes').attrs, []);
});
