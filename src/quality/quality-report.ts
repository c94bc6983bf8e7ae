/** What `loupe quality` / `GET /api/quality` return: the findings over one version plus what the report pages need. */
import type { QualityFindings, QualityOptions } from './findings.js';
import type { FixRow } from './fixlist.js';

export interface QualityRunOptions extends Partial<QualityOptions> {
  /** Embedding version whose neighbourhoods are read (default: the promoted one). */
  version?: string | undefined;
  /** Neighbours per item (default 10). */
  k?: number | undefined;
}

export interface QualityReport extends QualityFindings {
  version: string;
  /** Items that have no vector in the version yet (not checked by the embedding-based findings). */
  withoutVector: number;
  protocol: string;
  /** Content hash of every item a finding names, for thumbnails (`/thumbs/<hash>`). */
  images: Record<string, string>;
  fixes: FixRow[];
}

export const QUALITY_PROTOCOL =
  'Exact duplicates share a content hash (sha256 of the bytes). Near duplicates: different images whose cosine distance is under ' +
  "median - z x MAD of the catalogue's nearest-neighbour distances, clustered with union-find. Likely mislabelled: another label holds " +
  ">= 50% of the similarity-weighted vote of the k nearest labelled neighbours and more than the item's own labels; ranked by the margin. " +
  'Outliers: mean distance to the k neighbours above median + z x MAD. Classes too small: fewer items than the minimum. Incoherent classes: ' +
  'members\' neighbours share the label less than `min lift` times the chance rate (catch-alls such as "not sure" look like this).';
