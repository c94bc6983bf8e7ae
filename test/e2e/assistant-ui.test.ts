/**
 * The assistant's chat panel in a real browser (Debian's Chromium via playwright-core) against a
 * real server and database: a request, a follow-up on the second card, and a photo query.
 * Needs the built UI (web/dist).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startServer } from '../../src/server/runtime.js';
import { runMainJob } from '../../src/app/main-job.js';
import { useFreshDatabase } from '../helpers/backend.js';
import { openPage, screenshot, type BrowserSession } from '../helpers/browser.js';
import { REPO, sampleRows, tempDir } from '../helpers/tmp.js';

await useFreshDatabase();

const work = tempDir('assistant-ui');
// Every 4th photo of the sample's first 200 rows: a small catalogue that still spans many labels.
const rows = sampleRows()
  .slice(0, 200)
  .filter((_, i) => i % 4 === 0);
const byId = new Map(sampleRows().map((r) => [r.id, r]));
let run: Awaited<ReturnType<typeof startServer>>;
let session: BrowserSession;

before(async () => {
  assert.ok(fs.existsSync(path.join(REPO, 'web/dist/index.html')), 'the web UI is not built: run `npm run build` first');
  run = await startServer({ dataDir: path.join(work, 'data'), dbUrl: undefined, port: 0, host: '127.0.0.1', apiKey: undefined });
  const dir = path.join(work, 'cat');
  fs.mkdirSync(path.join(dir, 'images'), { recursive: true });
  for (const r of rows) fs.copyFileSync(r.image, path.join(dir, 'images', path.basename(r.image)));
  const file = path.join(dir, 'items.csv');
  fs.writeFileSync(file, ['id,image,labels,groups', ...rows.map((r) => `${r.id},images/${path.basename(r.image)},${r.label},${r.group}`)].join('\n') + '\n');
  const result = await runMainJob(run.services, file);
  assert.equal(result.encode.encoded, rows.length);
  session = await openPage(run.server.url);
});
after(async () => {
  await session?.close();
  await run?.stop();
});

test('chat panel: cards with reasons, a follow-up on the second card, a photo query', { timeout: 180_000 }, async () => {
  const { page, problems } = session;
  await page.goto('/');
  await page.getByRole('link', { name: 'Assistant' }).click();
  await page.getByRole('heading', { name: 'Assistant' }).waitFor();
  const label = rows[0]!.label;
  const ofLabel = rows.filter((r) => r.label === label);

  await page.getByLabel('Message').fill(`show me ${label.toLowerCase()}s`);
  await page.getByRole('button', { name: 'Send' }).click();
  const replies = page.getByTestId('assistant-reply');
  const answered = async (n: number) => {
    // A slow shared machine: allow a minute, and report an error bubble instead of timing out on it.
    await page.locator('.chat-turn').nth(n).locator('.chat-assistant:not(.chat-pending)').waitFor({ timeout: 60_000 });
    const error = page.locator('.chat-turn').nth(n).locator('.chat-error');
    if (await error.count()) assert.fail(`assistant error: ${await error.innerText()}`);
  };
  await answered(0);
  const first = replies.nth(0).locator('.chat-card');
  const firstIds = await first.evaluateAll((els) => els.map((e) => e.getAttribute('data-item-id')!));
  assert.equal(firstIds.length, Math.min(12, ofLabel.length));
  assert.ok(
    firstIds.every((id) => byId.get(id)!.label === label),
    'every card has the asked label',
  );
  assert.match(await first.first().locator('.chat-card-reason').innerText(), new RegExp(`label ${label}`));
  assert.ok(
    await first
      .first()
      .locator('img')
      .getAttribute('src')
      .then((s) => s?.startsWith('/thumbs/')),
  );

  // A label has only a few photos here: ask for everything else, then follow up on its second card.
  await page.getByLabel('Message').fill(`anything but ${label.toLowerCase()}s`);
  await page.getByRole('button', { name: 'Send' }).click();
  await answered(1);
  const broad = replies.nth(1).locator('.chat-card');
  const broadIds = await broad.evaluateAll((els) => els.map((e) => e.getAttribute('data-item-id')!));
  assert.equal(broadIds.length, 12);
  assert.ok(
    broadIds.every((id) => byId.get(id)!.label !== label),
    'the negated label is left out',
  );

  await page.getByLabel('Message').fill('more like the second one');
  await page.getByRole('button', { name: 'Send' }).click();
  await answered(2);
  const second = replies.nth(2).locator('.chat-card');
  const secondIds = await second.evaluateAll((els) => els.map((e) => e.getAttribute('data-item-id')!));
  assert.equal(secondIds.length, 12);
  assert.ok(
    secondIds.every((id) => !broadIds.includes(id) && byId.get(id)!.label !== label),
    'the follow-up keeps the negation and shows new items',
  );
  assert.match(await second.first().locator('.chat-card-reason').innerText(), /like #2/);
  await screenshot(page, 'assistant-chat', { fullPage: true });

  const target = rows[rows.length - 1]!;
  await page.getByLabel('Attach a photo').setInputFiles(target.image);
  await page.getByLabel('Message').fill('something like this');
  await page.getByRole('button', { name: 'Send' }).click();
  await answered(3);
  assert.equal(await replies.nth(3).locator('.chat-card').first().getAttribute('data-item-id'), target.id, 'the photographed item comes first');
  assert.deepEqual(problems, []);
});
