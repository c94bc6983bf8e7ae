import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConversation, parseTurn } from '../../src/assistant/parser.js';
import type { AssistantQuery, Message } from '../../src/assistant/types.js';
import { buildVocabulary, singular } from '../../src/assistant/vocabulary.js';

// A hand-made catalogue vocabulary: nothing here comes from the datasets.
const vocab = buildVocabulary({
  labels: ['Dress', 'Shoes', 'T-Shirt', 'Shirt', 'Hat', 'Longsleeve', 'Shorts'],
  groups: ['summer-board', 'office'],
  attributes: [
    { name: 'price', values: [12, 30, 49.5, 80] },
    { name: 'colour', values: ['Blue', 'Red', 'Dark Green'] },
    { name: 'kids', values: ['true', 'false'] },
    { name: 'sku', values: ['A-1', 'B-2'], truncated: true },
  ],
});
const fresh = (text: string, image = false) => parseTurn(text, vocab, { shown: [], image });

test('vocabulary: attribute kinds, price attribute, singular forms', () => {
  assert.deepEqual(
    vocab.attributes.map((a) => [a.name, a.kind]),
    [
      ['price', 'number'],
      ['colour', 'category'],
      ['kids', 'boolean'],
    ],
  );
  assert.equal(vocab.priceAttr, 'price');
  assert.deepEqual(['dresses', 'shoes', 'shorts', 'hats', 'berries', 'glass', 'bus'].map(singular), ['dress', 'shoe', 'short', 'hat', 'berry', 'glass', 'bus']);
  const noPrice = buildVocabulary({
    labels: [],
    groups: [],
    attributes: [
      { name: 'width', values: [1, 2] },
      { name: 'height', values: [3] },
    ],
  });
  assert.equal(noPrice.priceAttr, undefined, 'two numeric attributes, neither price-like: no default');
});

test('labels, plurals, spellings and typos map to the catalogue taxonomy', () => {
  assert.deepEqual(fresh('I want a dress').labels, ['Dress']);
  assert.deepEqual(fresh('show me some t-shirts').labels, ['T-Shirt']);
  assert.deepEqual(fresh('tshirts please').labels, ['T-Shirt']);
  assert.deepEqual(fresh('a long sleeve top').labels, ['Longsleeve']);
  assert.deepEqual(fresh('dreses for the beach').labels, ['Dress'], 'one typo away');
  const q = fresh('a shirt with stripes');
  assert.deepEqual(q.labels, ['Shirt'], '"shirt" is not "t-shirt"');
  assert.equal(q.text, 'stripes', 'words outside the vocabulary stay as text for the embedding');
  assert.deepEqual(fresh('shirts or hats').labels, ['Shirt', 'Hat']);
  assert.deepEqual(fresh('a long sleeve shirt').labels, ['Longsleeve'], 'a label right before another is the specific kind');
  const hoodies = buildVocabulary({ labels: ['Hoodie', 'Berry'], groups: [], attributes: [] });
  assert.deepEqual(parseTurn('hoodies and berries', hoodies, { shown: [], image: false }).labels, ['Hoodie', 'Berry'], 'both readings of -ies');
});

test('negation: labels, lists, attributes; the scope ends at the next clause', () => {
  assert.deepEqual(fresh('anything but shoes').notLabels, ['Shoes']);
  const q = fresh('dresses, not shoes');
  assert.deepEqual([q.labels, q.notLabels], [['Dress'], ['Shoes']]);
  assert.deepEqual(fresh('no shoes or hats').notLabels, ['Shoes', 'Hat']);
  const scoped = fresh('not shoes and in blue');
  assert.deepEqual(scoped.notLabels, ['Shoes']);
  assert.deepEqual(scoped.attrs, [{ attr: 'colour', op: 'eq', value: 'Blue' }], 'the negation does not reach "blue"');
  assert.deepEqual(fresh('a hat, not for kids').attrs, [{ attr: 'kids', op: 'eq', value: false }]);
  assert.deepEqual(fresh('shorts for kids').attrs, [{ attr: 'kids', op: 'eq', value: true }]);
  assert.deepEqual(fresh("I don't want anything red").attrs, [{ attr: 'colour', op: 'neq', value: 'Red' }]);
});

test('numeric and categorical constraints', () => {
  assert.deepEqual(fresh('a dress under 50').attrs, [{ attr: 'price', op: 'lt', value: 50 }]);
  assert.deepEqual(fresh('shoes for $30 or less').attrs, [{ attr: 'price', op: 'lte', value: 30 }]);
  assert.deepEqual(fresh('hats between 40 and 20 euros').attrs, [
    { attr: 'price', op: 'gte', value: 20 },
    { attr: 'price', op: 'lte', value: 40 },
  ]);
  assert.deepEqual(fresh('more than 10.5').attrs, [{ attr: 'price', op: 'gt', value: 10.5 }]);
  assert.deepEqual(fresh('a dress in dark green').attrs, [{ attr: 'colour', op: 'eq', value: 'Dark Green' }]);
  const none = buildVocabulary({ labels: ['Dress'], groups: [], attributes: [] });
  assert.deepEqual(parseTurn('a dress under 50', none, { shown: [], image: false }).attrs, [], 'no numeric attribute: no bound invented');
});

