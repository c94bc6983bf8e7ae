/** Shared shapes of the user-embedding pipeline: what the trainer eats and what it reports. */

/** Signals a user embedding can be trained from (the CLI's `--signals`). */
export const SIGNALS = ['labels', 'groups', 'events', 'text'] as const;
export type Signal = (typeof SIGNALS)[number];

/** One catalogue item as the trainer sees it: its stored generic vector plus optional metadata. */
export interface TrainingItem {
  readonly id: string;
  /** The generic (backbone) features, e.g. 1792-d L2-normalised. */
  readonly features: Float32Array;
  readonly title?: string;
  readonly description?: string;
  readonly labels?: readonly string[];
  /** Boards, rooms, outfits, contributors: items in the same group are positives. */
  readonly groups?: readonly string[];
}

export interface TrainingData {
  readonly items: readonly TrainingItem[];
  /** Co-interaction pairs (two items the same user engaged with), as item ids. */
  readonly interactions?: readonly (readonly [string, string])[];
}

/** The text an item contributes to text features and the text tower: title, description, labels. */
export function itemText(item: Pick<TrainingItem, 'title' | 'description' | 'labels'>): string {
  return [item.title ?? '', item.description ?? '', ...(item.labels ?? [])].filter((s) => s.trim() !== '').join(' \n ');
}

/** One progress tick of the trainer (embedding or text tower). */
export interface TrainProgress {
  readonly phase: 'embedding' | 'text';
  readonly epoch: number;
  readonly maxEpochs: number;
  readonly step: number;
  readonly stepsPerEpoch: number;
  readonly loss: number;
  /** Validation metric after the latest finished epoch (NaN before the first). */
  readonly valMetric: number;
  readonly bestValMetric: number;
  readonly stepsPerSecond: number;
  readonly elapsedMs: number;
}
