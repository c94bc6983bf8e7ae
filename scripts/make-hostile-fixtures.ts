/**
 * Writes test/fixtures/hostile/: small malformed images and catalogues, each with the outcome
 * Loupe promises for it (manifest.json). Re-run after changing it:
 *   node --import tsx scripts/make-hostile-fixtures.ts
 * Files that git cannot keep or that would be large (a symlink out of the folder, a 10 MB line)
 * are made by test/hostile.test.ts at run time.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';

const REPO = path.resolve(import.meta.dirname, '..');
const OUT = path.join(REPO, 'test/fixtures/hostile');
const SAMPLE = path.join(REPO, 'examples/clothing-sample');

export interface ImageCase {
  file: string;
  /** What the case exercises. */
  about: string;
  /** accept: the record lands and encodes; reject: one error for the record matching `reason`. */
  expect: 'accept' | 'reject';
  reason?: string;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer, badCrc = false): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE((crc32(Buffer.concat([head.subarray(4), data])) ^ (badCrc ? 0xdeadbeef : 0)) >>> 0);
  return Buffer.concat([head, data, crc]);
}

/** A PNG whose header claims `width` x `height` RGB; the pixel data is a few compressed rows at most. */
function pngWithHeader(width: number, height: number, opts: { badCrc?: boolean } = {}): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const rows = Math.min(height, 2);
  const raw = Buffer.alloc(rows * (1 + Math.min(width, 4096) * 3));
  const idat = zlib.deflateSync(raw);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr, opts.badCrc), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

/** Rewrites the frame header (SOF0/SOF2) of a JPEG to claim another size. */
function jpegClaiming(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  for (let i = 2; i < out.length - 9; i++) {
    if (out[i] === 0xff && (out[i + 1] === 0xc0 || out[i + 1] === 0xc2)) {
      out.writeUInt16BE(height, i + 5);
      out.writeUInt16BE(width, i + 7);
      return out;
    }
  }
  throw new Error('no SOF marker');
}

