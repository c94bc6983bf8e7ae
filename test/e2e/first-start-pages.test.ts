/**
 * What `npm start` leaves behind, with no other command (issue #21's "done when"): the main job on
 * the bundled sample and its events file, exactly as `loupe demo` runs it, then the API answers
 * every headline question and every screen in a real Chromium, at desktop and phone size, shows
 * content: no empty state, no console error, nothing scrolling sideways.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { completeFirstStart, FIRST_VERSION } from '../../src/app/first-start.js';
import { runMainJob } from '../../src/app/main-job.js';
import { startServer } from '../../src/server/runtime.js';
import { openPage, screenshot, type BrowserSession } from '../helpers/browser.js';
import { useFreshDatabase } from '../helpers/backend.js';
import { appScreens } from '../helpers/screens.js';
import { REPO, SAMPLE_CSV, tempDir } from '../helpers/tmp.js';

await useFreshDatabase();

const SAMPLE = SAMPLE_CSV;
const SIZES = [
  ['desktop', { width: 1360, height: 900 }],
  ['phone', { width: 390, height: 844 }],
] as const;

describe('after npm start: every page populated (Chromium, desktop and phone)', { timeout: 1_100_000 }, () => {
  let run: Awaited<ReturnType<typeof startServer>>;
  let base: string;
  const get = async <T>(p: string): Promise<T> => {
    const res = await fetch(`${base}${p}`);
    assert.equal(res.status, 200, `${p}: ${res.status}`);
    return (await res.json()) as T;
  };

  before(async () => {
    assert.ok(fs.existsSync(path.join(REPO, 'web/dist/index.html')), 'the web UI is not built: run `npm run build` first');
    run = await startServer({ dataDir: tempDir('first-pages'), dbUrl: undefined, port: 0, host: '127.0.0.1', apiKey: undefined });
    base = run.server.url;
    await runMainJob(run.services, SAMPLE);
    const first = await completeFirstStart(run.services, { eventsFile: path.join(path.dirname(SAMPLE), 'events.csv') });
    assert.ok(first.events && first.events.imported > 0, 'the sample behaviour is imported');
  });

  after(async () => {
    await run?.stop();
  });

  it('the API answers: text search finds dresses, shoppers have feeds with reasons, eval and report show the trained version vs generic', async () => {
    const search = await get<{ items: { id: string; labels?: string[] }[] }>('/api/search?q=dress&k=10');
    assert.ok(search.items.length > 0, 'text search answers');
    const labels = await Promise.all(search.items.slice(0, 5).map((i) => get<{ labels: string[] }>(`/api/items/${encodeURIComponent(i.id)}`)));
    const dresses = labels.filter((x) => x.labels.some((l) => /dress/i.test(l))).length;
    assert.ok(dresses >= 3, `most of the top 5 are dresses (${dresses})`);

    const users = await get<{ users: { id: string }[] }>('/api/users');
    assert.ok(users.users.length >= 10, 'sample shoppers are listed');
    for (const u of users.users.slice(0, 3)) {
      const feed = await get<{ items: { id: string; why: string }[] }>(`/api/users/${encodeURIComponent(u.id)}/feed?k=10`);
      assert.equal(feed.items.length, 10);
      assert.ok(
        feed.items.every((i) => i.why.length > 0),
        'each pick has a reason',
      );
    }

    const evalReport = await get<{ versions: { name: string; base: string }[] }>('/api/eval');
    assert.ok(
      evalReport.versions.some((v) => v.name === FIRST_VERSION && v.base === 'generic'),
      'eval shows the trained version against generic',
    );
    const report = await get<{ headline: { accuracyLift: { version: string } | null } }>('/api/report');
    assert.equal(report.headline.accuracyLift?.version, FIRST_VERSION, 'the report headline is the trained version vs generic');
  });

  for (const [size, viewport] of SIZES) {
    it(`every page at ${size} size (${viewport.width} x ${viewport.height}): content, no empty state, no console error, no sideways scroll`, async () => {
      const session: BrowserSession = await openPage(base, viewport);
      try {
        const { items } = await get<{ items: { id: string }[] }>('/api/items?limit=1');
        for (const { name, url, content } of appScreens(items[0]!.id)) {
          const seen = session.problems.length;
          await session.page.goto(url);
          await session.page.locator(content).first().waitFor({ timeout: 300_000 });
          await session.page.waitForTimeout(500);
          await screenshot(session.page, `first-start-${size}-${name}`, { fullPage: true });
          assert.equal(await session.page.locator('.empty-state').count(), 0, `${name} (${size}): no empty state`);
          const { scrollWidth, innerWidth } = await session.page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
          assert.ok(scrollWidth <= innerWidth, `${name} (${size}): page is ${scrollWidth}px wide on a ${innerWidth}px screen`);
          assert.deepEqual(session.problems.slice(seen), [], `${name} (${size}): no console error`);
        }
      } finally {
        await session.close();
      }
    });
  }
});
