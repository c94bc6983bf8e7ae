/**
 * The app in a real browser (Debian's Chromium via playwright-core) against a real server and
 * database: grid, infinite scroll, item page with "more like this", search by photo, and live
 * progress while an ingest runs. Screenshots land in test-artifacts/.
 *
 * Needs the built UI (web/dist, made by `npm run build`, which `npm ci` runs through `prepare`).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { startServer } from '../../src/server/runtime.js';
import { trainVersion } from '../../src/app/train.js';
import { runMainJob } from '../../src/app/main-job.js';
import { clearScreenshots, openPage, screenshot, type BrowserSession } from '../helpers/browser.js';
import { REPO, sampleRows, tempDir } from '../helpers/tmp.js';
import { useFreshDatabase } from '../helpers/backend.js';

await useFreshDatabase();

const WEB_INDEX = path.join(REPO, 'web/dist/index.html');
const API_KEY = 'e2e-test-key';
const FIRST = 44; // more than one page (40), so the grid has to scroll for the rest
const SECOND = 40; // ingested while the page is open: more than one encode batch (32), so progress shows mid-way

type Row = ReturnType<typeof sampleRows>[number];

/** Every `stride`-th sample row from `offset`, so a small catalogue still spans many labels. */
function pick(n: number, offset: number, stride = 5): Row[] {
  const rows = sampleRows();
  const out: Row[] = [];
  for (let i = offset; out.length < n && i < rows.length; i += stride) out.push(rows[i]!);
  return out;
}

function writeCatalogue(dir: string, name: string, rows: Row[]): string {
  fs.mkdirSync(path.join(dir, 'images'), { recursive: true });
  for (const r of rows) fs.copyFileSync(r.image, path.join(dir, 'images', path.basename(r.image)));
  const lines = rows.map((r) => `${r.id},images/${path.basename(r.image)},${r.label},${r.label},${r.group}`);
  const file = path.join(dir, name);
  fs.writeFileSync(file, ['id,image,title,labels,groups', ...lines].join('\n') + '\n');
  return file;
}

const cards = (page: Page) => page.locator('main .masonry .card');

