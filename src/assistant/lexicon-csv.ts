/** A shop's own word mappings: `<data>/lexicon.csv`, one `word,label` per line. */

export interface LexiconRow {
  word: string;
  label: string;
}

/** Parses lexicon.csv (`word,label` per line, an optional header, # comments). Pure. */
export function parseLexiconCsv(text: string): LexiconRow[] {
  const rows: LexiconRow[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const comma = line.lastIndexOf(',');
    if (comma <= 0) continue;
    const word = line.slice(0, comma).trim().replace(/^"|"$/g, '');
    const label = line
      .slice(comma + 1)
      .trim()
      .replace(/^"|"$/g, '');
    if (!word || !label || (word.toLowerCase() === 'word' && label.toLowerCase() === 'label')) continue;
    rows.push({ word, label });
  }
  return rows;
}
