/**
 * Shop the look in a real browser: after a photo search the page draws the objects found in the
 * photo, shows matches per box, searches a tapped box, and searches a box dragged on the photo.
 * Needs the built UI (web/dist).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startServer } from '../../src/server/runtime.js';
import { runMainJob } from '../../src/app/main-job.js';
import { openPage, screenshot, type BrowserSession } from '../helpers/browser.js';
import { REPO, sampleRows, tempDir, writeSubsetCatalogue } from '../helpers/tmp.js';
import { useFreshDatabase } from '../helpers/backend.js';

await useFreshDatabase();

// A bundled sample photo of a person wearing the garment (the detector finds a person in it).
const WORN = path.join(REPO, 'examples/clothing-sample/images/053689bb-5928-489b-aeaf-dfb969b05e93.jpg');
const work = tempDir('e2e-shop');
let run: Awaited<ReturnType<typeof startServer>>;
let session: BrowserSession;

before(async () => {
  assert.ok(fs.existsSync(path.join(REPO, 'web/dist/index.html')), 'the web UI is not built: run `npm run build` first');
  run = await startServer({ dataDir: path.join(work, 'data'), dbUrl: undefined, port: 0, host: '127.0.0.1', apiKey: undefined, uploadBytes: 2_000_000 });
  await runMainJob(run.services, writeSubsetCatalogue(work, 30));
  session = await openPage(run.server.url);
});
after(async () => {
  await session?.close();
  await run?.stop();
});

test('photo search draws the objects on the photo; a tapped box and a dragged box are each searched', { timeout: 240_000 }, async () => {
  const { page } = session;
  assert.ok(sampleRows().length >= 30);
  await page.goto('/');
  await page.locator('#image-search-input').setInputFiles(WORN);
  const boxes = page.locator('.shop-look-box');
  await boxes.first().waitFor({ timeout: 120_000 });
  const labels = await boxes.allTextContents();
  assert.ok(
    ['upper body', 'lower body', 'feet'].every((l) => labels.includes(l)),
    labels.join(),
  );
  const photo = await page.locator('.shop-look-photo').boundingBox();
  for (const b of await boxes.all()) {
    const r = (await b.boundingBox())!;
    assert.ok(r.x >= photo!.x - 1 && r.y >= photo!.y - 1 && r.x + r.width <= photo!.x + photo!.width + 1 && r.y + r.height <= photo!.y + photo!.height + 1, 'box drawn inside the photo');
  }
  const matches = page.locator('.shop-look-matches .card');
  await matches.first().waitFor();

  const lower = boxes.filter({ hasText: 'lower body' });
  const tapped = page.waitForResponse((r) => r.url().includes('/api/search/scene') && r.url().includes('box='));
  await lower.click();
  assert.equal((await tapped).status(), 200);
  assert.equal(await lower.getAttribute('aria-pressed'), 'true');
  await page.locator('.shop-look-matches .result-meta', { hasText: 'lower body' }).waitFor();
  await matches.first().waitFor();

  const drawn = page.waitForResponse((r) => r.url().includes('/api/search/scene') && r.url().includes('box='));
  await page.mouse.move(photo!.x + 4, photo!.y + 4);
  await page.mouse.down();
  await page.mouse.move(photo!.x + photo!.width / 3, photo!.y + photo!.height / 4, { steps: 5 });
  await page.mouse.up();
  const res = await drawn;
  const box = new URL(res.url()).searchParams.get('box')!.split(',').map(Number);
  assert.equal(box.length, 4);
  assert.ok(box[2]! >= 8 && box[3]! >= 8, `drawn box ${box}`);
  await page.locator('.shop-look-box', { hasText: 'your box' }).waitFor();
  await page.locator('.shop-look-matches .result-meta', { hasText: 'your box' }).waitFor();
  await matches.first().waitFor();
  await screenshot(page, 'e2e-shop-the-look');
  assert.deepEqual(session.problems, []);
});