describe('web app (e2e, Chromium)', { timeout: 240_000 }, () => {
  let run: Awaited<ReturnType<typeof startServer>>;
  let session: BrowserSession;
  let firstRows: Row[];
  let secondRows: Row[];
  let catDir: string;

  before(async () => {
    assert.ok(fs.existsSync(WEB_INDEX), `the web UI is not built (${WEB_INDEX} missing): run \`npm run build\` first`);
    clearScreenshots('e2e-');
    const data = tempDir('e2e-data');
    catDir = tempDir('e2e-cat');
    firstRows = pick(FIRST, 0);
    const taken = new Set(firstRows.map((r) => r.id));
    secondRows = pick(SECOND + 10, 2)
      .filter((r) => !taken.has(r.id))
      .slice(0, SECOND);
    assert.equal(secondRows.length, SECOND);
    const cat = writeCatalogue(catDir, 'first.csv', firstRows);

    run = await startServer({ dataDir: data, dbUrl: undefined, port: 0, host: '127.0.0.1', apiKey: API_KEY });
    const result = await runMainJob(run.services, cat);
    assert.equal(result.ingest.ingested, FIRST);
    assert.equal(result.index.size, FIRST);
    session = await openPage(run.server.url);
  });

  after(async () => {
    await session?.close();
    await run?.stop();
  });

  it('shows the catalogue as a grid and pages in the rest on scroll', async () => {
    const { page } = session;
    await page.goto('/');
    await page.getByRole('heading', { name: 'Discover', level: 1 }).waitFor();
    await cards(page).first().waitFor();
    // The label filters come from /api/stats.
    const labels = new Set(firstRows.map((r) => r.label));
    for (const l of [...labels].slice(0, 3))
      await page
        .getByRole('navigation', { name: 'Filter by label' })
        .getByRole('link', { name: new RegExp(`^${l}\\b`) })
        .waitFor();
    assert.equal(await cards(page).count(), 40, 'first page is 40 items');
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll<HTMLImageElement>('main .card img'))
        .slice(0, 8)
        .every((i) => i.complete && i.naturalWidth > 0),
    );
    await screenshot(page, 'e2e-01-grid');

    await page.mouse.wheel(0, 20_000);
    await page.getByText(`That's all ${FIRST} items.`).waitFor({ timeout: 15_000 });
    assert.equal(await cards(page).count(), FIRST);
    const img = cards(page).first().locator('img');
    assert.ok(((await img.getAttribute('alt')) ?? '').length > 0, 'thumbnails have alt text');
  });

  it('filters by label', async () => {
    const { page } = session;
    const label = firstRows[0]!.label;
    const expected = firstRows.filter((r) => r.label === label).length;
    await page
      .getByRole('navigation', { name: 'Filter by label' })
      .getByRole('link', { name: new RegExp(`^${label}\\b`) })
      .click();
    await page.getByRole('heading', { name: label, level: 1 }).waitFor();
    await page.waitForFunction((n) => document.querySelectorAll('main .masonry .card').length === n, expected);
    await page.getByRole('navigation', { name: 'Filter by label' }).getByRole('link', { name: /^All/ }).click();
    await page.getByRole('heading', { name: 'Discover', level: 1 }).waitFor();
  });

  it('opens an item with its details and more like this', async () => {
    const { page } = session;
    const first = cards(page).first();
    const id = await first.getAttribute('data-item-id');
    assert.ok(id);
    await first.focus();
    await page.keyboard.press('Enter'); // cards are links: the keyboard opens them
    await page.waitForURL(`**/item/${id}`);
    const row = firstRows.find((r) => r.id === id)!;
    await page.getByRole('heading', { name: row.label, level: 1 }).waitFor();
    await page.getByRole('img', { name: row.label }).first().waitFor();
    await page.getByText(row.group).first().waitFor();

    const similar = page.locator('.similar-column .card');
    await similar.first().waitFor({ timeout: 20_000 });
    assert.ok((await similar.count()) >= 5, 'several neighbours');
    const ids = await similar.evaluateAll((els) => els.map((e) => e.getAttribute('data-item-id')));
    assert.ok(!ids.includes(id), 'an item is not its own neighbour');
    assert.ok(ids.every((x) => firstRows.some((r) => r.id === x)));
    // One version only: one column and a note on how to get a second.
    assert.equal(await page.locator('.similar-column').count(), 1);
    await page.getByText('Only one embedding version exists').waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'e2e-02-item', { fullPage: true });

    await page.getByRole('button', { name: 'Back' }).click();
    await page.getByRole('heading', { name: 'Discover', level: 1 }).waitFor();
  });

  it('searches by photo from the file picker', async () => {
    const { page } = session;
    const query = firstRows[7]!;
    await page.locator('#image-search-input').setInputFiles(query.image);
    await page.waitForURL('**/search?by=image');
    await page.getByRole('heading', { name: 'Visually similar', level: 1 }).waitFor();
    const results = cards(page);
    await results.first().waitFor({ timeout: 30_000 });
    assert.ok((await results.count()) >= 10);
    assert.equal(await results.first().getAttribute('data-item-id'), query.id, 'the photo finds its own item first');
    const top = Number(await results.first().locator('.card-score').textContent());
    assert.ok(top > 0.99, `top score ${top}`);
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll<HTMLImageElement>('main .card img'))
        .slice(0, 6)
        .every((i) => i.complete),
    );
    await screenshot(page, 'e2e-03-image-search');
  });

  it('explains that text search needs a trained version while only generic exists', async () => {
    const { page } = session;
    const probe = await fetch(`${run.server.url}/api/search?q=shirt&k=3`);
    assert.equal(probe.status, 409, 'generic MobileNet features cannot embed words');
    await page.getByRole('searchbox', { name: 'Search the catalogue' }).fill('shirt');
    await page.keyboard.press('Enter');
    await page.waitForURL('**/search?q=shirt');
    await page.getByRole('heading', { name: 'Text search needs a trained version' }).waitFor();
    await page
      .getByText(/loupe train/)
      .first()
      .waitFor();
    await screenshot(page, 'e2e-04-text-search-untrained');
  });

  it('streams a running ingest into the live panel and the grid, without a reload', async (t) => {
    const { page } = session;
    await page.getByRole('link', { name: 'Discover' }).click();
    await page.getByRole('heading', { name: 'Discover', level: 1 }).waitFor();
    await page.mouse.wheel(0, 20_000);
    await page.getByText(`That's all ${FIRST} items.`).waitFor({ timeout: 15_000 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.evaluate(() => ((window as unknown as { __loupeMarker: number }).__loupeMarker = 42)); // survives only without a reload

    const panel = page.getByTestId('live-panel');
    // Record every state the job rows pass through, however fast the job runs.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { __loupeJobStates: string[] }).__loupeJobStates = seen;
      new MutationObserver(() => {
        for (const row of document.querySelectorAll('[data-testid="live-panel"] [data-job]')) {
          const bar = row.querySelector('[role="progressbar"]');
          seen.push(`${row.getAttribute('data-job')}:${row.getAttribute('data-status')}:${bar?.getAttribute('aria-valuenow') ?? '-'}/${bar?.getAttribute('aria-valuemax') ?? '-'}`);
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    const cat = writeCatalogue(catDir, 'second.csv', secondRows);
    const published: number[] = [];
    const unsubscribe = run.services.live.subscribe((e) => {
      if (e.type === 'progress' && e.job === 'encode') published.push(e.done);
    });
    const job = runMainJob(run.services, cat);
    // The panel opens by itself when work starts and shows a progress bar per job.
    const encodeRow = panel.locator('[data-job="encode"]');
    await panel.locator('[data-status="running"]').first().waitFor({ timeout: 20_000 });
    try {
      await panel
        .locator('[data-job="encode"][data-status="running"] .job-count')
        .filter({ hasText: ` / ${SECOND}` })
        .waitFor({ timeout: 15_000 });
    } catch {
      /* a very fast machine can finish before a mid-way frame: the recorded states below still tell */
    }
    await screenshot(page, 'e2e-05-live-panel');
    await panel.locator('[data-job="ingest"]').waitFor({ timeout: 20_000 });
    await panel.getByRole('progressbar', { name: 'Ingest progress' }).waitFor();
    const result = await job;
    assert.equal(result.ingest.ingested, SECOND);
    await encodeRow.and(page.locator('[data-status="done"]')).waitFor({ timeout: 20_000 });
    await encodeRow.getByText(`${SECOND} / ${SECOND}`).waitFor();
    const states = [...new Set(await page.evaluate(() => (window as unknown as { __loupeJobStates: string[] }).__loupeJobStates))];
    t.diagnostic(`job states shown: ${states.join(' ')}`);
    assert.ok(
      states.some((x) => x.startsWith('ingest:running')),
      'ingest shown while running',
    );
    assert.ok(
      states.some((x) => x.startsWith('encode:running')),
      'encode shown while running',
    );
    assert.ok(states.includes(`encode:done:${SECOND}/${SECOND}`), 'encode shown done');
    unsubscribe();
    // Part-way progress is streamed; whether a frame catches it mid-way depends on timing.
    assert.ok(
      published.some((n) => n > 0 && n < SECOND),
      `encode progress streamed part-way (${published.join(',')})`,
    );

    // New items arrive in the open grid, marked as new.
    await page.waitForFunction((n) => document.querySelectorAll('main .masonry .card').length === n, FIRST + SECOND, { timeout: 20_000 });
    const shown = new Set(await cards(page).evaluateAll((els) => els.map((e) => e.getAttribute('data-item-id'))));
    for (const r of secondRows) assert.ok(shown.has(r.id), `new item ${r.id} in the grid`);
    assert.ok((await page.locator('main .card-new').count()) >= 1, 'new items are highlighted');
    assert.equal(await page.evaluate(() => (window as unknown as { __loupeMarker?: number }).__loupeMarker), 42, 'no page reload');
    await page
      .getByText(`${FIRST + SECOND} items`)
      .first()
      .waitFor();
    await screenshot(page, 'e2e-06-live-done');

    // And the new items are searchable right away.
    const res = (await (await fetch(`${run.server.url}/api/items/${secondRows[0]!.id}/similar?k=3`)).json()) as { items: unknown[] };
    assert.equal(res.items.length, 3);
  });

  it('trained version: tags, two versions side by side, text search, a real feed and the eval dashboard', async () => {
    const base = run.server.url;
    // Everything below is real: a version trained on this catalogue and events posted over the API.
    const trained = await trainVersion(run.services.db, run.services.paths, run.services.indexes, { name: 'mine', seed: 1 });
    assert.equal(trained.items.projected, FIRST + SECOND);
    const item = firstRows[3]!;
    const saved = firstRows.filter((r) => r.label === item.label).slice(0, 3);
    const events = [...saved, firstRows[0]!].map((r, i) => ({ user: 'alice', item: r.id, action: 'save', ts: new Date(Date.UTC(2026, 0, 1 + i)).toISOString() }));
    const posted = await fetch(`${base}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ events }),
    });
    assert.equal(posted.status, 200, await posted.clone().text());

    const page = await session.context.newPage();
    page.on('pageerror', (err) => session.problems.push(`pageerror: ${err.message}`));
    try {
      await page.goto(`/item/${item.id}`);
      await page.getByRole('heading', { name: item.label, level: 1 }).waitFor();
      await page.getByRole('heading', { name: /Suggested tags/ }).waitFor();
      await page.locator('.similar-column').nth(1).locator('.card').first().waitFor({ timeout: 20_000 });
      assert.equal(await page.locator('.similar-column').count(), 2, 'two versions side by side');
      await page.getByLabel('Version for column 2').waitFor();
      await screenshot(page, 'e2e-08-compare-versions', { fullPage: true });

      await page.getByRole('searchbox', { name: 'Search the catalogue' }).fill(item.label.toLowerCase());
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: /Results for/ }).waitFor();
      await cards(page).first().waitFor({ timeout: 20_000 });
      const found = await cards(page).evaluateAll((els) => els.slice(0, 5).map((e) => e.getAttribute('data-item-id')));
      const labelOf = new Map([...firstRows, ...secondRows].map((r) => [r.id, r.label]));
      assert.ok(found.filter((id) => labelOf.get(id!) === item.label).length >= 2, `text search for "${item.label}" finds ${item.label} items`);

      await page.getByRole('link', { name: 'For you' }).click();
      await page.getByLabel('User').waitFor();
      await page.waitForURL(/\/feed\/alice$/);
      await cards(page).first().waitFor({ timeout: 20_000 });
      await page.locator('.card-why').first().waitFor();
      const feedIds = await cards(page).evaluateAll((els) => els.map((e) => e.getAttribute('data-item-id')));
      for (const e of events) assert.ok(!feedIds.includes(e.item), 'engaged items are not fed back');
      await page.waitForFunction(() =>
        Array.from(document.querySelectorAll<HTMLImageElement>('main .card img'))
          .slice(0, 6)
          .every((i) => i.complete),
      );
      await screenshot(page, 'e2e-09-feed');

      await page.getByRole('link', { name: 'Evaluation' }).click();
      await page.getByRole('heading', { name: 'Evaluation', level: 1 }).waitFor();
      await page.locator('.metrics-table:not(.feed-table)').waitFor({ timeout: 60_000 });
      await page.locator('.chart canvas').first().waitFor({ timeout: 60_000 });
      assert.ok((await page.locator('.chart canvas').count()) >= 1, 'eval metrics charted');
      const rowNames = await page.locator('.metrics-table tbody th').allInnerTexts();
      assert.ok(rowNames.includes('same-label recall@10'), 'metrics are named in words');
      assert.ok(!rowNames.some((n) => /^retrieval\.|\.(recall|map|ndcg)$/.test(n)), `no raw metric keys: ${rowNames.join(', ')}`);
      // Where overall recall sits below both parts (their candidate pools are smaller), the page says why.
      type Side = { retrieval: Record<string, { recall: number } | null> };
      type Sides = { generic: Side; trained: Side };
      const evalReport = (await (await fetch(`${base}/api/eval`)).json()) as { versions: (Sides & { parts?: Record<string, Sides | null> })[] };
      const below = evalReport.versions.some((v) =>
        (['generic', 'trained'] as const).some((side) =>
          ['label', 'group'].some((kind) => {
            const [all, a, b] = [v[side].retrieval[kind], v.parts?.newItems?.[side].retrieval[kind], v.parts?.newGroups?.[side].retrieval[kind]];
            return all && a && b && all.recall < Math.min(a.recall, b.recall);
          }),
        ),
      );
      assert.equal(await page.getByTestId('pool-note').count(), below ? 1 : 0, 'the candidate-pool note shows exactly when overall is below both parts');
      // Feeds: every method beside the anchors a shop could install instead, on held-out events.
      await page.locator('.feed-table').waitFor({ timeout: 120_000 });
      for (const method of ['popular', 'ease', 'als', 'cooc', 'blend']) assert.equal(await page.locator('.feed-table th[scope=row]', { hasText: new RegExp(`^${method} `) }).count(), 1, method);
      // The split's two parts (new items in known groups, whole new groups) get their own charts.
      for (const part of ['new items in known groups', 'whole new groups']) {
        assert.equal(await page.locator('figcaption', { hasText: new RegExp(`^${part}$`) }).count(), 1, `a chart for ${part}`);
      }
      await page.waitForTimeout(400); // let the bars finish growing
      await screenshot(page, 'e2e-10-eval');
    } finally {
      await page.close();
    }
  });

  it('versions page: generic and the trained version side by side; promote with the API key', async () => {
    const base = run.server.url;
    const post = (path: string, key?: string) => fetch(`${base}${path}`, { method: 'POST', headers: key ? { authorization: `Bearer ${key}` } : {} });
    assert.equal((await post('/api/versions/mine/promote')).status, 401, 'promote needs the API key');
    assert.equal((await post('/api/versions/nope/promote', API_KEY)).status, 404);
    assert.equal((await post('/api/versions/generic/retire', API_KEY)).status, 409, 'the served version cannot be retired');
    const doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as { paths: Record<string, { post?: { security?: unknown[] } }> };
    for (const verb of ['promote', 'retire']) assert.ok(doc.paths[`/api/versions/{name}/${verb}`]?.post?.security, `${verb} is documented, behind the API key`);

    const page = await session.context.newPage();
    page.on('pageerror', (err) => session.problems.push(`pageerror: ${err.message}`));
    try {
      await page.goto('/');
      await page.getByRole('link', { name: 'Versions' }).click();
      await page.getByRole('heading', { name: 'Versions', level: 1 }).waitFor();
      const table = page.locator('.versions-table');
      await table.waitFor();
      assert.deepEqual(await table.locator('thead th[data-version]').evaluateAll((els) => els.map((e) => e.getAttribute('data-version'))), ['generic', 'mine']);
      assert.match((await table.locator('thead th[data-version="generic"]').textContent()) ?? '', /served/);
      assert.match((await table.textContent()) ?? '', /same-label recall@10/, 'lifts are named in words');
      assert.match((await page.getByTestId('train-command').textContent()) ?? '', /^loupe train --name \S+$/);

      const promote = table.locator('tbody tr').last().locator('td').nth(1).getByRole('button', { name: 'Promote' });
      await promote.click();
      await page
        .getByTestId('versions-message')
        .filter({ hasText: /API key/ })
        .waitFor();
      await page.getByLabel('API key').fill(API_KEY);
      await promote.click();
      await page.getByTestId('versions-message').filter({ hasText: 'Now serving mine' }).waitFor();
      await table.locator('thead th[data-version="mine"]', { hasText: 'served' }).waitFor();
      await page.locator('footer', { hasText: 'serving mine' }).waitFor();
      await screenshot(page, 'e2e-11-versions', { fullPage: true });
      const health = (await (await fetch(`${base}/api/health`)).json()) as { version: string };
      assert.equal(health.version, 'mine');
      assert.equal((await post('/api/versions/mine/retire', API_KEY)).status, 409);
    } finally {
      await page.close();
      await post('/api/versions/generic/promote', API_KEY);
    }
    // Once another version serves, it can be retired, and a retired version cannot be promoted again.
    assert.equal((await post('/api/versions/mine/retire', API_KEY)).status, 200);
    assert.equal((await post('/api/versions/mine/promote', API_KEY)).status, 409);
    const listed = (await (await fetch(`${base}/api/versions`)).json()) as { versions: { name: string; status: string }[] };
    assert.equal(listed.versions.find((v) => v.name === 'mine')?.status, 'retired');
  });

  it('degrades gracefully where routes are missing, and works on a phone', async () => {
    const { page } = session;
    await page.getByRole('link', { name: 'Evaluation' }).click();
    await page.getByRole('heading', { name: 'Evaluation', level: 1 }).waitFor();
    await page.locator('.empty-state, .chart, .metrics-table').first().waitFor();
    await page.getByRole('link', { name: 'For you' }).click();
    await page.getByRole('heading', { name: 'For you', level: 1 }).waitFor();
    await page.locator('.empty-state, #user-picker').first().waitFor();

    const phone = await session.browser.newContext({ baseURL: run.server.url, viewport: { width: 390, height: 844 }, reducedMotion: 'reduce' });
    try {
      const p = await phone.newPage();
      await p.goto('/');
      await cards(p).first().waitFor();
      const box = await cards(p).first().boundingBox();
      assert.ok(box && box.width > 120 && box.width < 200, `two columns on a phone (card ${box?.width}px wide)`);
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `nothing wider than the phone's screen (${overflow}px over)`);
      await p.getByRole('link', { name: 'Quality' }).scrollIntoViewIfNeeded();
      assert.ok(await p.getByRole('link', { name: 'Quality' }).isVisible(), 'the last nav section is reachable by scrolling the nav');
      await p.waitForFunction(() =>
        Array.from(document.querySelectorAll<HTMLImageElement>('main .card img'))
          .slice(0, 4)
          .every((i) => i.complete),
      );
      await screenshot(p, 'e2e-07-phone');
    } finally {
      await phone.close();
    }
    assert.deepEqual(
      session.problems.filter((p) => p.startsWith('pageerror')),
      [],
      'no uncaught errors in the page',
    );
  });
});