test('groups are matched as whole phrases', () => {
  assert.deepEqual(fresh('something from the summer board').groups, ['summer-board']);
  assert.deepEqual(fresh('not from the office').notGroups, ['office']);
  // Senders' ids are numbers: a bare number is an age or a size, not a group.
  const numbered = buildVocabulary({ labels: ['Outwear'], groups: ['8', '1234', 'office'], attributes: [] });
  const q = parseTurn("a warm outwear for my son, he's 8", numbered, { shown: [], image: false });
  assert.deepEqual([q.groups, q.labels], [[], ['Outwear']]);
  assert.deepEqual(numbered.groups, ['1234', '8', 'office'], 'still groups, for filters by id');
});

test('follow-ups: ordinals, "these", "show me more", "cheaper", refinements and fresh requests', () => {
  const shown = ['a', 'b', 'c', 'd'];
  const previous: AssistantQuery = { ...fresh('blue dresses not for kids'), exclude: [] };
  const turn = (text: string, image = false) => parseTurn(text, vocab, { previous, shown, image });

  const like = turn('more like the second one');
  assert.deepEqual(like.like, ['b']);
  assert.deepEqual(like.labels, ['Dress'], 'the previous request carries over');
  assert.deepEqual(like.exclude, shown);
  assert.deepEqual(turn('similar to #3').like, ['c']);
  assert.deepEqual(turn('the last one but cheaper').like, ['d']);
  assert.deepEqual(turn('more like these').like, shown);
  assert.deepEqual(turn('something like this').like, ['a'], '"this" is the first item shown');
  const photo = turn('something like this', true);
  assert.deepEqual([photo.like, photo.image, photo.labels], [[], true, []], 'with a photo attached, "this" is the photo: a fresh query');

  const more = turn('show me more');
  assert.deepEqual([more.labels, more.exclude, more.like], [['Dress'], shown, []]);

  const cheaper = turn('cheaper');
  assert.deepEqual(
    cheaper.attrs.find((a) => a.attr === 'price'),
    { attr: 'price', op: 'lt', value: 0, relative: 'shown' },
  );
  assert.ok(
    cheaper.attrs.some((a) => a.attr === 'kids' && a.value === false),
    'earlier constraints stay',
  );

  const red = turn('in red');
  assert.deepEqual(
    red.attrs.filter((a) => a.attr === 'colour'),
    [{ attr: 'colour', op: 'eq', value: 'Red' }],
    'a new colour replaces the old one',
  );
  assert.deepEqual(red.labels, ['Dress']);

  const other = turn('now show me hats with a wide brim');
  assert.deepEqual(other.labels, ['Hat']);
  assert.equal(other.attrs.length, 0, 'a new subject starts a fresh query');
  assert.deepEqual(other.exclude, []);
});

test('conversation replay: each turn refines the one before, ordinals use the items shown after it', () => {
  const messages: Message[] = [
    { role: 'user', content: 'dresses under 50' },
    { role: 'assistant', content: 'Here are dresses', items: ['d1', 'd2', 'd3'] },
    { role: 'user', content: 'not for kids' },
    { role: 'assistant', content: 'Here are more', items: ['d4', 'd5'] },
    { role: 'user', content: 'more like the second one' },
  ];
  const q = parseConversation(messages, vocab, false);
  assert.deepEqual(q.labels, ['Dress']);
  assert.deepEqual(q.like, ['d5']);
  assert.deepEqual(
    q.attrs.map((a) => [a.attr, a.op, a.value]),
    [
      ['price', 'lt', 50],
      ['kids', 'eq', false],
    ],
  );
  assert.deepEqual(q.exclude, ['d4', 'd5']);
  const photo = parseConversation(
    [
      { role: 'user', content: 'something like this photo' },
      { role: 'assistant', content: '', items: ['p1', 'p2'], image: true },
      { role: 'user', content: 'but for kids' },
    ],
    vocab,
    false,
  );
  assert.deepEqual(photo.like, ['p1', 'p2'], 'a follow-up to a photo search anchors on its results');
  assert.equal(fresh('', false).text, '');
});

test('a label spelled like a grammar word does not swallow the grammar', () => {
  const v = buildVocabulary({ labels: ['Other', 'Dress'], groups: [], attributes: [] });
  const q = parseTurn('show me other ones', v, { previous: { ...parseTurn('dresses', v, { shown: [], image: false }) }, shown: ['x'], image: false });
  assert.deepEqual(q.labels, ['Dress']);
  assert.deepEqual(q.exclude, ['x']);
});
