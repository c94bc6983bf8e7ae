import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { imageFile, thumbFile, type DataPaths } from '../config.js';
import { LoupeError } from '../errors.js';
import type { ImageRow } from '../store/items.js';
import { DEFAULT_MAX_PIXELS, ImageError, makeThumbnail, probeImage, type ImageFormat } from '../vision/decode.js';

/** Refuse to even read files bigger than this; no real catalogue photo comes close. */
export const MAX_IMAGE_FILE_BYTES = 256 * 1024 * 1024;
export const THUMB_SIDE = 384;

/** A problem with one record's image, worded for the error list. */
export class RecordImageError extends LoupeError {
  constructor(message: string) {
    super('unprocessable', message);
  }
}

const EXT: Record<ImageFormat, string> = {
  jpeg: 'jpg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  tiff: 'tiff',
  avif: 'avif',
  heif: 'heic',
};

export { imageFile, thumbFile };

function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Resolves a catalogue image path against the catalogue folder, refusing anything that
 * leaves it: `..`, absolute paths, URLs, and symlinks whose real target is outside.
 */
export async function resolveImagePath(baseDir: string, baseReal: string, image: string): Promise<string> {
  if (image.includes('\0')) throw new RecordImageError('image path contains a NUL character');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(image)) throw new RecordImageError(`image '${image}' is a URL; only files relative to the catalogue are supported`);
  if (path.isAbsolute(image) || /^[A-Za-z]:[\\/]/.test(image) || image.startsWith('\\')) {
    throw new RecordImageError(`image path '${image}' is absolute; paths must be relative to the catalogue's folder`);
  }
  const lexical = path.resolve(baseDir, image);
  if (!isInside(baseDir, lexical)) throw new RecordImageError(`image path '${image}' escapes the catalogue's folder`);
  let real: string;
  try {
    real = await fs.realpath(lexical);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new RecordImageError(`image file not found: ${image}`);
    throw new RecordImageError(`cannot open image ${image}: ${(err as Error).message}`);
  }
  if (!isInside(baseReal, real)) throw new RecordImageError(`image path '${image}' is a symlink that resolves outside the catalogue's folder`);
  return real;
}

export async function readImageFile(file: string, image: string): Promise<{ bytes: Buffer; hash: string }> {
  let bytes: Buffer;
  try {
    const st = await fs.stat(file);
    if (!st.isFile()) throw new RecordImageError(`image path '${image}' is not a regular file`);
    if (st.size > MAX_IMAGE_FILE_BYTES) {
      throw new RecordImageError(`image file '${image}' is ${(st.size / 2 ** 20).toFixed(0)} MiB, over the ${MAX_IMAGE_FILE_BYTES / 2 ** 20} MiB limit`);
    }
    bytes = await fs.readFile(file);
  } catch (err) {
    if (err instanceof RecordImageError) throw err;
    throw new RecordImageError(`cannot read image ${image}: ${(err as Error).message}`);
  }
  return { bytes, hash: createHash('sha256').update(bytes).digest('hex') };
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

/** Write-then-rename so readers never see a half-written file; a file already there is kept. */
async function writeAtomic(file: string, data: Uint8Array): Promise<void> {
  if (await exists(file)) return;
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

function imageReason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const first = msg.split('\n')[0] ?? msg;
  return err instanceof ImageError ? first : `cannot process image: ${first}`;
}

/**
 * Validates the bytes as an image within the pixel limit, fully decoding them into a thumbnail,
 * and stores original + thumbnail under their content address. The thumbnail is written last,
 * so its presence means these exact bytes already passed a full decode and work can be skipped.
 * Throws RecordImageError with a reason that does not name the file (the caller knows it).
 */
export async function storeImage(paths: DataPaths, bytes: Buffer, hash: string, maxPixels = DEFAULT_MAX_PIXELS): Promise<ImageRow> {
  try {
    const info = await probeImage(bytes, maxPixels);
    const ext = EXT[info.format];
    const original = imageFile(paths, hash, ext);
    const thumb = thumbFile(paths, hash);
    if (!(await exists(thumb)) || !(await exists(original))) {
      const webp = await makeThumbnail(bytes, THUMB_SIDE, maxPixels);
      await writeAtomic(original, bytes);
      await writeAtomic(thumb, webp);
    }
    return { hash, ext, width: info.width, height: info.height, bytes: bytes.length };
  } catch (err) {
    throw new RecordImageError(imageReason(err));
  }
}
