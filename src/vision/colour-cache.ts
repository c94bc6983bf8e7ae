/**
 * Each catalogue photo's colour vector (vision/colour.ts), for "goes with". Derived data: computed
 * from the stored photo (its thumbnail when there is one) the first time it is asked for and kept in
 * `<data>/cache/colours.json` by image hash, so a deleted cache only costs the time to rebuild it
 * (5.5 ms a thumbnail, one at a time, measured on the 2 shared vCPUs).
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { imageFile, thumbFile, type DataPaths } from '../config.js';
import type { Queryable } from '../store/db.js';
import { photosWithVectors } from '../store/training.js';
import { COLOUR_BINS, imageColour } from './colour.js';

const cacheSchema = z.object({ format: z.literal('loupe-colours'), bins: z.literal(COLOUR_BINS), colours: z.record(z.string(), z.string()) });

/** One byte per bin (the bins are square roots of shares, in [0, 1]). */
const pack = (v: Float32Array) => Buffer.from(Uint8Array.from(v, (x) => Math.round(Math.min(1, Math.max(0, x)) * 255))).toString('base64');
const unpack = (s: string) => Float32Array.from(Buffer.from(s, 'base64'), (b) => b / 255);

function readCache(file: string): Record<string, string> {
  try {
    const parsed = cacheSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data.colours : {};
  } catch {
    return {};
  }
}

const PARALLEL = 8;

/** Colour vectors of the items with a `version` vector and a photo, by item id. */
export async function itemColours(db: Queryable, paths: DataPaths, version: string): Promise<Map<string, Float32Array>> {
  const photos = await photosWithVectors(db, version);
  const cache = readCache(paths.colours);
  const missing = [...new Map(photos.filter((p) => !(p.hash in cache)).map((p) => [p.hash, p])).values()];
  for (let i = 0; i < missing.length; i += PARALLEL) {
    await Promise.all(
      missing.slice(i, i + PARALLEL).map(async (p) => {
        const thumb = thumbFile(paths, p.hash);
        const file = fs.existsSync(thumb) ? thumb : imageFile(paths, p.hash, p.ext);
        // A photo that is gone or unreadable has no colours; the rest still do.
        const colour = await imageColour(file).catch(() => undefined);
        if (colour) cache[p.hash] = pack(colour);
      }),
    );
  }
  if (missing.length) {
    fs.mkdirSync(path.dirname(paths.colours), { recursive: true });
    const tmp = `${paths.colours}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ format: 'loupe-colours', bins: COLOUR_BINS, colours: cache }));
    fs.renameSync(tmp, paths.colours);
  }
  const out = new Map<string, Float32Array>();
  for (const p of photos) if (cache[p.hash]) out.set(p.itemId, unpack(cache[p.hash]!));
  return out;
}
