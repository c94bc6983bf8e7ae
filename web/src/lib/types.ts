/** Shapes of the Loupe HTTP API, as the UI reads them. */

export interface ItemImage {
  hash: string;
  width: number;
  height: number;
  url: string;
  thumb: string;
}

export interface ItemView {
  id: string;
  title: string | null;
  description: string | null;
  labels: string[];
  groups: string[];
  attrs: Record<string, unknown>;
  /** Null for an item with no photo (vectors imported without one). */
  image: ItemImage | null;
}

export interface ItemPage {
  items: ItemView[];
  next_cursor: string | null;
}

export interface Health {
  status: string;
  db: string;
  items: number;
  version: string;
}

export interface Stats {
  items: number;
  labels: { label: string; count: number }[];
  groups: number;
}

export interface Neighbour {
  id: string;
  score: number;
  item?: ItemView | null;
}

export interface SimilarResult {
  version: string;
  items: Neighbour[];
}

export interface SceneObject {
  box: [number, number, number, number];
  label: string;
  score: number;
  items: Neighbour[];
}

/** POST /api/search/scene: the objects in a photo (boxes in its pixels), each with its matches. */
export interface SceneResult {
  version: string;
  width: number;
  height: number;
  objects: SceneObject[];
  note?: string;
}

/** GET /api/items/:id/scene: the objects `loupe encode --objects` stored for the item's photo, each with its matches. */
export interface ItemSceneResult extends SceneResult {
  item: string;
  /** False when the photo was never scanned (`loupe encode --objects`); asked with unscanned=empty, so no 409. */
  scanned: boolean;
}

export interface VersionInfo {
  name: string;
  kind: string;
  encoder: string;
  dims: number;
  /** Trained versions: the version they were trained over, and what they learned from (older servers omit both). */
  base?: string | null;
  signals?: string[] | null;
  count: number;
  status: string;
  promoted: boolean;
  created_at: string;
  metrics: Record<string, unknown> | null;
}

export interface TagSuggestions {
  item: string;
  version: string;
  tags: { label: string; probability: number }[];
}

export interface UserSummary {
  id: string;
  events: number;
}

export interface FeedEntry {
  id: string;
  score: number;
  why?: string | string[] | Record<string, unknown> | null;
  item?: ItemView | null;
}

export interface Feed {
  user: string;
  items: FeedEntry[];
}

/** One trained version measured against its base on its held-out split (`loupe eval --json`). */
export interface VersionEvaluation {
  name: string;
  base: string;
  heldOut: number;
  generic: Record<string, unknown>;
  trained: Record<string, unknown>;
  calibration: Record<string, unknown> | null;
  text: Record<string, unknown> | null;
  lift: Record<string, number>;
  /** The held-out split's two parts (new items in known groups, whole new groups); absent in old reports. */
  parts?: Record<'newItems' | 'newGroups', { items: number; generic: Record<string, unknown>; trained: Record<string, unknown> } | null>;
}

export interface EvalReport {
  versions: (VersionEvaluation | { name: string; metrics: Record<string, unknown> })[];
  [key: string]: unknown;
}

export type LiveEvent =
  | { type: 'hello' }
  | { type: 'progress'; job: string; done: number; total: number; rate: number; eta?: number | null; message?: string }
  | { type: 'job'; job: string; status: 'started' | 'done' | 'failed'; detail?: unknown }
  | { type: 'items'; action: string; ids: string[]; count?: number }
  | { type: 'vectors'; version: string; count: number }
  | { type: 'versions'; promoted: string };

export interface FeedMethodScore {
  recall: number;
  ndcg: number;
  users: number;
}

/** `GET /api/eval/feed`: the `loupe events eval --json` report. */
export interface FeedEvalReport {
  version: string;
  source: 'events' | 'groups-as-users';
  protocol: string;
  note: string;
  users: number;
  k: number;
  methods: Record<string, FeedMethodScore>;
  slices: { heavy: Record<string, FeedMethodScore>; light: Record<string, FeedMethodScore>; cold: Record<string, FeedMethodScore> & { random: FeedMethodScore } };
  blend: { note: string };
}
