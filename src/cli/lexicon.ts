import fs from 'node:fs';
import { loadShopWordNet } from '../assistant/added-words.js';
import { listLexicon } from '../assistant/lexicon-listing.js';
import { parseLexiconCsv } from '../assistant/lexicon-csv.js';
import { buildLexicon } from '../assistant/lexicon.js';
import { lexiconFile } from '../app/assistant.js';
import { buildVocabulary } from '../assistant/vocabulary.js';
import { vocabularyRows } from '../store/item-filters.js';
import type { Command } from './command.js';
import { withStore } from './open.js';

export const lexiconCommand: Command = {
  name: 'lexicon',
  summary: "How the assistant maps everyday words onto the catalogue's labels (WordNet + <data>/lexicon.csv)",
  usage: 'loupe lexicon [--json]',
  options: {},
  async run(ctx) {
    return withStore(ctx, async ({ db, paths }) => {
      const file = lexiconFile(paths);
      const rows = fs.existsSync(file) ? parseLexiconCsv(fs.readFileSync(file, 'utf8')) : [];
      const vocab = buildVocabulary(await vocabularyRows(db));
      const wn = loadShopWordNet();
      const listing = listLexicon(buildLexicon(vocab, wn, rows), wn, vocab.labels);
      const lines = [
        `domain: ${listing.domain[0] ?? '(none: no label has a WordNet sense)'}; ${rows.length ? `${rows.length} override(s) from ${file}` : `no ${file}`}`,
        ...listing.labels.map((l) =>
          l.anchors.length
            ? `${l.label}: ${l.anchors.map((a) => `${a.words.join('|')} (${a.source})`).join('; ')}\n    filters on: ${l.synonyms.join(', ') || '-'}\n    ranks first: ${l.kinds.join(', ') || '-'}`
            : `${l.label}: no WordNet sense (add word,${l.label} lines to lexicon.csv)`,
        ),
        ...listing.flags.map((f) => `${f.attr} (flag): ${f.words.join(', ')}`),
        ...listing.overrides.map((o) => `lexicon.csv: ${o.word} -> ${o.labels.join(', ')}`),
      ];
      ctx.print(listing, lines.join('\n'));
      return 0;
    });
  },
};
