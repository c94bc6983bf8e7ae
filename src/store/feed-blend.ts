import { z } from 'zod';
import { blendWeightsSchema, type BlendWeights } from '../graph/blend.js';
import type { Queryable } from './db.js';

/** What a fit is stored with besides the weights: enough to say how much it is worth. */
export const blendFitSchema = z.object({
  users: z.number().int().nonnegative(),
  k: z.number().int().positive(),
  recall: z.number().nullable(),
  ndcg: z.number().nullable(),
  holdout: z.number().int().positive().optional(),
});
export type StoredBlendFit = z.infer<typeof blendFitSchema>;

export interface StoredBlend {
  version: string;
  weights: BlendWeights;
  fit: StoredBlendFit | undefined;
  fittedAt: Date;
}

/** Records the blend weights fitted for `version`, replacing any earlier fit. */
export async function saveBlendWeights(db: Queryable, version: string, weights: BlendWeights, fit: StoredBlendFit): Promise<void> {
  const finite = (x: number | null) => (x !== null && Number.isFinite(x) ? x : null);
  await db.query(
    `INSERT INTO feed_blend (version, weights, fit) VALUES ($1, $2::jsonb, $3::jsonb)
     ON CONFLICT (version) DO UPDATE SET weights = EXCLUDED.weights, fit = EXCLUDED.fit, fitted_at = now()`,
    [version, JSON.stringify(blendWeightsSchema.parse(weights)), JSON.stringify({ ...fit, recall: finite(fit.recall), ndcg: finite(fit.ndcg) })],
  );
}

/**
 * The weights fitted for `version`, or undefined when none are stored. A row this Loupe cannot
 * read (written by another release) counts as none, so serving falls back to the defaults.
 */
export async function loadBlendWeights(db: Queryable, version: string): Promise<StoredBlend | undefined> {
  const rows = await db.query<{ weights: unknown; fit: unknown; fitted_at: Date }>('SELECT weights, fit, fitted_at FROM feed_blend WHERE version = $1', [version]);
  const row = rows[0];
  if (!row) return undefined;
  const weights = blendWeightsSchema.safeParse(row.weights);
  if (!weights.success) return undefined;
  const fit = blendFitSchema.safeParse(row.fit);
  return { version, weights: weights.data, fit: fit.success ? fit.data : undefined, fittedAt: row.fitted_at };
}
