/**
 * Everyday shop words WordNet 3.1 lacks or knows only in another sense ("hoodie", "joggers",
 * "trainers" the shoes, "heels" the shoes), added to it as WordNet-shaped entries so the word
 * mapper treats them like any other lemma: each is either more words for an existing synset
 * (`sameAs`) or a new kind under one (`kindOf`, with a definition). They name kinds of things in
 * plain English, never a catalogue's labels: a shop's own words go in its lexicon.csv.
 * Written from general retail usage (US and UK), 2026-12-07.
 */
import { lemmaKey, loadWordNet, type Synset, type WordNet } from './wordnet.js';

/** Where an entry attaches: the first sense of `lemma` that sits under a synset holding the word `under` (default artifact). */
interface Target {
  lemma: string;
  under?: string;
}

export type AddedWord = { words: readonly string[]; sameAs: Target } | { words: readonly string[]; kindOf: Target; gloss: string };

const garment = (lemma: string): Target => ({ lemma, under: 'garment' });

export const ADDED_WORDS: readonly AddedWord[] = Object.freeze([
  // Tops
  { words: ['hoodie', 'hoody', 'hooded sweatshirt', 'hooded top', 'hooded jumper', 'zip hoodie'], kindOf: garment('sweatshirt'), gloss: 'a sweatshirt with an attached hood' },
  { words: ['tee', 'tees'], sameAs: garment('t-shirt') },
  { words: ['tank', 'tanks', 'vest top'], sameAs: garment('tank top') },
  { words: ['cami', 'camis'], sameAs: garment('camisole') },
  { words: ['crop top', 'cropped top'], kindOf: { lemma: 'top', under: 'clothing' }, gloss: 'a short top that leaves the midriff bare' },
  { words: ['henley', 'henley shirt'], kindOf: garment('shirt'), gloss: 'a collarless pullover shirt with a short buttoned placket at the neck' },
  { words: ['button-down', 'button-up', 'button-down shirt', 'button-up shirt'], kindOf: garment('shirt'), gloss: 'a shirt fastened with buttons all the way down the front' },
  { words: ['polo neck', 'roll neck', 'rollneck', 'roll-neck'], sameAs: garment('turtleneck') },
  { words: ['golf shirt', 'tennis shirt'], sameAs: garment('polo shirt') },
  { words: ['cardi', 'cardis'], sameAs: garment('cardigan') },
  { words: ['sweat top', 'sweat tops', 'sweatshirt top'], sameAs: garment('sweatshirt') },
  { words: ['crewneck', 'crew neck sweater', 'crew neck jumper'], kindOf: garment('sweater'), gloss: 'a sweater with a round collarless neckline' },
  { words: ['knit', 'knits', 'chunky knit'], sameAs: garment('sweater') },
  { words: ['quarter zip', 'quarter-zip', 'half zip', 'half-zip'], kindOf: garment('sweater'), gloss: 'a pullover sweater with a short zip at the neck' },
  { words: ['bralette'], kindOf: garment('brassiere'), gloss: 'a light unpadded bra without underwire' },
  // Outerwear
  {
    words: ['puffer', 'puffers', 'puffer jacket', 'puffer coat', 'puffa', 'puffa jacket', 'down jacket', 'quilted jacket', 'padded jacket'],
    kindOf: garment('jacket'),
    gloss: 'a quilted jacket padded with down or synthetic filling',
  },
  { words: ['gilet', 'body warmer', 'bodywarmer', 'puffer vest'], kindOf: garment('jacket'), gloss: 'a sleeveless padded jacket' },
  { words: ['fleece jacket', 'fleece'], kindOf: garment('jacket'), gloss: 'a jacket or pullover made of soft synthetic pile fabric' },
  { words: ['denim jacket', 'jean jacket', 'jeans jacket'], kindOf: garment('jacket'), gloss: 'a jacket made of denim' },
  { words: ['blouson'], kindOf: garment('jacket'), gloss: 'a loose jacket gathered in at the waist' },
  { words: ['shacket'], kindOf: garment('jacket'), gloss: 'a light jacket cut like a heavy shirt' },
  { words: ['bomber'], sameAs: garment('bomber jacket') },
  { words: ['trench'], sameAs: garment('trench coat') },
  { words: ['rain jacket'], kindOf: garment('raincoat'), gloss: 'a short waterproof jacket' },
  // Shops sell a suit's jacket on its own beside the blazers, and WordNet's compounds for it hang under jacket.
  {
    words: ['suit jacket', 'suit jackets', 'suit coat', 'tuxedo jacket', 'tailored jacket', 'formal jacket', 'smart jacket'],
    kindOf: garment('blazer'),
    gloss: 'a tailored jacket for business or formal wear, sold on its own',
  },
  // Bottoms
  { words: ['leggings', 'jeggings', 'yoga pants'], kindOf: garment('trousers'), gloss: 'tight-fitting stretch trousers' },
  { words: ['joggers', 'jogging bottoms', 'jogging pants', 'track pants', 'trackpants', 'tracksuit bottoms', 'trackies', 'trackie bottoms', 'sweats'], sameAs: garment('sweatpants') },
  { words: ['bottoms'], kindOf: garment('garment'), gloss: 'trousers, shorts or a skirt: clothing for the lower body' },
  { words: ['cargo pants', 'cargo trousers', 'cargos', 'combat trousers'], kindOf: garment('trousers'), gloss: 'loose casual trousers with large patch pockets on the legs' },
  { words: ['capris', 'capri pants', 'cropped trousers', 'cropped pants'], sameAs: garment('pedal pushers') },
  { words: ['khakis'], sameAs: garment('chinos') },
  { words: ['palazzos', 'palazzo pants', 'palazzo trousers'], kindOf: garment('trousers'), gloss: 'loose trousers with very wide legs' },
  { words: ['skinnies', 'skinny jeans'], kindOf: garment('jeans'), gloss: 'tight-fitting jeans that narrow to the ankle' },
  { words: ['flares', 'flared trousers', 'flared jeans'], sameAs: garment('bell-bottoms') },
  { words: ['board shorts', 'boardshorts', 'boardies'], kindOf: garment('short pants'), gloss: 'long loose shorts for surfing and swimming' },
  { words: ['cutoffs', 'cut-offs'], kindOf: garment('short pants'), gloss: 'shorts made by cutting the legs off jeans' },
  { words: ['skort', 'skorts'], kindOf: garment('skirt'), gloss: 'a skirt with a pair of shorts sewn in' },
  { words: ['midi skirt'], kindOf: garment('skirt'), gloss: 'a skirt that reaches to mid-calf' },
  { words: ['dungarees'], kindOf: { lemma: 'overall', under: 'clothing' }, gloss: 'trousers with a bib and shoulder straps' },
  // Dresses and one-pieces
  {
    words: ['maxi dress', 'midi dress', 'mini dress'],
    kindOf: { lemma: 'dress', under: 'clothing' },
    gloss: 'a dress of a given length: to the ankle (maxi), mid-calf (midi) or well above the knee (mini)',
  },
  { words: ['lbd', 'lbds', 'little black dress'], kindOf: { lemma: 'dress', under: 'clothing' }, gloss: 'a short simple black dress for evening or cocktail wear' },
  { words: ['tracksuit', 'track suit', 'jogging suit', 'shell suit'], sameAs: garment('sweat suit') },
  {
    words: ['onesie', 'onesies', 'baby bodysuit', 'creeper', 'baby vest', 'baby vests'],
    kindOf: garment('body suit'),
    gloss: 'a one-piece garment for a baby that covers the body and fastens between the legs',
  },
  { words: ['babygrow', 'baby grow', 'sleepsuit', 'footed sleeper'], kindOf: garment('romper'), gloss: 'a one-piece garment for a baby covering the body, arms and legs, often the feet' },
  // Footwear
  { words: ['trainers', 'trainer', 'kicks'], sameAs: { lemma: 'sneaker', under: 'footwear' } },
  { words: ['heels', 'high heels', 'stilettos', 'stiletto', 'court shoes', 'court shoe'], kindOf: { lemma: 'shoe', under: 'footwear' }, gloss: "a woman's shoe with a high, often thin heel" },
  { words: ['high tops', 'high-tops', 'hi-tops', 'high-top sneakers'], kindOf: { lemma: 'sneaker', under: 'footwear' }, gloss: 'a sneaker that covers the ankle' },
  { words: ['wedges', 'wedge sandals', 'wedge shoes'], kindOf: { lemma: 'shoe', under: 'footwear' }, gloss: 'a shoe whose sole rises in one solid wedge from toe to heel' },
  { words: ['mary janes', 'mary jane shoes'], kindOf: { lemma: 'shoe', under: 'footwear' }, gloss: 'a low shoe with a strap across the instep' },
  { words: ['slides', 'sliders'], kindOf: { lemma: 'sandal', under: 'footwear' }, gloss: 'an open backless sandal with a single strap across the foot' },
  { words: ['chelsea boots', 'chelsea boot'], kindOf: { lemma: 'boot', under: 'footwear' }, gloss: 'an ankle boot with elastic side panels' },
  { words: ['wellies', 'wellington boots', 'wellington boot', 'rain boots'], kindOf: { lemma: 'boot', under: 'footwear' }, gloss: 'a waterproof rubber boot' },
  // Headwear
  { words: ['snapback', 'trucker cap', 'trucker hat', 'dad hat'], kindOf: { lemma: 'baseball cap', under: 'clothing' }, gloss: 'a baseball cap with an adjustable strap at the back' },
  { words: ['bucket hat'], kindOf: { lemma: 'hat', under: 'clothing' }, gloss: 'a soft cloth hat with a downward-sloping brim' },
  { words: ['newsboy cap', 'newsboy caps', 'newsboy hat'], kindOf: { lemma: 'cap', under: 'clothing' }, gloss: 'a soft round flat cap with a full crown and a short brim' },
  // Colours named with a child word: one term, no child
  { words: ['baby blue'], sameAs: { lemma: 'powder blue', under: 'chromatic color' } },
  { words: ['baby pink'], kindOf: { lemma: 'pink', under: 'chromatic color' }, gloss: 'a pale, soft pink' },
  // People a shop sells for
  {
    words: ['tween', 'tweens', 'tweenager', 'preteen', 'preteens', 'pre-teen'],
    kindOf: { lemma: 'child', under: 'person' },
    gloss: 'a child of about nine to twelve, between childhood and the teens',
  },
  { words: ['little one', 'little ones', 'kiddo', 'kiddos'], sameAs: { lemma: 'child', under: 'person' } },
  { words: ['grandkid', 'grandkids'], sameAs: { lemma: 'grandchild', under: 'person' } },
  {
    words: ['youth', 'youths'],
    kindOf: { lemma: 'child', under: 'person' },
    gloss: "a young person; in shops, the sizes between the children's and the adults' ranges (youth sizes)",
  },
  // WordNet's teenager is a juvenile beside the child; shops sell to teens from the children's range.
  {
    words: ['teen', 'teens', 'teenager', 'teenagers', 'adolescent', 'adolescents'],
    kindOf: { lemma: 'child', under: 'person' },
    gloss: "a young person of thirteen to nineteen, still dressed from the children's range in most shops",
  },
  // Home
  { words: ['nightstand', 'night stand', 'bedside table', 'bedside cabinet'], kindOf: { lemma: 'table', under: 'furniture' }, gloss: 'a small table or cabinet beside a bed' },
  { words: ['side table', 'end table'], kindOf: { lemma: 'table', under: 'furniture' }, gloss: 'a small table placed beside a sofa or chair' },
  { words: ['tv stand', 'tv unit', 'media console'], kindOf: { lemma: 'cabinet', under: 'furniture' }, gloss: 'a low cabinet that holds a television' },
  { words: ['accent chair'], kindOf: { lemma: 'armchair', under: 'furniture' }, gloss: 'a single upholstered chair chosen to stand out in a room' },
  { words: ['sectional sofa'], sameAs: { lemma: 'sectional', under: 'furniture' } },
  { words: ['throw', 'throw blanket'], kindOf: { lemma: 'blanket', under: 'bedclothes' }, gloss: 'a light blanket draped over a sofa or bed' },
  { words: ['area rug'], kindOf: { lemma: 'rug', under: 'furnishing' }, gloss: 'a rug that covers part of a floor' },
  { words: ['bar stool', 'barstool'], kindOf: { lemma: 'stool', under: 'furniture' }, gloss: 'a tall stool for sitting at a bar or counter' },
  { words: ['pendant light', 'pendant lamp'], kindOf: { lemma: 'lamp', under: 'furniture' }, gloss: 'a light hanging from the ceiling on a cord or chain' },
] satisfies AddedWord[]);

