import fs from 'node:fs';
import { z } from 'zod';
import { LoupeError } from '../errors.js';
import shippedPrices from './prices.json' with { type: 'json' };

/**
 * The cost model: per-image token rules of frontier vision APIs and own compute priced by the
 * vCPU-hour. Pure math over a dated, editable price table (src/report/prices.json).
 */

const TilesAfterResize = z.object({
  kind: z.literal('tiles-after-resize'),
  /** First fit inside fit_px x fit_px, then scale so the shortest side is short_side_px (never up). */
  fit_px: z.number().positive(),
  short_side_px: z.number().positive(),
  tile_px: z.number().positive(),
  base_tokens: z.number().nonnegative(),
  tokens_per_tile: z.number().positive(),
});
const FlatOrTiles = z.object({
  kind: z.literal('flat-or-tiles'),
  /** Both sides at most this: one flat charge of tokens_per_tile; else tokens_per_tile per tile_px square tile. */
  small_max_px: z.number().positive(),
  tile_px: z.number().positive(),
  tokens_per_tile: z.number().positive(),
});
const Area = z.object({
  kind: z.literal('area'),
  /** Long edge scaled down to this first; tokens = width x height / px_per_token, capped by max_tokens (the API shrinks larger images). */
  max_long_edge_px: z.number().positive(),
  px_per_token: z.number().positive(),
  max_tokens: z.number().positive().optional(),
});

export const TokenRule = z.discriminatedUnion('kind', [TilesAfterResize, FlatOrTiles, Area]);
export type TokenRule = z.infer<typeof TokenRule>;

export const ApiPrice = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  rule: TokenRule,
  input_usd_per_mtok: z.number().nonnegative(),
  output_usd_per_mtok: z.number().nonnegative(),
  sources: z.array(z.string()).default([]),
});
export type ApiPrice = z.infer<typeof ApiPrice>;

export const PriceTable = z.object({
  as_of: z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/, 'as_of must be a date like 2026-11-25'),
  note: z.string().optional(),
  output_tokens_per_request: z.number().int().nonnegative(),
  vcpu_hour_usd: z.number().positive(),
  vcpu_hour_note: z.string().optional(),
  apis: z.array(ApiPrice).min(1),
});
export type PriceTable = z.infer<typeof PriceTable>;

