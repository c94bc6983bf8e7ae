/**
 * Maps a request's words onto the catalogue's labels (and boolean flags such as `kids`) through
 * WordNet: each label is anchored to its WordNet senses, and a word relates to a label as a synonym
 * (same synset), a kind of it (hyponym), a word covering it (hypernym) or a sibling under a specific
 * common parent. Only synonyms (and the owner's lexicon.csv) are confident enough to filter on;
 * the rest only rank. Pure given a WordNet.
 */
import { childAgeAt } from './ages.js';
import { lemmatizer } from './lemmatizer.js';
import { singular, type Vocabulary } from './vocabulary.js';
import { lemmaKey, type WordNet } from './wordnet.js';
import type { Anchor, Lexicon, MappingKind, WordMapping } from './lexicon-types.js';
import { buildGlossIndex, definitionGenus, definitionLinks, isBodyPart, lemmasBelow, termEnds } from './gloss.js';
import { definedAsParts, findDomain, lemmaCandidates, sensesByForm, sensesOf } from './word-senses.js';
import { editDistance, misspeltFor } from './spelling.js';
import type { LexiconRow } from './lexicon-csv.js';

/** A definition match below this tf-idf cosine is noise (tuned on the dev set only). */
const MIN_GLOSS = 0.09;
/** Labels within this share of the best definition match rank first with it (1: the best only; tuned on the dev set). */
const GLOSS_TIE = 1;
/** Relations stronger than this many labels say nothing about which label (e.g. "clothes"). */
const MAX_COVERED = 3;
const MAX_NGRAM = 3;
/** A sibling relation only under a parent with at most this many labels beneath it (the nearest label wins). */
const SIBLING_LABELS = 2;
/** How far above a word's sense its parents' definitions are read for a flag's genus (0: the sense itself, 1: its parents). */
const GENUS_DEPTH = 1;
const TIER: Record<string, number> = { synonym: 0, 'is-a': 1, covers: 2, sibling: 3 };

