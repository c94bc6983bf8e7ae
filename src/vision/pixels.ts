import type { RgbImage } from './encoder.js';

/** Per-channel affine map from 8-bit values: out = (v * rescale - mean[c]) / std[c]. */
export interface PixelNorm {
  readonly rescale: number;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/** v / 255, i.e. [0, 1]: what the converted MobileNet graph expects (it does its own *2-1). */
export const UNIT_RANGE: PixelNorm = Object.freeze({ rescale: 1 / 255, mean: [0, 0, 0] as const, std: [1, 1, 1] as const });

/** Packs HWC uint8 images of one size into an NCHW float32 batch. */
export function toNchw(images: readonly RgbImage[], size: number, norm: PixelNorm = UNIT_RANGE): Float32Array {
  const plane = size * size;
  const out = new Float32Array(images.length * 3 * plane);
  const scale = [0, 1, 2].map((c) => norm.rescale / norm.std[c]!);
  const shift = [0, 1, 2].map((c) => norm.mean[c]! / norm.std[c]!);
  images.forEach((img, n) => {
    if (img.width !== size || img.height !== size || img.data.length !== plane * 3) {
      throw new Error(`expected a ${size}x${size} RGB image, got ${img.width}x${img.height} (${img.data.length} bytes)`);
    }
    const base = n * 3 * plane;
    for (let c = 0; c < 3; c++) {
      const s = scale[c]!;
      const t = shift[c]!;
      const o = base + c * plane;
      for (let i = 0; i < plane; i++) out[o + i] = img.data[i * 3 + c]! * s - t;
    }
  });
  return out;
}

/** Splits `items` into consecutive chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
