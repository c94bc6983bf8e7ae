/**
 * The offline intent parser: a message plus the conversation so far -> a structured query, using
 * only the catalogue's own vocabulary (labels, groups, attribute names and values) and a small
 * English grammar for negation, numeric comparisons and follow-ups. Pure.
 */
import { emptyQuery, type AssistantQuery, type AttrConstraint, type Message } from './types.js';
import type { Vocabulary } from './vocabulary.js';
import { ALL_SHOWN, ARTICLES, BREAKS, CHEAPER, CONJUNCTIONS, LIKE_WORDS, LOWER, MORE_WORDS, NEGATORS, ONE_SHOWN, ORDINALS, PRICIER, STOPWORDS, UPPER } from './grammar-words.js';
import { bodyPhrase, layerFor, type Companion } from './layers.js';
import { booleanAttrAt, isGrammarWord, isNumber, isPairVerb, lexTokens, matchPhrase, numericTarget, ownedAt, pairingAt, partAt, seqAt, unnamedBefore } from './request-words.js';

interface Own {
  labels: string[];
  notLabels: string[];
  groups: string[];
  notGroups: string[];
  attrs: AttrConstraint[];
  like: string[];
  words: string[];
  more: boolean;
  relative: boolean;
  soft: string[];
  mapped: string[];
  dropped: string[];
}

const uniq = <T>(xs: readonly T[]) => [...new Set(xs)];
/** Free words a label and a kind after it may have between them and still be one noun phrase. */
const MAX_BRIDGE = 2;