/** Validates a price table; `origin` names it in the error. */
export function parsePriceTable(raw: unknown, origin: string): PriceTable {
  const parsed = PriceTable.safeParse(raw);
  if (!parsed.success) throw new LoupeError('bad_request', `price table ${origin}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** The shipped table (src/report/prices.json), or `file` when given (`--prices FILE`). */
export function loadPriceTable(file?: string): PriceTable {
  if (!file) return parsePriceTable(shippedPrices, 'src/report/prices.json');
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new LoupeError('bad_request', code === 'ENOENT' ? `no such file: ${file}` : `cannot read the price table ${file}: ${(err as Error).message}`);
  }
  return parsePriceTable(raw, file);
}

/** Scales (w, h) down (never up) by `factor` <= 1, rounding to whole pixels. */
function scaled(w: number, h: number, factor: number): [number, number] {
  if (factor >= 1) return [w, h];
  return [Math.max(1, Math.round(w * factor)), Math.max(1, Math.round(h * factor))];
}

/** Input tokens one image of `width` x `height` pixels costs under `rule`. */
export function imageTokens(rule: TokenRule, width: number, height: number): number {
  if (!(width > 0 && height > 0)) throw new LoupeError('bad_request', `image size must be positive, got ${width}x${height}`);
  switch (rule.kind) {
    case 'tiles-after-resize': {
      let [w, h] = scaled(width, height, rule.fit_px / Math.max(width, height));
      [w, h] = scaled(w, h, rule.short_side_px / Math.min(w, h));
      return rule.base_tokens + rule.tokens_per_tile * Math.ceil(w / rule.tile_px) * Math.ceil(h / rule.tile_px);
    }
    case 'flat-or-tiles': {
      if (width <= rule.small_max_px && height <= rule.small_max_px) return rule.tokens_per_tile;
      return rule.tokens_per_tile * Math.ceil(width / rule.tile_px) * Math.ceil(height / rule.tile_px);
    }
    case 'area': {
      const [w, h] = scaled(width, height, rule.max_long_edge_px / Math.max(width, height));
      const tokens = Math.ceil((w * h) / rule.px_per_token);
      return rule.max_tokens === undefined ? tokens : Math.min(tokens, rule.max_tokens);
    }
  }
}

export interface ApiCost {
  id: string;
  name: string;
  inputTokensPerImage: number;
  outputTokensPerRequest: number;
  usdPerRequest: number;
  usdPer1kRequests: number;
  /** Every catalogue image sent once (e.g. to tag or describe it). */
  usdPer1MImages: number;
}

/** What one request with one image of the given size costs on `api`, with `outputTokens` of answer. */
export function apiCost(api: ApiPrice, width: number, height: number, outputTokens: number): ApiCost {
  const input = imageTokens(api.rule, width, height);
  const usd = (input * api.input_usd_per_mtok + outputTokens * api.output_usd_per_mtok) / 1e6;
  return {
    id: api.id,
    name: api.name,
    inputTokensPerImage: input,
    outputTokensPerRequest: outputTokens,
    usdPerRequest: usd,
    usdPer1kRequests: usd * 1e3,
    usdPer1MImages: usd * 1e6,
  };
}

/** Own compute: CPU-seconds x the price of a vCPU-hour. */
export function computeUsd(cpuSeconds: number, vcpuHourUsd: number): number {
  return (cpuSeconds / 3600) * vcpuHourUsd;
}

export interface OwnCost {
  /** More like this from precomputed vectors. */
  precomputedUsdPer1kRequests: number;
  /** Encoding the image at request time, then searching. */
  requestTimeUsdPer1kRequests: number;
  /** Encoding every catalogue image once. */
  encodeUsdPer1MImages: number;
}

export function ownCost(cpu: { precomputedPerRequest: number; requestTimePerRequest: number; encodePerImage: number }, vcpuHourUsd: number): OwnCost {
  return {
    precomputedUsdPer1kRequests: computeUsd(cpu.precomputedPerRequest * 1e3, vcpuHourUsd),
    requestTimeUsdPer1kRequests: computeUsd(cpu.requestTimePerRequest * 1e3, vcpuHourUsd),
    encodeUsdPer1MImages: computeUsd(cpu.encodePerImage * 1e6, vcpuHourUsd),
  };
}

/** Percentile by nearest rank over an unsorted sample (NaN when empty). */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/**
 * An API's cost averaged over the catalogue's actual image sizes (each image sent once per request);
 * `count` is how many images have that size (default 1).
 */
export function meanApiCost(api: ApiPrice, sizes: readonly { width: number; height: number; count?: number }[], outputTokens: number): ApiCost {
  const total = sizes.reduce((n, s) => n + (s.count ?? 1), 0);
  if (!(total > 0)) throw new LoupeError('conflict', 'no image sizes to price');
  const each = sizes.map((s) => ({ cost: apiCost(api, s.width, s.height, outputTokens), count: s.count ?? 1 }));
  const avg = (f: (c: ApiCost) => number) => each.reduce((sum, e) => sum + e.count * f(e.cost), 0) / total;
  return {
    id: api.id,
    name: api.name,
    inputTokensPerImage: avg((c) => c.inputTokensPerImage),
    outputTokensPerRequest: outputTokens,
    usdPerRequest: avg((c) => c.usdPerRequest),
    usdPer1kRequests: avg((c) => c.usdPer1kRequests),
    usdPer1MImages: avg((c) => c.usdPer1MImages),
  };
}