/** A 2x2-pixel 24-bit BMP (a format sharp does not read). */
function bmp(): Buffer {
  const pixels = Buffer.alloc(16, 0x80);
  const header = Buffer.alloc(54);
  header.write('BM', 0, 'ascii');
  header.writeUInt32LE(54 + pixels.length, 2);
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(2, 18);
  header.writeInt32LE(2, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(24, 28);
  return Buffer.concat([header, pixels]);
}

/** Left half red, right half blue, stored sideways with EXIF orientation 6 (display rotated 90 degrees clockwise). */
async function exifRotated(): Promise<Buffer> {
  const w = 64;
  const h = 32;
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set(x < w / 2 ? [220, 20, 20] : [20, 20, 220], (y * w + x) * 3);
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } })
    .jpeg({ quality: 90 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

async function main(): Promise<void> {
  fs.rmSync(OUT, { recursive: true, force: true });
  const img = path.join(OUT, 'images');
  const cat = path.join(OUT, 'catalogues');
  fs.mkdirSync(img, { recursive: true });
  fs.mkdirSync(cat, { recursive: true });

  const [, first, second] = fs.readFileSync(path.join(SAMPLE, 'items.csv'), 'utf8').split('\n');
  const photoA = await sharp(path.join(SAMPLE, first!.split(',')[1]!))
    .resize(96, 96, { fit: 'inside' })
    .jpeg({ quality: 80 })
    .toBuffer();
  const photoB = await sharp(path.join(SAMPLE, second!.split(',')[1]!))
    .resize(96, 96, { fit: 'inside' })
    .jpeg({ quality: 80 })
    .toBuffer();
  const frameA = await sharp(photoA).resize(48, 48).png().toBuffer();
  const frameB = await sharp(photoB).resize(48, 48).png().toBuffer();

  const cases: [ImageCase, Buffer | string][] = [
    [{ file: 'baseline.jpg', about: 'an ordinary small JPEG', expect: 'accept' }, photoA],
    [{ file: 'cmyk.jpg', about: 'CMYK JPEG', expect: 'accept' }, await sharp(photoA).toColourspace('cmyk').jpeg().toBuffer()],
    [{ file: 'rgb16.png', about: '16-bit PNG', expect: 'accept' }, await sharp(photoA).toColourspace('rgb16').png().toBuffer()],
    [{ file: 'exif-rotated.jpg', about: 'EXIF orientation 6: must be decoded upright (red on top)', expect: 'accept' }, await exifRotated()],
    [{ file: 'grayscale.png', about: 'one-channel PNG', expect: 'accept' }, await sharp(photoA).grayscale().png().toBuffer()],
    [{ file: 'alpha.png', about: 'RGBA with transparent pixels (flattened on white)', expect: 'accept' }, await sharp(photoA).ensureAlpha(0.3).png().toBuffer()],
    [
      { file: 'tiny-1x1.png', about: 'a single pixel', expect: 'accept' },
      await sharp({ create: { width: 1, height: 1, channels: 3, background: '#3a7' } })
        .png()
        .toBuffer(),
    ],
    [
      { file: 'animated.gif', about: 'two-frame GIF (first frame used)', expect: 'accept' },
      await sharp([frameA, frameB], { join: { animated: true } })
        .gif()
        .toBuffer(),
    ],
    [
      { file: 'animated.webp', about: 'two-frame WebP (first frame used)', expect: 'accept' },
      await sharp([frameA, frameB], { join: { animated: true } })
        .webp()
        .toBuffer(),
    ],
    [{ file: 'png-named.jpg', about: 'PNG bytes behind a .jpg name (format comes from the bytes)', expect: 'accept' }, await sharp(photoB).png().toBuffer()],
    [{ file: 'photo.tiff', about: 'TIFF', expect: 'accept' }, await sharp(photoB).tiff().toBuffer()],
    [
      { file: 'polyglot.jpg', about: 'valid JPEG carrying HTML/script in a comment and a ZIP tail; stored as bytes, served as image/jpeg with nosniff', expect: 'accept' },
      Buffer.concat([
        photoB.subarray(0, 2),
        Buffer.from([0xff, 0xfe, 0x00, 0x2b]),
        Buffer.from('<html><script>alert(1)</script></html>'.padEnd(41)),
        photoB.subarray(2),
        Buffer.from('PK\x03\x04polyglot-zip-tail'),
      ]),
    ],
    [{ file: 'empty.jpg', about: 'zero bytes', expect: 'reject', reason: 'empty file' }, Buffer.alloc(0)],
    [{ file: 'truncated.jpg', about: 'JPEG cut in half', expect: 'reject', reason: 'truncated|corrupt' }, photoA.subarray(0, photoA.length >> 1)],
    [{ file: 'wrong-magic.jpg', about: 'JPEG whose first bytes are overwritten', expect: 'reject', reason: 'not an image' }, Buffer.concat([Buffer.from('XXXX'), photoA.subarray(4)])],
    [{ file: 'text.jpg', about: 'plain text named .jpg', expect: 'reject', reason: 'not an image' }, 'this is a shopping list, not a photo\n'],
    [{ file: 'html.png', about: 'HTML named .png', expect: 'reject', reason: 'not an image' }, '<!doctype html><script>alert(1)</script>\n'],
    [{ file: 'bomb-100k.png', about: 'PNG header claiming 100000 x 100000 (decompression bomb)', expect: 'reject', reason: 'MP limit' }, pngWithHeader(100_000, 100_000)],
    [{ file: 'bomb-jpeg.jpg', about: 'JPEG frame header claiming 60000 x 60000', expect: 'reject', reason: 'MP limit' }, jpegClaiming(photoA, 60_000, 60_000)],
    [{ file: 'zero-width.png', about: 'PNG header with width 0', expect: 'reject', reason: 'unreadable|corrupt|zero' }, pngWithHeader(0, 16)],
    [{ file: 'bad-crc.png', about: 'PNG whose header checksum is wrong', expect: 'reject', reason: 'unreadable|corrupt' }, pngWithHeader(16, 16, { badCrc: true })],
    [
      { file: 'external.svg', about: 'SVG referencing local files and a URL: SVG is refused, nothing is fetched', expect: 'reject', reason: "unsupported image format 'svg'" },
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="64" height="64"><image xlink:href="file:///etc/passwd" width="64" height="64"/><image href="http://127.0.0.1:9/x.png" width="64" height="64"/><rect width="64" height="64" fill="red"/></svg>\n',
    ],
    [{ file: 'bitmap.bmp', about: 'BMP (not a supported format)', expect: 'reject', reason: 'not an image' }, bmp()],
    [{ file: 'pdf.jpg', about: 'a PDF named .jpg', expect: 'reject', reason: 'not an image|unsupported' }, '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n'],
  ];
  for (const [c, bytes] of cases) fs.writeFileSync(path.join(img, c.file), bytes);

  // Catalogues for the encoding cases; their rows point at accepted images above.
  const row = (id: string, image: string, title: string) => `${id},images/${image},${title},shirts,g1`;
  const header = 'id,image,title,labels,groups';
  const utf16Text = '\uFEFF' + [header, row('u16-1', 'baseline.jpg', 'Café crème'), row('u16-2', 'cmyk.jpg', 'Ærø jacket — 日本')].join('\r\n') + '\r\n';
  fs.writeFileSync(path.join(cat, 'utf16le-bom.csv'), Buffer.from(utf16Text, 'utf16le'));
  const be = Buffer.from(utf16Text, 'utf16le');
  be.swap16();
  fs.writeFileSync(path.join(cat, 'utf16be-bom.csv'), be);
  fs.writeFileSync(path.join(cat, 'utf8-bom.csv'), '\uFEFF' + [header, row('bom-1', 'baseline.jpg', 'naïve')].join('\n') + '\n');
  fs.writeFileSync(
    path.join(cat, 'latin1.csv'),
    Buffer.concat([
      Buffer.from(`${header}\n${row('l1-ok', 'baseline.jpg', 'plain ascii')}\n`),
      Buffer.from(`${row('l1-bad', 'cmyk.jpg', 'Caf\u00e9 cr\u00e8me')}\n`, 'latin1'),
      Buffer.from(`${row('l1-ok2', 'grayscale.png', 'also fine')}\n`),
    ]),
  );
  fs.writeFileSync(path.join(cat, 'missing-image-column.csv'), ['id,title,labels', 'm1,no image column,shirts', 'm2,still none,shirts'].join('\n') + '\n');

  const manifest = { images: cases.map(([c]) => c) };
  fs.writeFileSync(path.join(OUT, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  const readme = [
    '# Hostile inputs',
    '',
    'Generated by `scripts/make-hostile-fixtures.ts`; exercised by `test/integration/hostile.test.ts`, which also makes',
    'the cases git cannot keep (a symlink and a symlinked folder out of the catalogue, a directory named',
    '`.jpg`, a 10 MB CSV line and JSONL line, 100k-deep JSON, path traversal rows, CSV formula injection,',
    'duplicate ids, ragged rows, an unclosed quote, NUL bytes) and the HTTP cases (bodies over the limit,',
    'streamed uploads with no length, deep JSON, wrong content types, invalid UTF-8, 100 KB query strings).',
    '',
    '| file | case | outcome |',
    '| --- | --- | --- |',
    ...cases.map(([c]) => `| images/${c.file} | ${c.about} | ${c.expect === 'accept' ? 'lands and encodes' : `refused: /${c.reason}/`} |`),
    '| catalogues/utf16le-bom.csv, utf16be-bom.csv | UTF-16 with a BOM, CRLF, non-Latin text | decoded, lands |',
    '| catalogues/utf8-bom.csv | UTF-8 with a BOM | lands, first column is `id` |',
    '| catalogues/latin1.csv | one Latin-1 row between UTF-8 rows | that row refused (not valid UTF-8), the others land |',
    '| catalogues/missing-image-column.csv | no `image` column | whole file refused before any work |',
    '',
  ];
  fs.writeFileSync(path.join(OUT, 'README.md'), readme.join('\n'));
  const total = (fs.readdirSync(OUT, { recursive: true }) as string[])
    .map((f) => path.join(OUT, f))
    .filter((f) => fs.statSync(f).isFile())
    .reduce((n, f) => n + fs.statSync(f).size, 0);
  console.log(`${cases.length} images, ${fs.readdirSync(cat).length} catalogues in ${path.relative(REPO, OUT)} (${(total / 1024).toFixed(0)} KiB)`);
}

await main();