/** Reads one user message on its own; `shown` resolves "the second one" and "these". */
export function readMessage(text: string, vocab: Vocabulary, shown: readonly string[], image = false): Own {
  const tokens = lexTokens(text);
  const own: Own = { labels: [], notLabels: [], groups: [], notGroups: [], attrs: [], like: [], words: [], more: false, relative: false, soft: [], mapped: [], dropped: [] };
  const drop = (from: number, to: number) => own.dropped.push(`"${tokens.slice(from, to).join(' ')}" (the catalogue has no price or other number to compare)`);
  let negated = false;
  let negWindow = 0;
  let lastLabelEnd = -1;
  /** Free words read since the last label that still leave it in one noun phrase with what follows ("top quality coat"). */
  let bridged = 0;
  let lastLabels = own.labels;
  // Words a negation probably means as a label: excluded unless the request asks for that label ("shoes, not sandals").
  const probablyNot: { labels: string[]; word: string }[] = [];
  let lastSoft: { end: number; labels: string[]; word: string; via: string } | undefined;
  /** The last kind ranked first, however far back: what "with a hood" may be part of. */
  let lastRanked: typeof lastSoft;
  /** Words that may say what is asked for: not those of what it should go with. */
  const free: { word: string; at: number }[] = [];
  /** What an unnamed item should go with, and how ("over" a shirt, "with" jeans). */
  let companion: Companion | undefined;
  const entityAhead = (i: number): boolean => {
    let j = i;
    while (ARTICLES.has(tokens[j] ?? '')) j++;
    return matchPhrase(tokens, j, vocab) !== undefined || booleanAttrAt(tokens, j, vocab) !== undefined;
  };
  const refer = (index: number) => {
    const id = index === -1 ? shown[shown.length - 1] : shown[index - 1];
    if (id) own.like.push(id);
  };
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    // Comparisons first: "more than 50" is a bound, not a follow-up.
    const bound = [...UPPER.map(([s, op]) => [s, op, 'upper'] as const), ...LOWER.map(([s, op]) => [s, op, 'lower'] as const)].find(([s]) => seqAt(tokens, i, s) && isNumber(tokens[i + s.length]));
    if (bound) {
      const [seq, op] = bound;
      const n = Number(tokens[i + seq.length]);
      const attr = numericTarget(tokens, i, i + seq.length + 1, vocab);
      if (attr) own.attrs.push({ attr, op, value: n });
      else drop(i, i + seq.length + 1);
      i += seq.length + 1;
      continue;
    }
    if (t === 'between' && isNumber(next) && (tokens[i + 2] === 'and' || tokens[i + 2] === 'to') && isNumber(tokens[i + 3])) {
      const attr = numericTarget(tokens, i, i + 4, vocab);
      const [lo, hi] = [Number(next), Number(tokens[i + 3])].sort((x, y) => x - y) as [number, number];
      if (attr) own.attrs.push({ attr, op: 'gte', value: lo }, { attr, op: 'lte', value: hi });
      else drop(i, i + 4);
      i += 4;
      continue;
    }
    if (isNumber(t) && next === 'or' && ['less', 'under', 'below', 'cheaper'].includes(tokens[i + 2] ?? '')) {
      const attr = numericTarget(tokens, i, i + 3, vocab);
      if (attr) own.attrs.push({ attr, op: 'lte', value: Number(t) });
      else drop(i, i + 3);
      i += 3;
      continue;
    }
    if (isNumber(t) && ((next === 'or' && ['more', 'above', 'over'].includes(tokens[i + 2] ?? '')) || (next === 'and' && tokens[i + 2] === 'up'))) {
      const attr = numericTarget(tokens, i, i + 3, vocab);
      if (attr) own.attrs.push({ attr, op: 'gte', value: Number(t) });
      else drop(i, i + 3);
      i += 3;
      continue;
    }
    const cheaper = CHEAPER.find((s) => seqAt(tokens, i, s));
    const pricier = PRICIER.find((s) => seqAt(tokens, i, s));
    if ((cheaper || pricier) && !vocab.priceAttr) {
      own.dropped.push(`"${(cheaper ?? pricier)!.join(' ')}" (the catalogue has no price)`);
      i += (cheaper ?? pricier)!.length;
      continue;
    }
    if ((cheaper || pricier) && vocab.priceAttr) {
      own.attrs.push({ attr: vocab.priceAttr, op: cheaper ? 'lt' : 'gt', value: 0, relative: 'shown' });
      own.relative = true;
      i += (cheaper ?? pricier)!.length;
      continue;
    }
    // References to what was shown: "the second one", "#3", "number 2", "these".
    if (shown.length) {
      if (ORDINALS[t] !== undefined) {
        refer(ORDINALS[t]!);
        i += next === 'one' ? 2 : 1;
        continue;
      }
      if ((t === '#' || t === 'number' || t === 'item' || t === 'no') && isNumber(next) && Number.isInteger(Number(next))) {
        refer(Number(next));
        i += 2;
        continue;
      }
      const prev = tokens[i - 1] ?? '';
      if (LIKE_WORDS.has(prev) || prev === 'to') {
        if (ALL_SHOWN.has(t)) {
          own.like.push(...shown);
          i++;
          continue;
        }
        // With a photo attached, "like this" means the photo.
        if (ONE_SHOWN.has(t) && !image && !matchPhrase(tokens, i + 1, vocab)) {
          refer(1);
          i++;
          continue;
        }
      }
    }
    if (t === 'but' && ['anything', 'everything', 'all'].includes(tokens[i - 1] ?? '')) {
      negated = true;
      negWindow = 4;
      i++;
      continue;
    }
    if ((t === 'other' || t === 'rather') && next === 'than') {
      negated = true;
      negWindow = 4;
      i += 2;
      continue;
    }
    if (t === 'instead' && next === 'of') {
      negated = true;
      negWindow = 4;
      i += 2;
      continue;
    }
    if (NEGATORS.has(t)) {
      negated = true;
      negWindow = 4;
      i++;
      continue;
    }
    let match = matchPhrase(tokens, i, vocab);
    let flag = match ? undefined : booleanAttrAt(tokens, i, vocab);
    // The catalogue's own words first, unless WordNet knows a longer phrase ("dress shirt").
    const mapped = vocab.lexicon && !isGrammarWord(t) ? vocab.lexicon.map(tokens, i) : undefined;
    const useMapped = mapped !== undefined && (mapped.length > (match?.length ?? (flag ? 1 : 0)) || (!match && !flag));
    if (useMapped) [match, flag] = [undefined, undefined];
    // A kind of item after a possessive is something the shopper has or is ("for my upper body"): its words only describe.
    const kindLength = useMapped ? (mapped.kind === 'flag' ? 0 : mapped.length) : match?.phrase.kind === 'label' ? match.length : 0;
    // ... and so is one the asked-for item should go with ("a shirt to wear with shorts"), once a kind was asked for or
    // the request asks for something it does not name ("something to wear over a shirt").
    const unnamed = kindLength > 0 && !own.labels.length && !own.soft.length && unnamedBefore(tokens, i);
    const pairing = kindLength > 0 && (own.labels.length > 0 || own.soft.length > 0 || unnamed) ? pairingAt(tokens, i) : undefined;
    if (kindLength && (pairing || ownedAt(tokens, i))) {
      const words = tokens.slice(i, i + kindLength).filter((w) => /\p{L}/u.test(w));
      own.words.push(...words);
      if (pairing) {
        own.mapped.push(`"${words.join(' ')}" is what it should go with, not what is asked for`);
        // Its modifiers ("a white shirt") and the pairing verb describe it, not the asked-for item.
        while (free.length && free.at(-1)!.at > pairing.at) free.pop();
        if (unnamed) companion = { labels: useMapped ? mapped.labels : match?.phrase.kind === 'label' ? [match.phrase.value] : [], place: pairing.word, words: words.join(' ') };
      } else free.push(...words.map((w) => ({ word: w, at: i })));
      i += kindLength;
      continue;
    }
    // "a coat with a hood": after "with", a word that only resembles a kind (a hood is a headdress too) is a part of the kind asked.
    if (useMapped && (mapped.kind === 'sibling' || mapped.kind === 'gloss') && !negated && (own.labels.length || own.soft.length) && partAt(tokens, i)) {
      own.words.push(...tokens.slice(i, i + mapped.length));
      own.mapped.push(`"${mapped.word}" describes the kind asked for (a part of it)`);
      // ... and "a sweatshirt with a hood" is a "hooded sweatshirt", when WordNet or the shop's words know one.
      const part = mapped.length === 1 ? mapped.word : undefined;
      const was = lastRanked;
      const kind = part && was ? vocab.lexicon?.map([part.endsWith('e') ? `${part}d` : `${part}ed`, ...was.word.split(' ')], 0) : undefined;
      if (kind && was && kind.length === 1 + was.word.split(' ').length && kind.labels.length && kind.kind !== 'flag') {
        own.soft = own.soft.filter((l) => !was.labels.includes(l));
        (kind.confident ? own.labels : own.soft).push(...kind.labels);
        own.mapped = own.mapped.map((v) => (v === was.via ? kind.via : v));
      }
      i += mapped.length;
      continue;
    }
    // "long-sleeved tee", "dress sneakers": a word mapped right after a label is read as a second label is (below).
    if (useMapped && mapped.kind !== 'flag' && !mapped.attr && !negated && lastLabelEnd === i && lastLabels === own.labels && mapped.labels.length) {
      const first = lastLabels.at(-1) ?? '';
      // Unless WordNet makes the label a kind of the word itself ("blazer jacket": a blazer is a jacket, though the label Blazer is
      // no kind of the label the jacket ranks, Outwear).
      if (!mapped.labels.every((l) => vocab.lexicon?.kindOf(first, l) === false) || vocab.lexicon?.kindOfWords(first, mapped.word.split(' ')) === true) {
        i = lastLabelEnd = i + mapped.length;
        continue;
      }
      lastLabels.splice(-1, 1);
    }
    // "denim shorts", "duster coat": a word that only probably names a kind, right before another kind, describes that
    // head (English puts it last), unless WordNet makes it a kind of the head ("polo shirt" above).
    const head = !negated && lastSoft?.end === i ? (useMapped && mapped.kind !== 'flag' ? mapped.labels : match?.phrase.kind === 'label' ? [match.phrase.value] : []) : [];
    if (head.length && lastSoft) {
      const specific = lastSoft.labels.every((l) => head.some((h) => vocab.lexicon?.kindOf(l, h) === true));
      if (specific && useMapped) {
        i = lastSoft.end = i + mapped.length;
        continue;
      }
      if (!specific && !lastSoft.labels.every((l) => head.includes(l))) {
        own.soft = own.soft.filter((l) => !lastSoft!.labels.includes(l) || head.includes(l));
        own.mapped = own.mapped.map((v) => (v === lastSoft!.via ? `"${lastSoft!.word}" describes the kind named after it` : v));
      }
    }
    lastSoft = undefined;
    if (useMapped) {
      own.mapped.push(mapped.via);
      if (mapped.kind === 'flag') own.attrs.push({ attr: mapped.attr!, op: 'eq', value: !negated });
      else if (negated && !mapped.confident) probablyNot.push({ labels: mapped.labels, word: mapped.word });
      else if (negated || mapped.confident) (negated ? own.notLabels : own.labels).push(...mapped.labels);
      else {
        own.soft.push(...mapped.labels);
        if (mapped.labels.length) lastSoft = lastRanked = { end: i + mapped.length, labels: mapped.labels, word: mapped.word, via: mapped.via };
      }
      if (mapped.kind !== 'flag' && mapped.attr) own.attrs.push({ attr: mapped.attr, op: 'eq', value: !negated });
      i += mapped.length;
      if (negated && !(CONJUNCTIONS.has(tokens[i] ?? '') && entityAhead(i + 1))) negated = false;
      else if (negated) i++;
      continue;
    }
    if (match || flag) {
      if (match) {
        const p = match.phrase;
        // "polo shirt", "long sleeve shirt": a label right after another names its kind, and the first is the specific
        // one; unless WordNet says it is no kind of the second ("dress pants"): then English puts the head last.
        const compound = p.kind === 'label' && lastLabelEnd === i;
        if (p.kind === 'label') [lastLabelEnd, bridged] = [i + match.length, 0];
        if (compound) {
          if (vocab.lexicon?.kindOf(lastLabels.at(-1) ?? '', p.value) === false) lastLabels.splice(-1, 1, p.value);
          i += match.length;
          continue;
        }
        if (p.kind === 'label') (lastLabels = negated ? own.notLabels : own.labels).push(p.value);
        else if (p.kind === 'group') (negated ? own.notGroups : own.groups).push(p.value);
        else own.attrs.push({ attr: p.attr!, op: negated ? 'neq' : 'eq', value: p.value });
      } else {
        own.attrs.push({ attr: flag!, op: 'eq', value: !negated });
      }
      i += match?.length ?? 1;
      // A list keeps its negation: "no shoes or hats"; anything else ends it.
      if (negated && !(CONJUNCTIONS.has(tokens[i] ?? '') && entityAhead(i + 1))) negated = false;
      else if (negated) i++;
      continue;
    }
    if (BREAKS.has(t)) negated = false;
    else if (negated && --negWindow <= 0) negated = false;
    if (MORE_WORDS.has(t)) own.more = true;
    else if (!STOPWORDS.has(t) && !NEGATORS.has(t) && /\p{L}/u.test(t) && !isNumber(t)) {
      own.words.push(t);
      if (!isPairVerb(t)) free.push({ word: t, at: i });
      // "a top quality coat", "a polo summer shirt": a word or two between a label and a kind leave one noun phrase,
      // and the compound rules above read it as they read "dress pants" and "polo shirt".
      if (lastLabelEnd === i && !negated && bridged < MAX_BRIDGE) [lastLabelEnd, bridged] = [i + 1, bridged + 1];
    }
    i++;
  }
  if (companion && !own.labels.length && !own.soft.length && !own.groups.length) {
    const layer = layerFor(companion, vocab, own.notLabels);
    if (layer)
      [own.soft, own.mapped] = [
        [...own.soft, ...layer.labels],
        [...own.mapped, layer.via],
      ];
    // What the shopper already has is not what they ask for.
    own.notLabels.push(...companion.labels);
  }
  // Nothing named a kind of item: the free words' meaning (WordNet definitions) only ranks; not the words of what it goes with.
  if (!own.labels.length && !own.soft.length && !own.groups.length && free.length && vocab.lexicon) {
    const guess = vocab.lexicon.describe(bodyPhrase(free, vocab.lexicon) ?? free.map((f) => f.word));
    if (guess) {
      own.soft.push(...guess.labels.filter((l) => !own.notLabels.includes(l)));
      own.mapped.push(guess.via);
    }
  }
  for (const { labels, word } of probablyNot) {
    const asked = labels.filter((l) => own.labels.includes(l) || own.soft.includes(l));
    own.notLabels.push(...labels.filter((l) => !asked.includes(l)));
    if (asked.length) own.dropped.push(`"not ${word}" (a kind of ${asked.join(' or ')}, which the request asks for: no label tells it apart)`);
  }
  own.labels = uniq(own.labels.filter((l) => !own.notLabels.includes(l)));
  own.notLabels = uniq(own.notLabels);
  own.groups = uniq(own.groups.filter((g) => !own.notGroups.includes(g)));
  own.notGroups = uniq(own.notGroups);
  own.like = uniq(own.like);
  own.soft = uniq(own.soft.filter((l) => !own.labels.includes(l) && !own.notLabels.includes(l)));
  // "sneakers for a teenager, not for kids": a flag denied outright wins over one a word implied.
  const denied = own.attrs.filter((a) => a.op === 'eq' && a.value === false).map((a) => a.attr);
  own.attrs = own.attrs.filter((a) => !(a.op === 'eq' && a.value === true && denied.includes(a.attr)));
  return own;
}

