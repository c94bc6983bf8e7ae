import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CatalogueError, readCatalogue, type CatalogueFormat, type ParsedCatalogue, type RawRow, type RowError } from './parse.js';

/** Extensions the walk picks up; anything else in the folder (notes, thumbnails.db) is ignored. */
export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif']);
const SIDECAR_EXTENSIONS = new Set(['.csv', '.tsv', '.jsonl', '.ndjson']);
/** Columns a sidecar may use to name the image it describes (`file_name` is Hugging Face's ImageFolder). */
const SIDECAR_KEYS = ['file_name', 'file', 'image', 'path'] as const;

/** Relative path with `/` separators, whatever the platform. */
const posix = (rel: string) => rel.split(path.sep).join('/');

async function walk(root: string, rel = ''): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
  } catch (err) {
    throw new CatalogueError(`cannot read folder ${path.join(root, rel)}: ${(err as Error).message}`);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const child = rel ? path.join(rel, e.name) : e.name;
    // Symlinked folders are not followed (no loops); symlinked files are checked like catalogue paths.
    if (e.isDirectory()) out.push(...(await walk(root, child)));
    else if ((e.isFile() || e.isSymbolicLink()) && IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase())) out.push(posix(child));
  }
  return out;
}

async function findSidecar(dir: string): Promise<string | null> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const found = entries
    .filter((e) => e.isFile() && !e.name.startsWith('.') && SIDECAR_EXTENSIONS.has(path.extname(e.name).toLowerCase()))
    .map((e) => e.name)
    .sort();
  if (found.length > 1) throw new CatalogueError(`${dir} holds several catalogue files (${found.join(', ')}); keep one sidecar, or ingest one of them as the catalogue`);
  return found[0] ? path.join(dir, found[0]) : null;
}

interface Sidecar {
  name: string;
  format: CatalogueFormat;
  /** Image path relative to the folder -> the sidecar row describing it. */
  byImage: Map<string, RawRow>;
  errors: RowError[];
}

async function readSidecar(file: string, images: readonly string[]): Promise<Sidecar> {
  const name = path.basename(file);
  const parsed: ParsedCatalogue = await readCatalogue(file);
  const errors: RowError[] = parsed.errors.map((e) => ({ ...e, reason: `${name}: ${e.reason}` }));
  const known = new Set(images);
  const byBase = new Map<string, string | null>();
  for (const img of images) {
    const base = path.posix.basename(img);
    byBase.set(base, byBase.has(base) ? null : img);
  }
  const byImage = new Map<string, RawRow>();
  for (const row of parsed.rows) {
    const key = SIDECAR_KEYS.find((k) => row.values[k] !== undefined && String(row.values[k]).trim() !== '');
    if (!key) {
      errors.push({ line: row.line, id: null, reason: `${name}: no ${SIDECAR_KEYS.join(' / ')} column naming the image` });
      continue;
    }
    const named = posix(String(row.values[key]).trim()).replace(/^\.\//, '');
    // A bare file name is enough when only one image in the folder has it.
    const image = known.has(named) ? named : byBase.get(named);
    if (!image) {
      const why = byBase.get(named) === null ? `several images are named '${named}'; give the path inside the folder` : `no image '${named}' in the folder`;
      errors.push({ line: row.line, id: null, reason: `${name}: ${why}` });
      continue;
    }
    if (byImage.has(image)) {
      errors.push({ line: row.line, id: null, reason: `${name}: '${named}' is described twice (first on line ${byImage.get(image)!.line}); this row is ignored` });
      continue;
    }
    const values = { ...row.values };
    delete values[key];
    byImage.set(image, { line: row.line, values });
  }
  return { name, format: parsed.format, byImage, errors };
}

const present = (v: unknown) => v !== undefined && v !== null && String(v).trim() !== '';

/**
 * Reads a folder of images as a catalogue (the ImageFolder convention): every image under it is
 * an item whose id is its path without the extension and whose label is its top-level
 * sub-folder. One CSV/TSV/JSONL file at the top of the folder, if present, is a sidecar merged
 * by file name: its title, description, groups, labels (which replace the folder's), id and any
 * other column (an attribute) apply to that image.
 */
export async function readImageFolder(dir: string): Promise<ParsedCatalogue> {
  const images = await walk(dir);
  const sidecarFile = await findSidecar(dir);
  const sidecar = sidecarFile ? await readSidecar(sidecarFile, images) : null;
  const errors: RowError[] = [...(sidecar?.errors ?? [])];
  const rows: RawRow[] = [];
  const ids = new Map<string, string>();
  for (const image of images) {
    const parts = image.split('/');
    const derived = image.slice(0, image.length - path.posix.extname(image).length);
    const side = sidecar?.byImage.get(image);
    const values: Record<string, unknown> = { ...(side?.values ?? {}) };
    values.image = image;
    if (!present(values.id)) values.id = derived;
    if (!present(values.labels)) values.labels = parts.length > 1 ? [parts[0]] : [];
    const id = String(values.id).trim();
    const first = ids.get(id);
    if (first !== undefined) {
      errors.push({ line: side?.line ?? 0, id, reason: `${image}: id '${id}' is already taken by ${first}; this image is ignored` });
      continue;
    }
    ids.set(id, image);
    rows.push({ line: side?.line ?? 0, values });
  }
  return { format: sidecar?.format ?? 'jsonl', columns: null, rows, errors };
}