/** Offsets of added synsets: not eight digits, so they can never collide with WordNet's. */
const offsetOf = (i: number) => `added-${i}`;

/**
 * `base` with `entries` added: their lemmas list the added senses first (a shop's sense of
 * "trainers" before the coach), added kinds hang under their target and show in its hyponyms. An
 * entry whose target WordNet does not have is skipped. Pure.
 */
export function withAddedWords(base: WordNet, entries: readonly AddedWord[] = ADDED_WORDS): WordNet {
  const added = new Map<string, Synset>();
  const extraSenses = new Map<string, string[]>();
  const extraHyponyms = new Map<string, string[]>();
  const resolve = (t: Target): string | undefined => {
    const under = t.under ?? 'artifact';
    return base.senses(t.lemma).find((s) => [...base.ancestors(s).keys()].some((a) => base.synset(a)?.words.includes(under)));
  };
  entries.forEach((e, i) => {
    let offset: string;
    if ('sameAs' in e) {
      const to = resolve(e.sameAs);
      if (!to) return;
      offset = to;
    } else {
      const parent = resolve(e.kindOf);
      if (!parent) return;
      offset = offsetOf(i);
      added.set(offset, {
        offset,
        lexFile: base.synset(parent)?.lexFile ?? 6,
        words: e.words.map((w) => w.toLowerCase()),
        hypernyms: [parent],
        hyponyms: [],
        instance: false,
        gloss: e.gloss,
        added: true,
      });
      extraHyponyms.set(parent, [...(extraHyponyms.get(parent) ?? []), offset]);
    }
    for (const w of e.words) {
      const key = lemmaKey(w);
      extraSenses.set(key, [...new Set([...(extraSenses.get(key) ?? []), offset])]);
    }
  });
  const patched = new Map<string, Synset | undefined>();
  const ancestorCache = new Map<string, Map<string, number>>();
  const synset = (offset: string): Synset | undefined => {
    const own = added.get(offset);
    if (own) return own;
    if (!patched.has(offset)) {
      const s = base.synset(offset);
      const more = extraHyponyms.get(offset);
      patched.set(offset, s && more ? { ...s, hyponyms: [...s.hyponyms, ...more] } : s);
    }
    return patched.get(offset);
  };
  return {
    senses(lemma) {
      const key = lemmaKey(lemma);
      const own = extraSenses.get(key);
      const theirs = base.senses(key);
      return own ? [...new Set([...own, ...theirs])] : theirs;
    },
    synset,
    isAdded: (lemma) => extraSenses.has(lemmaKey(lemma)),
    count: (offset) => base.count?.(offset) ?? 0,
    // WordNet's own lemmas only: a label's near spelling ("polo" -> polo shirt) is looked for among those.
    lemmas: () => base.lemmas(),
    ancestors(offset) {
      const own = added.get(offset);
      if (!own) return base.ancestors(offset);
      let dist = ancestorCache.get(offset);
      if (!dist) {
        dist = new Map<string, number>([[offset, 0]]);
        for (const h of own.hypernyms) for (const [a, d] of base.ancestors(h)) if (!dist.has(a) || dist.get(a)! > d + 1) dist.set(a, d + 1);
        ancestorCache.set(offset, dist);
      }
      return dist;
    },
  };
}

let shop: WordNet | undefined;

/** WordNet 3.1 with the added words: what the assistant maps a request's words through. */
export function loadShopWordNet(): WordNet {
  shop ??= withAddedWords(loadWordNet());
  return shop;
}
