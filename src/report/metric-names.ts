/** Metric keys (`label.recall@10`, `tagging.microF1`) in words, as every table and headline prints them. */

const WORDS: Record<string, string> = {
  label: 'same-label',
  group: 'same-group',
  fullRecall: 'full recall',
  map: 'mAP',
  ndcg: 'NDCG',
  microF1: 'micro-F1',
  macroF1: 'macro-F1',
};

export function metricName(key: string): string {
  return key
    .split('.')
    .filter((p) => p !== 'retrieval')
    .map((p) => {
      const [name, at] = p.split('@') as [string, string | undefined];
      const word = WORDS[name] ?? name;
      return at ? `${word}@${at}` : word;
    })
    .join(' ');
}
