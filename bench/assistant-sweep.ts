/**
 * Every WordNet lemma a catalogue's labels could be asked for, mapped by the assistant's lexicon: the
 * kinds under the catalogue's domain (clothing) and under each label anchor's parent (footwear,
 * headdress), each looked up as a whole request would look it up. With `--baseline DIR` the same
 * lemmas are mapped by a second copy of the code (a checkout of an older commit: DIR/src) and only the
 * lemmas whose mapping changed are printed, with counts by kind of change: what a parser change does
 * to the whole vocabulary, not only to the eval sets' requests.
 *   node --import tsx bench/assistant-sweep.ts [--data DIR] [--baseline DIR] [--all]
 * Reuses the data dir `npm run bench -- assistant-eval` builds (only its labels and attributes are read).
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { dataPaths } from '../src/config.js';
import { openDb } from '../src/store/db.js';
import { vocabularyRows } from '../src/store/item-filters.js';
import { kindsBelow } from '../src/assistant/gloss.js';
import { report } from './common.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: path.resolve(import.meta.dirname, '../.tmp/assistant-clothing') },
    baseline: { type: 'string' },
    all: { type: 'boolean', default: false },
  },
});

interface Code {
  loadShopWordNet: () => import('../src/assistant/wordnet.js').WordNet;
  buildVocabulary: typeof import('../src/assistant/vocabulary.js').buildVocabulary;
  buildLexicon: typeof import('../src/assistant/lexicon.js').buildLexicon;
}

async function codeAt(root: string): Promise<Code> {
  const load = async (file: string) => (await import(pathToFileURL(path.resolve(root, 'src/assistant', file)).href)) as Record<string, unknown>;
  const [added, vocabulary, lexicon] = await Promise.all([load('added-words.ts'), load('vocabulary.ts'), load('lexicon.ts')]);
  return { loadShopWordNet: added.loadShopWordNet, buildVocabulary: vocabulary.buildVocabulary, buildLexicon: lexicon.buildLexicon } as Code;
}

/** word -> "labels[+flag] kind[!]" ("-" when the lemma as a whole maps to nothing). */
function sweep(code: Code, rows: Awaited<ReturnType<typeof vocabularyRows>>): Map<string, string> {
  const wn = code.loadShopWordNet();
  const vocab = code.buildVocabulary(rows);
  const lex = code.buildLexicon(vocab, wn);
  const roots = new Set<string>();
  if (lex.domain) roots.add(lex.domain.offset);
  for (const a of lex.anchors) for (const h of wn.synset(a.offset)?.hypernyms ?? []) roots.add(h);
  const words = new Set([...roots].flatMap((r) => kindsBelow(wn, r)).flatMap((o) => wn.synset(o)?.words ?? []));
  const out = new Map<string, string>();
  for (const w of [...words].sort()) {
    const tokens = w.split(/[\s-]+/).filter(Boolean);
    const m = lex.map(tokens, 0);
    out.set(w, m && m.length === tokens.length ? `${[...m.labels].sort().join('|')}${m.attr ? `+${m.attr}` : ''} ${m.kind}${m.confident ? '!' : ''}` : '-');
  }
  return out;
}

const paths = dataPaths(values.data!);
if (!fs.existsSync(paths.db)) throw new Error(`no data in ${values.data}: run \`npm run bench -- assistant-eval\` first`);
const db = await openDb({ dir: paths.db });
const rows = await vocabularyRows(db);
await db.close();
const now = sweep(await codeAt(path.resolve(import.meta.dirname, '..')), rows);
const mapped = [...now.values()].filter((v) => v !== '-').length;
console.log(`${now.size} lemmas under the catalogue's domain and its labels' parents; ${mapped} map to a label or flag`);
if (values.all) for (const [w, v] of now) console.log(`${w}\t${v}`);
const summary: Record<string, unknown> = { lemmas: now.size, mapped };
if (values.baseline) {
  const before = sweep(await codeAt(values.baseline), rows);
  const changes = { gained: 0, lost: 0, relabelled: 0, rekinded: 0 };
  for (const [w, v] of now) {
    const b = before.get(w) ?? '-';
    if (b === v) continue;
    const [bl, vl] = [b.split(' ')[0], v.split(' ')[0]];
    const change = b === '-' ? 'gained' : v === '-' ? 'lost' : bl !== vl ? 'relabelled' : 'rekinded';
    changes[change]++;
    console.log(`${change.padEnd(10)} ${w.padEnd(28)} ${b.padEnd(26)} -> ${v}`);
  }
  console.log(
    `against ${values.baseline}: ${Object.entries(changes)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ')}`,
  );
  Object.assign(summary, { baseline: values.baseline, changes });
}
report('assistant-sweep', summary);
