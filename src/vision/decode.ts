import type { Metadata, Sharp, default as SharpFn } from 'sharp';
import { LoupeError } from '../errors.js';
import type { InputSpec, RgbImage } from './encoder.js';

/** Decompression-bomb guard: images with more pixels than this are refused (50 MP). */
export const DEFAULT_MAX_PIXELS = 50_000_000;

export const IMAGE_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif', 'heif'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/** A decoding failure with a reason fit to show next to the record that caused it. */
export class ImageError extends LoupeError {
  constructor(
    message: string,
    readonly reason: 'empty' | 'not-an-image' | 'corrupt' | 'too-large' | 'unsupported',
  ) {
    super(reason === 'too-large' ? 'too_large' : 'unprocessable', message);
  }
}

export interface ImageInfo {
  format: ImageFormat;
  width: number;
  height: number;
}

let loaded: Promise<typeof SharpFn> | undefined;

/** sharp (libvips), loaded on first use: a start that decodes nothing does not pay its load. */
function sharpLib(): Promise<typeof SharpFn> {
  return (loaded ??= import('sharp').then(({ default: sharp }) => {
    sharp.cache(false);
    return sharp;
  }));
}

/** Reads the header and checks it is an image we accept, without decoding pixels. */
export async function probeImage(bytes: Uint8Array, maxPixels = DEFAULT_MAX_PIXELS): Promise<ImageInfo> {
  if (bytes.length === 0) throw new ImageError('empty file (0 bytes)', 'empty');
  let meta: Metadata;
  try {
    const sharp = await sharpLib();
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    const msg = (err as Error).message;
    if (/unsupported image format/i.test(msg)) throw new ImageError('not an image (unrecognised format)', 'not-an-image');
    throw new ImageError(`unreadable image header: ${msg}`, 'corrupt');
  }
  const format = meta.format as string | undefined;
  if (!format || !(IMAGE_FORMATS as readonly string[]).includes(format)) {
    throw new ImageError(`unsupported image format '${format ?? 'unknown'}'`, 'unsupported');
  }
  const width = meta.autoOrient?.width ?? meta.width ?? 0;
  const height = meta.autoOrient?.height ?? meta.height ?? 0;
  if (width <= 0 || height <= 0) throw new ImageError('image has zero width or height', 'corrupt');
  if (width * height > maxPixels) {
    throw new ImageError(`image is ${width}x${height} (${((width * height) / 1e6).toFixed(1)} MP), over the ${(maxPixels / 1e6).toFixed(0)} MP limit`, 'too-large');
  }
  return { format: format as ImageFormat, width, height };
}

async function pipeline(input: Uint8Array | string, maxPixels: number): Promise<Sharp> {
  const sharp = await sharpLib();
  // failOn 'truncated' rejects cut-off files that libvips would otherwise pad with grey.
  return sharp(input, { failOn: 'truncated', limitInputPixels: maxPixels, animated: false })
    .rotate() // honour EXIF orientation
    .flatten({ background: { r: 255, g: 255, b: 255 } })
    .toColourspace('srgb');
}

function wrapDecodeError(err: unknown, maxPixels: number): ImageError {
  if (err instanceof ImageError) return err;
  const msg = (err as Error).message ?? String(err);
  if (/pixel limit/i.test(msg)) return new ImageError(`image has more pixels than the ${(maxPixels / 1e6).toFixed(0)} MP limit`, 'too-large');
  if (/unsupported image format/i.test(msg)) return new ImageError('not an image (unrecognised format)', 'not-an-image');
  return new ImageError(`corrupt or truncated image: ${msg.split('\n')[0]}`, 'corrupt');
}

/** Fully decodes (so corruption surfaces here) and writes a WebP thumbnail no wider/taller than `side`. */
export async function makeThumbnail(bytes: Uint8Array, side = 384, maxPixels = DEFAULT_MAX_PIXELS): Promise<Buffer> {
  try {
    return await (await pipeline(bytes, maxPixels)).resize(side, side, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 80, effort: 2 }).toBuffer();
  } catch (err) {
    throw wrapDecodeError(err, maxPixels);
  }
}

/** Decodes to the encoder's input: `spec.size` square RGB, EXIF-rotated, alpha flattened on white. */
export async function decodeForEncoder(input: Uint8Array | string, spec: InputSpec, maxPixels = DEFAULT_MAX_PIXELS): Promise<RgbImage> {
  try {
    const { data, info } = await (
      await pipeline(input, maxPixels)
    )
      .resize(spec.size, spec.size, { fit: spec.fit, background: { r: 255, g: 255, b: 255 }, kernel: 'lanczos3' })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new ImageError(`expected 3 channels after decoding, got ${info.channels}`, 'unsupported');
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    throw wrapDecodeError(err, maxPixels);
  }
}

/** Decodes the whole photo once (EXIF-rotated, flattened on white) so several regions can be cut from it. */
export async function decodeFull(input: Uint8Array | string, maxPixels = DEFAULT_MAX_PIXELS): Promise<RgbImage> {
  try {
    const { data, info } = await (await pipeline(input, maxPixels)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    throw wrapDecodeError(err, maxPixels);
  }
}

/** One region [x, y, w, h] of a decoded photo, resized to the encoder's input. */
export async function cropForEncoder(img: RgbImage, box: readonly [number, number, number, number], spec: InputSpec): Promise<RgbImage> {
  const [left, top, width, height] = box;
  const sharp = await sharpLib();
  const { data, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .extract({ left, top, width, height })
    .resize(spec.size, spec.size, { fit: spec.fit, background: { r: 255, g: 255, b: 255 }, kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}
