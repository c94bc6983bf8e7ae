/**
 * A photo's colours as a small vector: a 4 x 4 x 4 RGB histogram (64 bins) of a 32 x 32 thumbnail,
 * each bin the square root of its share of the pixels (so the vector has unit length and a cosine
 * between two of them is the Bhattacharyya coefficient of their histograms). The pooled backbone
 * features are built to ignore lighting and palette; what goes together (an outfit, a room) often
 * shares both, so "goes with" reads this beside them.
 */
import { decodeForEncoder } from './decode.js';

export const COLOUR_BINS = 64;
const SIDE = 32;

/** The histogram of interleaved 8-bit pixels with `channels` channels (the first three are R, G, B). */
export function colourHistogram(pixels: Uint8Array, channels: number): Float32Array {
  const bins = new Float32Array(COLOUR_BINS);
  const n = Math.floor(pixels.length / channels);
  if (!n || channels < 3) return bins;
  for (let p = 0; p < n * channels; p += channels) bins[(pixels[p]! >> 6) * 16 + (pixels[p + 1]! >> 6) * 4 + (pixels[p + 2]! >> 6)]! += 1;
  for (let i = 0; i < COLOUR_BINS; i++) bins[i] = Math.sqrt(bins[i]! / n);
  return bins;
}

/** The colour vector of an encoded image (bytes or a file path: JPEG, PNG, WebP...). */
export async function imageColour(input: Uint8Array | string): Promise<Float32Array> {
  const { data } = await decodeForEncoder(input, { size: SIDE, fit: 'fill' });
  return colourHistogram(data, 3);
}
