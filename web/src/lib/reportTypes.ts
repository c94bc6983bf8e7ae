/** The JSON of GET /api/report and GET /api/quality (the `loupe report|quality --json` shapes), as the UI reads them. */

export interface MetricRow {
  metric: string;
  generic: number;
  /** The generic vectors mean-centred (training items' mean) and unit length. */
  genericCentred: number;
  trained: number;
  /** trained / the better of generic and genericCentred - 1. */
  relativeLift: number;
}

export interface LatencyStats {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  cpuSecondsPerRequest: number;
}

export interface QualityReport {
  version: string;
  items: number;
  labelled: number;
  k: number;
  counts: Record<'exactDuplicateClusters' | 'exactDuplicateItems' | 'nearDuplicateClusters' | 'nearDuplicateItems' | 'mislabelled' | 'outliers' | 'tooSmall' | 'incoherent', number>;
  exactDuplicates: { ids: string[] }[];
  nearDuplicates: { ids: string[]; maxDistance?: number }[];
  nearDuplicateThreshold: { distance: number; derived: boolean };
  mislabelled: { id: string; labels: string[]; suggested: string; confidence: number; neighbours: string[] }[];
  outliers: { id: string; meanDistance: number; z: number }[];
  labels: { label: string; count: number; purity: number; lift: number; tooSmall: boolean; incoherent: boolean }[];
  images: Record<string, string>;
  protocol: string;
}

export interface ProofReport {
  generatedAt: string;
  machine: { cpu: string; cores: number };
  catalogue: { items: number };
  prices: { asOf: string; note: string; sources: Record<string, string[]>; outputTokensPerRequest: number; vcpuHourUsd: number };
  accuracy: { protocol: string; versions: { name: string; base: string; heldOut: number; rows: MetricRow[]; headline: MetricRow | null }[] };
  latency: { version: string; k: number; precomputed: LatencyStats; requestTime: LatencyStats; ratioP50: number; ratioP99: number };
  /** Shop the look: detecting the objects of an uploaded photo; null when the detector could not load (absent in runs saved before it was measured). */
  detection?: { photos: number; p50Ms: number; p99Ms: number; loadMs: number; objectsPerPhoto: number } | null;
  encode: { backbone: string; cpuSecondsPerImage: number; imagesPerSecond: number };
  cost: {
    own: { precomputedUsdPer1kRequests: number; requestTimeUsdPer1kRequests: number; encodeUsdPer1MImages: number };
    apis: { id: string; name: string; inputTokensPerImage: number; usdPer1kRequests: number; usdPer1MImages: number }[];
    cheapestApi: string;
  };
  backbones: { backbone: string; version: string; trained: boolean; metric: string; value: number; modelBytes: number; usdPer1MImages: number }[];
  quality: QualityReport | null;
  headline: { accuracyLift: { version: string; metric: string; relativeLift: number; served?: boolean } | null; costSaving: number; costRatio: number; latencyRatioP50: number };
}
