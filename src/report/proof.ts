/**
 * The proof report's shape: what `loupe report` and `POST /api/report` measure (app/report.ts), and
 * what the HTML, the charts and the latest-run file read.
 */
import type { FeedEvalReport } from '../graph/io/feed-eval.js';
import type { QualityReport } from '../quality/quality-report.js';
import type { VersionAccuracy } from './accuracy.js';
import type { ApiCost, OwnCost } from './cost.js';

/** Timings taken in this process, on this machine, in the same run. */

export interface LatencyStats {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  /** Process CPU time (all threads, the encoder's worker included) per request. */
  cpuSecondsPerRequest: number;
}

export interface LatencyReport {
  version: string;
  k: number;
  /** More like this from the stored vector: an index search, no pixels. */
  precomputed: LatencyStats;
  /** The same request if the item's photo were encoded when asked: decode + encode (+ projection) + search. */
  requestTime: LatencyStats;
  ratioP50: number;
  ratioP99: number;
}

/** Shop the look on an uploaded photo: the detection step alone (decode, detect, pose), per photo. */
export interface DetectionCost {
  photos: number;
  p50Ms: number;
  p99Ms: number;
  /** Starting the detector's worker and loading its models (CenterNet, MoveNet), once per process: not in p50/p99. */
  loadMs: number;
  /** Objects (persons as their garment regions) found per photo, on average. */
  objectsPerPhoto: number;
}

export interface BackbonePoint {
  backbone: string;
  version: string;
  trained: boolean;
  metric: string;
  value: number;
  items: number;
  modelBytes: number;
  cpuSecondsPerImage: number;
  usdPer1MImages: number;
}

export interface ProofReport {
  generatedAt: string;
  machine: { cpu: string; cores: number; node: string; loadAverage: number };
  catalogue: { items: number; meanWidth: number; meanHeight: number };
  prices: { asOf: string; note: string; sources: Record<string, string[]>; outputTokensPerRequest: number; vcpuHourUsd: number; file: string };
  accuracy: { k: number; protocol: string; versions: VersionAccuracy[]; feed: FeedEvalReport | { skipped: string } | null };
  latency: LatencyReport;
  /** Shop the look: detecting the objects of an uploaded photo; null when the detector could not load (the reason is logged). */
  detection: DetectionCost | null;
  encode: { backbone: string; images: number; cpuSecondsPerImage: number; imagesPerSecond: number };
  cost: { own: OwnCost; apis: ApiCost[]; cheapestApi: string; precomputedVsCheapestApi: number };
  backbones: BackbonePoint[];
  quality: QualityReport | null;
  /** costSaving = 1 - own / cheapest API per request; costRatio = cheapest API / own (how many times cheaper). */
  /** accuracyLift: the served version's first table row (else the newest trained version's, served false). */
  headline: { accuracyLift: { version: string; metric: string; relativeLift: number; served: boolean } | null; costSaving: number; costRatio: number; latencyRatioP50: number };
}