export function buildLexicon(vocab: Pick<Vocabulary, 'labels' | 'attributes'>, wn: WordNet, rows: readonly LexiconRow[] = []): Lexicon {
  const labelForms = new Map<string, { key: string; senses: string[] }[]>();
  for (const label of vocab.labels) {
    const forms = sensesByForm(wn, label.toLowerCase().split(/[\s_]+/));
    if (forms.length) labelForms.set(label, forms);
  }
  // Split spellings ("longsleeve" -> long sleeve) are guesses: they do not vote for the domain.
  const voting = [...labelForms].map(([l, forms]) => [l, forms.filter((f) => f.key.includes('_') === /[\s_]/.test(l)).flatMap((f) => f.senses)] as const);
  const domain = findDomain(wn, new Map(voting.filter(([, senses]) => senses.length)));
  const inDomain = (s: string) => domain !== undefined && wn.ancestors(s).has(domain);
  const domainLex = domain ? wn.synset(domain)?.lexFile : undefined;
  const anchors: Anchor[] = [];
  const addAnchor = (label: string, offset: string, source: Anchor['source'], shares?: Anchor['shares']) => {
    if (!anchors.some((a) => a.label === label && a.offset === offset)) anchors.push({ label, offset, words: wn.synset(offset)?.words ?? [], source, ...(shares ? { shares } : {}) });
  };
  const unanchored: string[] = [];
  for (const label of vocab.labels) {
    const forms = labelForms.get(label) ?? [];
    // The most common in-domain sense of each form ("dress" the frock, not "dress" the attire);
    // failing that, the most common sense when it is an artifact like the domain ("shoe" sits under
    // footwear-as-covering, not clothing).
    let chosen = [...new Set(forms.map((f) => f.senses.find(inDomain)).filter((s): s is string => s !== undefined))];
    const ownSpelling = forms.filter((f) => f.key.includes('_') === /[\s_]/.test(label));
    if (!chosen.length)
      chosen = ownSpelling
        .map((f) => f.senses[0]!)
        .filter((s) => wn.synset(s)?.lexFile === domainLex)
        .slice(0, 1);
    for (const s of chosen) addAnchor(label, s, wn.synset(s)?.added ? 'added word' : 'wordnet');
    if (!chosen.length) unanchored.push(label);
  }
  // Labels WordNet does not have: a lemma that inserts up to two letters ("outwear" -> outerwear) or
  // adds a word ("polo" -> polo shirt), inside the domain.
  if (unanchored.length && domain) {
    const keys = unanchored.map((l) => ({ label: l, key: lemmaKey(l.toLowerCase()) }));
    for (const lemma of wn.lemmas()) {
      for (const { label, key } of keys) {
        const near = key.length >= 5 && lemma.length > key.length && lemma.length - key.length <= 2 && lemma[0] === key[0] && editDistance(lemma, key, 2) === lemma.length - key.length;
        if (!near && !lemma.startsWith(`${key}_`)) continue;
        const s = wn.senses(lemma).find(inDomain);
        if (s) addAnchor(label, s, 'near spelling');
      }
    }
  }
  // A label WordNet lacks that runs two words together ("Longsleeve") takes the kinds whose definitions hold both
  // ("sweatshirt: cotton knit pullover with long sleeves"). Ranks only.
  for (const label of domain ? unanchored : []) {
    const found = anchors.some((a) => a.label === label) ? undefined : definedAsParts(wn, domain!, label.toLowerCase());
    for (const to of found?.kinds ?? []) addAnchor(label, to, 'definition', { anchor: label, term: found!.parts.join(' ') });
  }
  // A label on a category WordNet leaves nearly empty takes the broad category its definition points to ("outerwear" -> coat). Ranks only.
  if (domain) {
    const own = new Map<string, string[]>();
    for (const a of anchors) own.set(a.label, [...(own.get(a.label) ?? []), a.offset]);
    for (const link of definitionLinks(wn, domain, own)) addAnchor(link.label, link.to, 'definition', { anchor: wn.synset(link.from)?.words[0] ?? link.from, term: link.term });
  }
  const overrides = new Map<string, string[]>();
  for (const r of rows) {
    const label = vocab.labels.find((l) => l.toLowerCase() === r.label.trim().toLowerCase());
    if (!label) continue;
    const word = r.word.trim().toLowerCase();
    const key = lemmaKey(word);
    overrides.set(key, [...new Set([...(overrides.get(key) ?? []), label])]);
    const found = sensesOf(wn, word.split(/\s+/));
    const senses = found?.senses ?? [];
    for (const s of senses.some(inDomain) ? senses.filter(inDomain) : senses.slice(0, 1)) addAnchor(label, s, 'lexicon.csv');
  }
  const flags = vocab.attributes
    .filter((a) => a.kind === 'boolean')
    .map((a) => {
      const senses = sensesOf(wn, [a.name.toLowerCase()])?.senses ?? [];
      const lex = senses.length ? wn.synset(senses[0]!)?.lexFile : undefined;
      return { attr: a.name, offsets: senses.filter((s) => wn.synset(s)?.lexFile === lex && !wn.synset(s)?.instance) };
    })
    .filter((f) => f.offsets.length);

  /**
   * A flag a word's few most common senses sit under, or (`byDefinition`) whose definitions name as their genus
   * ("grandchild": a child of your son or daughter).
   */
  const flagOf = (all: readonly string[], byDefinition = true): { attr: string; via: string } | undefined => {
    // A named individual ("John", youngest son of Henry II) is no kind of child.
    const senses = all.filter((s) => !wn.synset(s)?.instance);
    for (const f of flags) {
      // "boy" is first a male child and only then a son: the few most common senses decide.
      const hit = senses.slice(0, 3).flatMap((s) => f.offsets.filter((o) => wn.ancestors(s).has(o)))[0];
      if (hit) return { attr: f.attr, via: name(hit) };
    }
    if (!byDefinition) return undefined;
    for (const f of flags) {
      const lex = wn.synset(f.offsets[0]!)?.lexFile;
      for (const s of senses.slice(0, 3)) {
        // Only senses of the flag's own kind (people for "kids"): a garment "for children" is not a child.
        if (wn.synset(s)?.lexFile !== lex) continue;
        for (const [a, d] of wn.ancestors(s)) {
          if (d > GENUS_DEPTH) continue;
          const genus = definitionGenus(wn.synset(a)?.gloss ?? '');
          const genusSenses = genus ? (sensesOf(wn, [genus])?.senses ?? []).slice(0, 3) : [];
          const hit = genusSenses.flatMap((g) => f.offsets.filter((o) => wn.ancestors(g).has(o)))[0];
          if (hit) return { attr: f.attr, via: `${name(hit)} (${name(a)}: "${wn.synset(a)!.gloss.split(';')[0]!.trim()}")` };
        }
      }
    }
    return undefined;
  };

  // How many labels sit under a synset: a word covering more says nothing about which.
  const labelsUnder = (s: string) => new Set(anchors.filter((a) => wn.ancestors(a.offset).has(s)).map((a) => a.label));
  const name = (offset: string) => wn.synset(offset)?.words[0] ?? offset;
  const depthOf = (offset: string) => Math.max(...wn.ancestors(offset).values());
  const domainDepth = domain ? depthOf(domain) : 0;

  const relate = (word: string, length: number, senses: readonly string[]): WordMapping | undefined => {
    const first = senses[0]!;
    const flagged = flagOf(senses);
    if (flagged) return { word, length, kind: 'flag', labels: [], attr: flagged.attr, confident: true, via: `"${word}" -> ${flagged.attr} via WordNet ${flagged.via}` };
    type Relation = { tier: number; dist: number; count: number; labels: Set<string>; via: string };
    const bySense: Relation[] = [];
    let general = false;
    for (const s of senses.slice(0, 8)) {
      let own: Relation | undefined;
      const count = wn.count?.(s) ?? 0;
      // One sense may tie labels; across senses, see below.
      const consider = (tier: number, dist: number, label: string, via: string) => {
        if (!own || tier < own.tier || (tier === own.tier && dist < own.dist)) own = { tier, dist, count, labels: new Set([label]), via };
        else if (tier === own.tier && dist === own.dist) own.labels.add(label);
      };
      const anc = wn.ancestors(s);
      for (const a of anchors) {
        if (anc.has(a.offset)) {
          const d = anc.get(a.offset)!;
          // An anchor taken from a definition is evidence for ranking, not a synonym to filter on.
          const synonym = d === 0 && a.source !== 'definition';
          const shares = a.shares ? ` (its definition shares "${a.shares.term}" with ${a.shares.anchor})` : '';
          consider(synonym ? TIER.synonym! : TIER['is-a']!, d, a.label, synonym ? `WordNet synonym of ${a.words[0]}` : `WordNet ${a.words[0]}${shares}`);
          continue;
        }
        const up = wn.ancestors(a.offset);
        if (up.has(s)) {
          if (labelsUnder(s).size > MAX_COVERED) general = true;
          else consider(TIER.covers!, up.get(s)!, a.label, `WordNet: ${a.words[0]} is a kind of ${name(s)}`);
          continue;
        }
        let lcs: string | undefined;
        let dist = Infinity;
        for (const [c, d1] of anc) {
          const d2 = up.get(c);
          if (d2 !== undefined && d1 + d2 < dist) [lcs, dist] = [c, d1 + d2];
        }
        // A sibling only under a parent at least as specific as the domain: "cover" and a sleeve share only "covering". Through
        // an anchor taken from a definition, only under a parent below the domain's broad kinds: "ao dai" (long sleeves) makes
        // Longsleeve a kind of attire, and a tuxedo is no sibling of it.
        const broad = a.source === 'definition' && domain !== undefined && (wn.ancestors(lcs ?? '').get(domain) ?? 0) < 2;
        if (lcs && lcs !== domain && !broad && labelsUnder(lcs).size <= SIBLING_LABELS && depthOf(lcs) >= domainDepth)
          consider(TIER.sibling!, dist, a.label, `WordNet: both are kinds of ${name(lcs)}`);
      }
      if (own) bySense.push(own);
    }
    // The sense people use most (its concept's count in WordNet's tagged texts: "frock" is mostly a dress) decides, then the
    // closer relation, then WordNet's order ("gown" is first a dress, then a robe). Senses used equally often that name
    // other labels rank beside it ("jumper": a sweater and a pinafore dress, once each).
    const order = bySense.map((r, k) => ({ r, k })).sort((x, y) => y.r.count - x.r.count || x.r.tier - y.r.tier || x.r.dist - y.r.dist || x.k - y.k);
    const best: Relation | undefined = order[0] && { ...order[0].r, labels: new Set(order[0].r.labels) };
    let mixed = false;
    for (const { r } of order.slice(1))
      if (best && r.count === best.count && r.tier <= TIER.covers! && best.tier <= TIER.covers! && [...r.labels].some((l) => !best!.labels.has(l))) {
        for (const l of r.labels) best.labels.add(l);
        mixed = true;
      }
    if (best) {
      const b = best;
      const labels = [...b.labels].sort();
      const kind = (Object.keys(TIER).find((k) => TIER[k] === b.tier) ?? 'sibling') as MappingKind;
      // A synonym filters only when no other specific sense spelled like it ("vest": undershirt, waistcoat) names something else;
      // senses right under the domain ("dress" as attire) say nothing, nor do the lemmatised form's ("trouser").
      const spelled = new Set(anchors.filter((a) => b.labels.has(a.label) && senses.includes(a.offset)).flatMap((a) => a.words));
      const other =
        kind === 'synonym'
          ? senses
              .slice(0, 8)
              .find(
                (s) =>
                  inDomain(s) &&
                  (wn.ancestors(s).get(domain!) ?? 0) > 1 &&
                  wn.synset(s)!.words.some((w) => spelled.has(w)) &&
                  !anchors.some((a) => b.labels.has(a.label) && wn.ancestors(s).has(a.offset)),
              )
          : undefined;
      return {
        word,
        length,
        kind,
        labels,
        confident: kind === 'synonym' && other === undefined && !mixed,
        via: `"${word}" -> ${labels.join(' or ')}${kind === 'sibling' || kind === 'covers' || mixed ? '?' : ''} via ${mixed ? 'WordNet senses used equally often' : labels.length > 1 ? 'WordNet' : b.via}${other ? ` (another sense is a kind of ${name(wn.synset(other)!.hypernyms[0] ?? other)}: ranked, not filtered)` : ''}`,
      };
    }
    // "clothes", "garment": right under the domain, they name the whole catalogue.
    if (!general && domain) general = senses.slice(0, 3).some((s) => (wn.ancestors(s).get(domain) ?? 9) <= 1);
    if (general) return { word, length, kind: 'general', labels: [], confident: false, via: `"${word}" covers most of the catalogue (WordNet ${name(first)}): not a filter` };
    return undefined;
  };

  const ownAnchors = (label: string) => anchors.filter((x) => x.label === label && x.source !== 'definition').map((x) => x.offset);
  const kindOf = (a: string, b: string): boolean | undefined => {
    const [as, bs] = [ownAnchors(a), ownAnchors(b)];
    return as.length && bs.length ? as.some((x) => bs.some((y) => x !== y && wn.ancestors(x).has(y))) : undefined;
  };
  const kindOfWords = (a: string, words: readonly string[]): boolean => {
    const senses = (sensesOf(wn, words)?.senses ?? []).slice(0, 3);
    return ownAnchors(a).some((x) => senses.some((s) => x !== s && wn.ancestors(x).has(s)));
  };
  const clothed = (label: string) => ownAnchors(label).some(inDomain);
  const labelWords = new Map(vocab.labels.map((l) => [singular(l.toLowerCase().replace(/[^\p{L}]+/gu, '')), l] as const));
  // A word WordNet lacks whose ending is a word it (or the catalogue) has: English compounds name their kind last
  // ("jeggings", "workpants"). Only ranks: the first part may change the kind.
  const compoundHead = (word: string): WordMapping | undefined => {
    for (let k = 3; k <= word.length - 3; k++) {
      const head = word.slice(k);
      const label = labelWords.get(singular(head));
      if (label) return { word, length: 1, kind: 'is-a', labels: [label], confident: false, via: `"${word}" -> ${label}? via its last part "${head}"` };
      const senses = sensesOf(wn, [head]);
      const m = senses && relate(head, 1, senses.senses);
      if (m && m.labels.length) return { ...m, word, confident: false, via: `"${word}" -> ${m.labels.join(' or ')}? via its last part "${head}" (${m.via})` };
      // A last part that names the whole catalogue ("headwear": wear) leaves the kind to the first part: a flag's word
      // sets the flag ("kidswear"), else its definitions rank.
      const part = word.slice(0, k);
      const partSenses = m?.kind === 'general' ? sensesOf(wn, [part]) : undefined;
      const flag = partSenses && flagOf(partSenses.senses);
      if (flag) return { word, length: 1, kind: 'flag', labels: [], attr: flag.attr, confident: true, via: `"${word}" -> ${flag.attr} via its first part "${part}" (WordNet ${flag.via})` };
      const first = m?.kind === 'general' ? glossOf([part]) : undefined;
      if (first)
        return {
          word,
          length: 1,
          kind: 'gloss',
          labels: first.labels,
          confident: false,
          via: `"${word}" -> ${first.labels.join(' or ')}? via its first part "${word.slice(0, k)}" in WordNet definitions (${first.shared})`,
        };
    }
    return undefined;
  };
  let garmentWords: string[] | undefined;
  /** A word WordNet lacks one edit off exactly one garment word is that word misspelt ("sneekers"): it ranks, never filters. */
  const misspelt = (word: string): WordMapping | undefined => {
    // Garment words: the kinds under the domain and under each label anchor's parent (footwear, headdress). An inflected word
    // ("sweeter", "covered") is no typo: the lemmatiser takes it to a word WordNet has.
    garmentWords ??= lemmasBelow(wn, [...(domain ? [domain] : []), ...anchors.flatMap((a) => wn.synset(a.offset)?.hypernyms ?? [])]);
    if ([lemmatizer().adjective(word), lemmatizer().verb(word)].some((f) => f !== word && wn.senses(f).length > 0)) return undefined;
    const meant = misspeltFor(word, singular(word), garmentWords, singular);
    const m = meant ? mapAt([meant]) : undefined;
    return m && m.kind !== 'flag' ? { ...m, word, confident: false, via: `"${word}" read as "${meant}": ${m.via}` } : undefined;
  };
  /** The longest mapping of the window's first tokens, if any. */
  const mapAt = (tokens: readonly string[]): WordMapping | undefined => {
    for (let n = Math.min(MAX_NGRAM, tokens.length); n >= 1; n--) {
      const words = tokens.slice(0, n);
      if (!words.every((w) => /^\p{L}+$/u.test(w))) continue;
      const phrase = words.join(' ');
      for (const key of lemmaCandidates(words)) {
        const labels = overrides.get(key);
        if (labels) return { word: phrase, length: n, kind: 'override', labels, confident: true, via: `"${phrase}" -> ${labels.join(' or ')} via lexicon.csv` };
      }
      // Single words must be at least three letters: WordNet has a sense for almost any short token.
      if (n === 1 && words[0]!.length < 3) continue;
      const found = sensesOf(wn, words);
      if (!found && n === 1) {
        const head = compoundHead(words[0]!) ?? misspelt(words[0]!);
        if (head) return head;
      }
      if (!found || (n > 1 && !found.key.includes('_') && !found.key.includes('-'))) continue;
      let m = relate(phrase, n, found.senses);
      // A garment named in several words that no label's kinds hold ("baby grow", a romper) ranks by its definition, so
      // its words are not read one by one ("baby" alone is a flag).
      if (!m && n > 1 && found.senses.some(inDomain)) {
        const g = glossOf([found.key]);
        if (g) m = { word: phrase, length: n, kind: 'gloss', labels: g.labels, confident: false, via: `"${phrase}" -> ${g.labels.join(' or ')}? via its WordNet definition (${g.shared})` };
      }
      // "tank top": WordNet files it under shirt, but the shopper named the catalogue's own label as its kind (English puts it last).
      // Only between kinds of the same domain that neither holds: "hot pants" stay Shorts (a kind of Pants), "high tops" Shoes.
      // A single word read as such a term ("tank", a tank top) names the same kind.
      const ends = m && m.kind !== 'synonym' && m.kind !== 'flag' ? (n > 1 ? [words[n - 1]!] : termEnds(wn, found.senses, m.labels.flatMap(ownAnchors))) : [];
      const head = ends.map((w) => labelWords.get(singular(w))).find(Boolean);
      const apart = (a: string, b: string) => clothed(a) && clothed(b) && kindOf(a, b) === false && kindOf(b, a) === false;
      if (m && head && !m.labels.includes(head) && m.labels.every((l) => apart(l, head)))
        m = { ...m, kind: 'is-a', labels: [head], confident: false, via: `"${phrase}" -> ${head}? via its last word (${m.via})` };
      if (m && wn.isAdded?.(found.key)) m = { ...m, via: `${m.via} ("${phrase}": one of Loupe's added shop words)` };
      // "baby shoes": a kind of item named with a word that sets a flag sets the flag too; not one whose word is only
      // defined by a child ("newsboy cap": a newsboy is "a boy who delivers newspapers", the cap is no child's).
      const flag =
        m && n > 1 && m.kind !== 'flag'
          ? words
              .map((w) => sensesOf(wn, [w]))
              .map((f) => f && flagOf(f.senses, false))
              .find(Boolean)
          : undefined;
      if (m && flag) m = { ...m, attr: flag.attr, via: `${m.via}; ${flag.attr} via WordNet ${flag.via}` };
      if (m) return m;
      // "baby blue", "dress code", "body length": a term WordNet (or an added word) knows whose first word alone would set a
      // flag or name a label is one term, neither a child nor that kind of item.
      const firstAlone = n > 1 ? sensesOf(wn, [words[0]!]) : undefined;
      if (n > 1 && (labelWords.has(singular(words[0]!)) || (firstAlone && flagOf(firstAlone.senses))))
        return { word: phrase, length: n, kind: 'general', labels: [], confident: false, via: `"${phrase}" is one term (WordNet ${name(found.senses[0]!)}): not a filter` };
      if (n > 1) continue;
    }
    return undefined;
  };
  const memo = new Map<string, WordMapping | undefined>();

  const byLabel = new Map<string, string[]>();
  // Definitions are compared with the labels' own anchors: a definition link is evidence about kinds, not more words for the label.
  for (const a of anchors) if (a.source !== 'definition') byLabel.set(a.label, [...(byLabel.get(a.label) ?? []), a.offset]);
  const glosses = buildGlossIndex(wn, byLabel, inDomain);
  /** Labels whose definitions best share the words, ties kept, when the match is strong enough. */
  function glossOf(words: readonly string[]): { labels: string[]; shared: string } | undefined {
    const found = glosses.match(words);
    const top = found[0];
    if (!top || top.score < MIN_GLOSS) return undefined;
    return { labels: found.filter((m) => m.score >= GLOSS_TIE * top.score).map((m) => m.label), shared: top.shared.slice(0, 3).join(', ') };
  }

  // WordNet lists "shorts" as a lemma of the garment and "short" as no garment at all.
  const namesItem = (w: string) => wn.senses(w).some((s) => inDomain(s) || anchors.some((a) => wn.ancestors(s).has(a.offset)));
  const pluralOnly = new Map(vocab.labels.map((l) => [l, singular(l.toLowerCase()) !== l.toLowerCase() && namesItem(l.toLowerCase()) && !namesItem(singular(l.toLowerCase()))]));

  return {
    anchors,
    domain: domain ? { offset: domain, words: wn.synset(domain)?.words ?? [] } : undefined,
    flags,
    overrides,
    bodyPart: (word) => isBodyPart(wn, word),
    describe(words) {
      const found = glossOf(words);
      if (!found) return undefined;
      const phrase = words.join(' ');
      return {
        word: phrase,
        length: words.length,
        kind: 'gloss',
        labels: found.labels,
        confident: false,
        via: `"${phrase}" -> ${found.labels.join(' or ')}? via WordNet definitions (${found.shared})`,
      };
    },
    kindOf,
    kindOfWords,
    knows: (word) => sensesOf(wn, [word]) !== undefined,
    pluralOnly: (label) => pluralOnly.get(label) ?? false,
    map(tokens, i) {
      const age = childAgeAt(tokens, i);
      const child = age ? mapAt(['child']) : undefined;
      if (child?.kind === 'flag') return { ...child, word: tokens.slice(i, i + age).join(' '), length: age, via: `"${tokens.slice(i, i + age).join(' ')}" -> ${child.attr} (a child's age)` };
      // The answer depends only on the next few tokens: requests repeat words, so remember it.
      const key = tokens.slice(i, i + MAX_NGRAM).join(' ');
      if (memo.has(key)) return memo.get(key);
      if (memo.size >= MEMO_SIZE) memo.clear();
      const found = mapAt(tokens.slice(i, i + MAX_NGRAM));
      memo.set(key, found);
      return found;
    },
  };
}

/** Distinct word windows remembered per lexicon (a few MB at most). */
const MEMO_SIZE = 20_000;