function mergeAttrs(prev: readonly AttrConstraint[], own: readonly AttrConstraint[]): AttrConstraint[] {
  const side = (op: AttrConstraint['op']) => (op === 'lt' || op === 'lte' ? 'upper' : op === 'gt' || op === 'gte' ? 'lower' : 'cat');
  const kept = prev.filter((p) => !own.some((o) => o.attr === p.attr && side(o.op) === side(p.op)));
  return [...kept, ...own];
}

export interface TurnContext {
  /** The query the previous user turn resolved to, if any. */
  previous?: AssistantQuery | undefined;
  /** Items the last assistant turn showed, in order. */
  shown: readonly string[];
  /** Whether this turn comes with a photo. */
  image: boolean;
  /** Whether the previous turn's request came with a photo. */
  previousImage?: boolean;
}

/** One user turn -> its structured query, refining the previous query when the turn is a follow-up. */
export function parseTurn(text: string, vocab: Vocabulary, ctx: TurnContext): AssistantQuery {
  const own = readMessage(text, vocab, ctx.shown, ctx.image);
  const prev = ctx.previous;
  const subject = own.labels.length > 0 || own.groups.length > 0 || own.soft.length > 0 || own.words.length > 0 || ctx.image;
  const followUp = own.like.length > 0 || own.more || own.relative || !subject;
  if (!prev || !followUp) {
    return {
      ...emptyQuery(),
      text: own.words.join(' '),
      image: ctx.image,
      labels: own.labels,
      notLabels: own.notLabels,
      groups: own.groups,
      notGroups: own.notGroups,
      attrs: own.attrs.filter((a) => !a.relative),
      like: own.like,
      soft: own.soft,
      mapped: own.mapped,
      dropped: own.dropped,
    };
  }
  const labels = own.labels.length ? own.labels : prev.labels.filter((l) => !own.notLabels.includes(l));
  const groups = own.groups.length ? own.groups : prev.groups.filter((g) => !own.notGroups.includes(g));
  let like = own.like.length ? own.like : prev.like;
  // The photo is not sent again: a follow-up anchors on what it found instead.
  if (!own.like.length && ctx.previousImage && !ctx.image && ctx.shown.length) like = ctx.shown.slice(0, 3);
  const exclude = own.more || own.like.length ? uniq([...prev.exclude, ...ctx.shown]) : prev.exclude;
  return {
    text: own.words.length ? own.words.join(' ') : prev.text,
    image: ctx.image,
    labels,
    notLabels: uniq([...prev.notLabels.filter((l) => !own.labels.includes(l)), ...own.notLabels]),
    groups,
    notGroups: uniq([...prev.notGroups.filter((g) => !own.groups.includes(g)), ...own.notGroups]),
    attrs: mergeAttrs(prev.attrs, own.attrs),
    like,
    exclude,
    soft: own.soft.length || own.labels.length ? own.soft : prev.soft,
    mapped: uniq([...prev.mapped, ...own.mapped]),
    dropped: own.dropped,
  };
}

/**
 * The whole conversation (user and assistant turns) -> the query of its last user turn. Stateless:
 * earlier user turns are replayed, each refined by the items the assistant showed after it.
 */
export function parseConversation(messages: readonly Message[], vocab: Vocabulary, image: boolean): AssistantQuery {
  let previous: AssistantQuery | undefined;
  let shown: readonly string[] = [];
  let previousImage = false;
  const lastUser = messages.map((m) => m.role).lastIndexOf('user');
  if (lastUser < 0) return emptyQuery();
  messages.forEach((m, idx) => {
    if (idx > lastUser) return;
    if (m.role === 'assistant') {
      shown = m.items;
      previousImage = m.image ?? previous?.image ?? false;
      return;
    }
    const isLast = idx === lastUser;
    const hadImage = isLast ? image : messages.slice(idx + 1).find((x) => x.role === 'assistant')?.image === true;
    previous = parseTurn(m.content, vocab, { previous, shown, image: hadImage, previousImage });
  });
  return previous ?? emptyQuery();
}
