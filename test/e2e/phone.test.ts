/**
 * Every screen at phone size (390 x 844, real Chromium) on a real server with a trained version:
 * no page scrolls sideways, the active nav link stays in view. Also the API reference page
 * (`/api/docs`), which must render from local assets only. Screenshots land in test-artifacts/.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer } from '../../src/server/runtime.js';
import { runMainJob } from '../../src/app/main-job.js';
import { trainVersion } from '../../src/app/train.js';
import { clearScreenshots, openPage, screenshot, type BrowserSession } from '../helpers/browser.js';
import { useFreshDatabase } from '../helpers/backend.js';
import { appScreens } from '../helpers/screens.js';
import { REPO, sampleRows, tempDir } from '../helpers/tmp.js';

await useFreshDatabase();

const PHONE = { width: 390, height: 844 };
const N = 36;

describe('phone-sized screens and the API docs page (Chromium)', { timeout: 480_000 }, () => {
  let run: Awaited<ReturnType<typeof startServer>>;
  let session: BrowserSession;
  let firstId: string;

  before(async () => {
    assert.ok(fs.existsSync(path.join(REPO, 'web/dist/index.html')), 'the web UI is not built: run `npm run build` first');
    clearScreenshots('phone-');
    const dir = tempDir('phone-cat');
    const rows = sampleRows()
      .filter((_, i) => i % 8 === 0)
      .slice(0, N);
    fs.mkdirSync(path.join(dir, 'images'));
    for (const r of rows) fs.copyFileSync(r.image, path.join(dir, 'images', path.basename(r.image)));
    const lines = rows.map((r) => `${r.id},images/${path.basename(r.image)},${r.label},${r.group}`);
    fs.writeFileSync(path.join(dir, 'items.csv'), ['id,image,labels,groups', ...lines].join('\n') + '\n');
    firstId = rows[0]!.id;
    run = await startServer({ dataDir: tempDir('phone-data'), dbUrl: undefined, port: 0, host: '127.0.0.1', apiKey: undefined });
    await runMainJob(run.services, path.join(dir, 'items.csv'));
    await trainVersion(run.services.db, run.services.paths, run.services.indexes, { name: 'mine', seed: 1 });
    session = await openPage(run.server.url, PHONE);
  });

  after(async () => {
    await session?.close();
    await run?.stop();
  });

  // Names only here: the item's id is known once `before` ran.
  for (const { name } of appScreens('')) {
    it(`${name}: nothing scrolls sideways at ${PHONE.width} x ${PHONE.height}`, { timeout: 240_000 }, async () => {
      const { page } = session;
      const seen = session.problems.length;
      const { url, content } = appScreens(firstId).find((x) => x.name === name)!;
      await page.goto(url);
      // This fixture has no events and may have no findings: an empty state counts as ready here
      // (first-start-pages.test.ts asserts content after a full first start).
      await page.locator(`${content}, .empty-state`).first().waitFor({ timeout: 200_000 });
      await page.waitForTimeout(300);
      const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
      await screenshot(page, `phone-${name}`, { fullPage: true });
      assert.ok(scrollWidth <= innerWidth, `${name}: page is ${scrollWidth}px wide on a ${innerWidth}px screen`);
      const active = page.locator('.mainnav a[aria-current="page"]');
      if ((await active.count()) === 1) {
        const [nav, link] = await Promise.all([page.locator('.mainnav').boundingBox(), active.boundingBox()]);
        assert.ok(nav && link && link.x >= nav.x - 1 && link.x + link.width <= nav.x + nav.width + 1, `${name}: the active nav link is in view`);
      }
      assert.deepEqual(
        session.problems.slice(seen).filter((p) => p.startsWith('pageerror')),
        [],
        `${name}: no uncaught errors`,
      );
    });
  }

  it('/api/docs renders the API reference from local assets only', async () => {
    const html = await fetch(`${run.server.url}/api/docs`);
    assert.equal(html.status, 200);
    assert.match(html.headers.get('content-type') ?? '', /text\/html/);
    const body = await html.text();
    const assets = [...body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(assets.length >= 4 && assets.every((a) => a.startsWith('/api/docs/')), `only local assets: ${assets.join(', ')}`);
    for (const a of assets) assert.equal((await fetch(`${run.server.url}${a}`)).status, 200, a);
    assert.equal((await fetch(`${run.server.url}/api/docs/..%2Fpackage.json`)).status, 404);

    const context = await session.browser.newContext({ baseURL: run.server.url, viewport: { width: 1280, height: 900 } });
    const outside: string[] = [];
    await context.route('**/*', (route) => {
      const u = new URL(route.request().url());
      if (u.origin === new URL(run.server.url).origin || u.protocol === 'data:') return route.continue();
      outside.push(u.href);
      return route.abort();
    });
    try {
      const page = await context.newPage();
      await page.goto('/api/docs');
      await page.locator('.opblock-summary-path', { hasText: '/api/items/{id}/similar' }).first().waitFor({ timeout: 30_000 });
      await screenshot(page, 'phone-api-docs');
      assert.deepEqual(outside, [], 'no request leaves the server');
    } finally {
      await context.close();
    }
  });
});
