/**
 * Shop the look on the item page, in a real browser: a catalogue photo scanned by
 * `loupe encode --objects` shows its stored objects as boxes over the photo and a row of matches per
 * object; tapping a box picks its row. An unscanned photo shows a one-line hint, never an error.
 * Needs the built UI (web/dist).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startServer } from '../../src/server/runtime.js';
import { runMainJob } from '../../src/app/main-job.js';
import { scanCatalogueObjects } from '../../src/app/scene.js';
import { openPage, screenshot, type BrowserSession } from '../helpers/browser.js';
import { REPO, sampleRows, tempDir } from '../helpers/tmp.js';
import { useFreshDatabase } from '../helpers/backend.js';

await useFreshDatabase();

// Two bundled photos of a person wearing the garment (the detector finds garment regions in them)
// among product photos; one more product is ingested after the scan and stays unscanned.
const WORN = ['053689bb-5928-489b-aeaf-dfb969b05e93', '10cc325b-f31b-4acd-adcc-ed668da293bf'];
const all = sampleRows();
const rows = [...WORN.map((id) => all.find((r) => r.id === id)!), ...all.filter((r) => !WORN.includes(r.id)).slice(0, 14)];
const UNSCANNED = all.filter((r) => !rows.includes(r))[0]!;
const work = tempDir('e2e-item-scene');
let run: Awaited<ReturnType<typeof startServer>>;
let session: BrowserSession;

function catalogue(name: string, list: typeof rows): string {
  fs.mkdirSync(path.join(work, 'images'), { recursive: true });
  const lines = list.map((r) => {
    fs.copyFileSync(r.image, path.join(work, 'images', path.basename(r.image)));
    return `${r.id},images/${path.basename(r.image)},${r.label},${r.group}`;
  });
  const file = path.join(work, name);
  fs.writeFileSync(file, ['id,image,labels,groups', ...lines].join('\n') + '\n');
  return file;
}

before(async () => {
  assert.ok(fs.existsSync(path.join(REPO, 'web/dist/index.html')), 'the web UI is not built: run `npm run build` first');
  run = await startServer({ dataDir: path.join(work, 'data'), dbUrl: undefined, port: 0, host: '127.0.0.1', apiKey: undefined, uploadBytes: 2_000_000 });
  await runMainJob(run.services, catalogue('items.csv', rows));
  const scan = await scanCatalogueObjects(run.services, { version: 'generic' });
  assert.deepEqual([scan.scanned, scan.errors], [rows.length, []]);
  await runMainJob(run.services, catalogue('extra.csv', [UNSCANNED]));
  session = await openPage(run.server.url);
});
after(async () => {
  await session?.close();
  await run?.stop();
});

test("the item page draws the photo's stored objects and lists each one's matches; a tapped box picks its row", { timeout: 180_000 }, async () => {
  const { page } = session;
  await page.goto(`/item/${WORN[0]}`);
  const boxes = page.locator('.item-photo .shop-look-box');
  await boxes.first().waitFor({ timeout: 30_000 });
  const labels = await boxes.allTextContents();
  assert.ok(
    ['upper body', 'lower body', 'feet'].every((l) => labels.includes(l)),
    labels.join(),
  );
  const photo = (await page.locator('.item-photo .shop-look-photo').boundingBox())!;
  const img = (await page.locator('.item-photo .shop-look-photo img').boundingBox())!;
  assert.deepEqual([img.width, img.height].map(Math.round), [photo.width, photo.height].map(Math.round), 'the boxes are laid over the photo as drawn');
  for (const b of await boxes.all()) {
    const r = (await b.boundingBox())!;
    assert.ok(r.x >= photo.x - 1 && r.y >= photo.y - 1 && r.x + r.width <= photo.x + photo.width + 1 && r.y + r.height <= photo.y + photo.height + 1, 'box drawn inside the photo');
  }

  await page.locator('.scene-row .card img').first().waitFor();
  await screenshot(page, 'e2e-item-scene-photo');

  const rowsShown = page.locator('.scene-row');
  assert.equal(await rowsShown.count(), labels.length, 'a row per object');
  for (const [i, label] of labels.entries()) {
    const row = rowsShown.nth(i);
    assert.equal(await row.getAttribute('aria-label'), label);
    assert.match((await row.locator('.scene-row-score').textContent()) ?? '', /^\d+%$/);
    const cards = row.locator('.card');
    await cards.first().waitFor();
    const hrefs = await cards.evaluateAll((els) => els.map((e) => e.getAttribute('href')));
    assert.ok(hrefs.length > 0 && hrefs.every((h) => h?.startsWith('/item/') && h !== `/item/${WORN[0]}`), `${label}: ${hrefs.join()}`);
  }

  const feet = boxes.filter({ hasText: 'feet' });
  await feet.click();
  assert.equal(await feet.getAttribute('aria-pressed'), 'true');
  const picked = page.locator('.scene-row.is-picked');
  assert.equal(await picked.count(), 1);
  assert.equal(await picked.getAttribute('aria-label'), 'feet');
  await page.waitForFunction(() => {
    const r = document.querySelector('.scene-row.is-picked')!.getBoundingClientRect();
    return r.top >= 0 && r.top < window.innerHeight;
  });
  await screenshot(page, 'e2e-item-scene');

  // A match is an ordinary item card: it opens that item's page.
  const target = (await picked.locator('.card').first().getAttribute('href'))!;
  await picked.locator('.card').first().click();
  await page.waitForURL((u) => u.pathname === target);
  await page.locator('#item-title').waitFor();
  // This data dir has no trained version, so the page's tags and goes-with rows answer 409 (logged by
  // the browser, shown as hints); the scene request itself is checked below to answer 200.
  assert.deepEqual(
    session.problems.filter((p) => !/status of 409/.test(p)),
    [],
  );
});

test('an unscanned photo shows a one-line hint and no error', async () => {
  const { page } = session;
  const scene = page.waitForResponse((r) => r.url().includes(`/api/items/${UNSCANNED.id}/scene`));
  await page.goto(`/item/${UNSCANNED.id}`);
  // Asked with unscanned=empty: not scanned yet is a normal state on this page, not a failed request.
  const answer = await scene;
  assert.equal(answer.status(), 200);
  assert.equal(((await answer.json()) as { scanned: boolean }).scanned, false);
  const hint = page.locator('.scene-hint');
  await hint.waitFor();
  assert.match((await hint.textContent()) ?? '', /Run loupe encode --objects to find the products in this photo/);
  await page.locator('.more-like-this .card').first().waitFor();
  assert.equal(await page.locator('.item-photo img').count(), 1, 'the photo is shown');
  assert.equal(await page.locator('.shop-look-box').count(), 0);
  assert.equal(await page.locator('.scene-row').count(), 0);
  assert.equal(await page.locator('.error-state').count(), 0);
  assert.deepEqual(
    session.problems.filter((p) => !/status of 409/.test(p)),
    [],
  );
});
