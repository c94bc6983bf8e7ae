/** Metric keys (`label.recall@10`, `retrieval.group.map`, `tagging.microF1`) in words for tables. */

const WORDS: Record<string, string> = {
  label: 'same-label',
  group: 'same-group',
  recall: 'recall',
  fullRecall: 'full recall',
  precision: 'precision',
  map: 'mAP',
  ndcg: 'NDCG',
  queries: 'queries',
  tagging: 'tagging',
  microF1: 'micro-F1',
  macroF1: 'macro-F1',
  text: 'text search',
  keywordRecall: 'keyword recall',
  keywordMap: 'keyword mAP',
  calibration: 'calibration',
  ece: 'error (ECE)',
  complete: 'complete-the-group',
  catalogue: 'whole catalogue,',
};

const AT_K = new Set(['recall', 'fullRecall', 'precision', 'map', 'ndcg']);

export function metricName(key: string, k = 10): string {
  const parts = key.split('.').filter((p) => p !== 'retrieval');
  return parts
    .map((p, i) => {
      const [name, at] = p.split('@') as [string, string | undefined];
      const word = WORDS[name] ?? name;
      // Ranking metrics read "@10" whether the key carries it or not (eval tables drop it).
      const isLast = i === parts.length - 1;
      return at ? `${word}@${at}` : isLast && AT_K.has(name) && parts.some((q) => q === 'label' || q === 'group') ? `${word}@${k}` : word;
    })
    .join(' ');
}
