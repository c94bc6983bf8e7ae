import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { apiCost, computeUsd, imageTokens, loadPriceTable, meanApiCost, ownCost, percentile, type ApiPrice } from '../../src/report/cost.js';
import { startServer } from '../../src/server/runtime.js';
import { useFreshDatabase } from '../helpers/backend.js';
import { clearScreenshots, openPage, screenshot } from '../helpers/browser.js';
import { loupe, loupeJson } from '../helpers/cli.js';
import { sampleRows, tempDir } from '../helpers/tmp.js';

await useFreshDatabase();

const prices = loadPriceTable();
const api = (id: string): ApiPrice => prices.apis.find((a) => a.id === id)!;

test("the shipped price table is dated, sourced and carries the issue's list prices", () => {
  assert.match(prices.as_of, /^\d{4}-\d{2}-\d{2}$/);
  for (const a of prices.apis) assert.ok(a.sources.length > 0 && a.sources.every((u) => u.startsWith('https://')), `${a.id} cites its source`);
  assert.deepEqual(
    prices.apis.map((a) => [a.id, a.input_usd_per_mtok, a.output_usd_per_mtok]),
    [
      ['gpt-4o', 2.5, 10],
      ['gemini-2.5-flash', 0.3, 2.5],
      ['claude-sonnet', 3, 15],
    ],
  );
});

test('GPT-4o tokens: fit in 2048, shortest side to 768, 85 + 170 per 512-px tile (hand-computed)', () => {
  const rule = api('gpt-4o').rule;
  assert.equal(imageTokens(rule, 1024, 1024), 85 + 170 * 4); // -> 768x768, 2x2 tiles (OpenAI's own example: 765)
  assert.equal(imageTokens(rule, 2048, 4096), 85 + 170 * 6); // -> 1024x2048 -> 768x1536, 2x3 tiles (OpenAI's example: 1105)
  assert.equal(imageTokens(rule, 400, 533), 85 + 170 * 2); // small: no resize, 1x2 tiles
  assert.equal(imageTokens(rule, 4000, 3000), 85 + 170 * 4); // -> 2048x1536 -> 1024x768, 2x2 tiles
});

test('Gemini 2.5 Flash tokens: 258 up to 384 px both sides, else 258 per 768-px tile (hand-computed)', () => {
  const rule = api('gemini-2.5-flash').rule;
  assert.equal(imageTokens(rule, 384, 384), 258);
  assert.equal(imageTokens(rule, 385, 100), 258); // one 768 tile
  assert.equal(imageTokens(rule, 1000, 2000), 258 * 6); // 2 x 3 tiles
});

test('Claude Sonnet tokens: w x h / 750 after fitting a 1568-px long edge, capped at 1600 (hand-computed)', () => {
  const rule = api('claude-sonnet').rule;
  assert.equal(imageTokens(rule, 1000, 1000), 1334); // 1,000,000 / 750 = 1333.3 -> 1334
  assert.equal(imageTokens(rule, 400, 533), 285); // 213,200 / 750 = 284.3 -> 285
  assert.equal(imageTokens(rule, 3136, 1568), 1600); // -> 1568x784 = 1639.1 tokens, over the cap
  assert.throws(() => imageTokens(rule, 0, 10));
});

test('cost per request, per 1,000 requests and per 1M images; own compute from CPU-seconds', () => {
  const c = apiCost(api('gpt-4o'), 1024, 1024, 50);
  assert.ok(Math.abs(c.usdPerRequest - (765 * 2.5 + 50 * 10) / 1e6) < 1e-12);
  assert.ok(Math.abs(c.usdPer1kRequests - 2.4125) < 1e-9);
  assert.ok(Math.abs(c.usdPer1MImages - 2412.5) < 1e-6);
  const g = meanApiCost(
    api('gemini-2.5-flash'),
    [
      { width: 300, height: 300 },
      { width: 1000, height: 2000 },
    ],
    0,
  );
  assert.ok(Math.abs(g.usdPerRequest - ((258 + 1548) / 2) * 0.3e-6) < 1e-12, "mean over the catalogue's sizes");
  const weighted = meanApiCost(
    api('gemini-2.5-flash'),
    [
      { width: 300, height: 300, count: 3 },
      { width: 1000, height: 2000, count: 1 },
    ],
    0,
  );
  assert.ok(Math.abs(weighted.usdPerRequest - ((3 * 258 + 1548) / 4) * 0.3e-6) < 1e-12, 'sizes weighted by how many images have them');
  assert.equal(computeUsd(3600, 0.04), 0.04);
  const own = ownCost({ precomputedPerRequest: 0.0001, requestTimePerRequest: 0.05, encodePerImage: 0.036 }, 0.04);
  assert.ok(Math.abs(own.precomputedUsdPer1kRequests - (0.1 / 3600) * 0.04) < 1e-15);
  assert.ok(Math.abs(own.encodeUsdPer1MImages - 0.4) < 1e-9); // 36,000 CPU-s = 10 vCPU-hours
  assert.equal(percentile([5, 1, 4, 2, 3], 50), 3);
  assert.equal(percentile([5, 1, 4, 2, 3], 99), 5);
});

test('a price table override must validate', () => {
  const dir = tempDir('prices');
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, JSON.stringify({ ...prices, as_of: 'soon' }));
  assert.throws(() => loadPriceTable(bad), /as_of/);
  const good = path.join(dir, 'good.json');
  fs.writeFileSync(good, JSON.stringify({ ...prices, vcpu_hour_usd: 0.1 }));
  assert.equal(loadPriceTable(good).vcpu_hour_usd, 0.1);
});

/** Resolves `a.b.0.c` in an object. */
function at(obj: unknown, p: string): unknown {
  return p.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);
}

interface Report {
  generatedAt: string;
  headline: { accuracyLift: { version: string; metric: string; relativeLift: number; served: boolean } | null; costSaving: number; costRatio: number; latencyRatioP50: number };
  accuracy: {
    versions: { name: string; rows: { metric: string; generic: number; genericCentred: number; trained: number; relativeLift: number }[]; headline: { metric: string; relativeLift: number } | null }[];
  };
  latency: { precomputed: { p50Ms: number; p99Ms: number; requests: number }; requestTime: { p50Ms: number; p99Ms: number; cpuSecondsPerRequest: number } };
  detection: { photos: number; p50Ms: number; p99Ms: number; loadMs: number; objectsPerPhoto: number } | null;
  cost: { own: { precomputedUsdPer1kRequests: number; requestTimeUsdPer1kRequests: number }; apis: { id: string; usdPer1kRequests: number }[] };
  prices: { asOf: string; vcpuHourUsd: number };
  backbones: { version: string; trained: boolean; value: number; modelBytes: number }[];
  quality: { counts: Record<string, number> } | null;
}

const work = tempDir('report');
const data = path.join(work, 'data');
let server: Awaited<ReturnType<typeof startServer>> | undefined;
let cliReport: Report | undefined;
after(async () => server?.stop());

test("loupe report on the sample: HTML, valid SVG and PNG charts, and --json numbers equal the page's", async () => {
  const rows = sampleRows().filter((_, i) => i % 2 === 0);
  fs.mkdirSync(path.join(work, 'images'), { recursive: true });
  for (const r of rows) fs.copyFileSync(r.image, path.join(work, 'images', path.basename(r.image)));
  const csv = path.join(work, 'items.csv');
  fs.writeFileSync(csv, ['id,image,labels,groups', ...rows.map((r) => `${r.id},images/${path.basename(r.image)},${r.label},${r.group}`)].join('\n') + '\n');
  loupeJson(['ingest', csv, '--data', data]);
  loupeJson(['encode', '--data', data]);
  const untrained = loupe(['eval', '--data', data]);
  assert.equal(untrained.code, 0, untrained.stderr);
  assert.doesNotMatch(untrained.stdout, /NaN/, 'eval before training prints no NaN rows');
  loupeJson(['train', '--name', 'mine', '--seed', '3', '--data', data]);

  assert.equal(loupe(['report', '--data', data]).code, 2, 'neither --out nor --json is a usage error');
  const out = path.join(work, 'out');
  const r = loupeJson<Report>(['report', '--out', out, '--sample', '12', '--vcpu-hour-usd', '0.08', '--data', data]);

  cliReport = r;
  // Accuracy: the version vs generic raw and mean-centred, lift = trained / the better of the two - 1; the headline is the table's first row,
  // of the served version when it is trained (generic is served here, so the newest trained one, marked so).
  const v = r.accuracy.versions.find((x) => x.name === 'mine')!;
  for (const row of v.rows) {
    const best = Math.max(row.generic, row.genericCentred);
    if (best > 0) assert.ok(Math.abs(row.relativeLift - (row.trained / best - 1)) < 1e-9);
  }
  assert.equal(v.rows[0]!.metric, 'label.recall@10');
  assert.deepEqual(v.headline, v.rows[0]);
  assert.deepEqual(r.headline.accuracyLift, { version: 'mine', metric: v.rows[0]!.metric, relativeLift: v.rows[0]!.relativeLift, served: false });
  // Latency and cost are measured in this run; the override price is applied.
  assert.equal(r.latency.precomputed.requests, 12 * 5);
  assert.ok(r.latency.precomputed.p50Ms > 0 && r.latency.precomputed.p50Ms <= r.latency.precomputed.p99Ms);
  assert.ok(r.latency.requestTime.p50Ms > 0 && r.latency.requestTime.p50Ms <= r.latency.requestTime.p99Ms);
  // Shop the look: detection per photo on a few sampled photos, the model load timed apart.
  const d = r.detection!;
  assert.ok(d && d.photos > 0 && d.photos <= 8, `detection measured on ${d?.photos} photos`);
  assert.ok(Number.isFinite(d.p99Ms) && d.p50Ms > 0 && d.p50Ms <= d.p99Ms && d.loadMs > 0 && d.objectsPerPhoto >= 0);
  assert.equal(r.prices.vcpuHourUsd, 0.08);
  assert.ok(Math.abs(r.cost.own.requestTimeUsdPer1kRequests - ((r.latency.requestTime.cpuSecondsPerRequest * 1000) / 3600) * 0.08) < 1e-12);
  assert.deepEqual(
    r.cost.apis.map((a) => a.id),
    ['gpt-4o', 'gemini-2.5-flash', 'claude-sonnet'],
  );
  const cheapest = Math.min(...r.cost.apis.map((a) => a.usdPer1kRequests));
  assert.ok(Math.abs(r.headline.costRatio - cheapest / r.cost.own.precomputedUsdPer1kRequests) < 1e-6 * r.headline.costRatio);
  // Backbones: generic alone and with the trained version on top, same model file.
  const [alone, trained] = [r.backbones.find((b) => !b.trained)!, r.backbones.find((b) => b.trained)!];
  assert.equal(trained.version, 'mine');
  assert.ok(alone.modelBytes > 1e6 && alone.modelBytes === trained.modelBytes);
  assert.ok(r.quality && Number.isInteger(r.quality.counts.mislabelled));

  // Every number the page prints is the JSON's number.
  const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
  const json = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as Report;
  assert.deepEqual(json.headline, r.headline);
  const nums = [...html.matchAll(/data-num="([^"]+)">([^<]+)</g)];
  assert.ok(nums.length > 30, `${nums.length} tagged numbers`);
  for (const [, p, text] of nums) {
    const value = Number(at(r, p!));
    const scaled = p!.endsWith('modelBytes') ? value / 1e6 : value;
    assert.equal(Number(text), Number(scaled.toPrecision(p === 'headline.costRatio' ? 3 : 4)), `${p} printed as ${text}`);
  }
  const pcts = [...html.matchAll(/data-pct="([^"]+)">([^<]+)</g)];
  for (const [, p, text] of pcts) {
    // A lift over a generic score of 0 is NaN (null in JSON): the page prints a dash.
    const raw = at(r, p!);
    const value = raw === null || raw === undefined ? NaN : Number(raw);
    assert.equal(text, Number.isFinite(value) ? `${value >= 0 ? '+' : '−'}${Math.abs(value * 100).toFixed(0)}%` : '–', p);
  }
  assert.match(html, new RegExp(`Prices as of <b>${r.prices.asOf}</b>`));
  assert.match(html, /Shop the look: detecting objects in an uploaded photo p50 <span data-num="detection.p50Ms">/);

  for (const name of ['accuracy', 'latency', 'cost-requests', 'cost-catalogue', 'backbones', 'labels']) {
    const svg = fs.readFileSync(path.join(out, 'charts', `${name}.svg`), 'utf8');
    assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.ok(html.includes(`id="chart-${name}"`), `${name} is inline in the page`);
    const meta = await sharp(path.join(out, 'charts', `${name}.png`)).metadata();
    assert.equal(meta.format, 'png');
    assert.ok(meta.width! > 200 && meta.height! > 50);
  }
});

test('the API serves the report, its charts, the quality findings and the fix list', async () => {
  server = await startServer({ dataDir: data, dbUrl: process.env.LOUPE_DB, port: 0, host: '127.0.0.1', apiKey: undefined, uploadBytes: 2_000_000 });
  const base = server.server.url;
  const q = await fetch(`${base}/api/quality?k=8`);
  assert.equal(q.status, 200);
  const quality = (await q.json()) as { k: number; items: number; counts: Record<string, number> };
  assert.equal(quality.k, 8);
  assert.ok(quality.items > 100);
  assert.equal((await fetch(`${base}/api/quality?k=0`)).status, 400);
  const csv = await fetch(`${base}/api/quality/fixes.csv?k=8`);
  assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
  assert.match(await csv.text(), /^id,action,labels,finding,confidence,current_labels,detail\n/);

  const rep = await fetch(`${base}/api/report`);
  assert.equal(rep.status, 200);
  const report = (await rep.json()) as Report;
  // The page quotes the run `loupe report` made on this same data, not a second measurement.
  assert.equal(report.generatedAt, cliReport!.generatedAt);
  assert.deepEqual(report.headline, cliReport!.headline);
  assert.ok(report.latency.requestTime.p50Ms > 0);
  assert.deepEqual(report.detection, cliReport!.detection);
  assert.equal(report.accuracy.versions[0]!.name, 'mine');
  const svg = await fetch(`${base}/api/report/charts/latency.svg`);
  assert.equal(svg.headers.get('content-type'), 'image/svg+xml');
  assert.match(await svg.text(), /^<svg/);
  assert.equal((await fetch(`${base}/api/report/charts/nope.svg`)).status, 404);
});

test('the Report and Quality pages show the same numbers, charts and thumbnails in a browser', async () => {
  const base = server!.server.url;
  const quality = (await (await fetch(`${base}/api/quality`)).json()) as { counts: { mislabelled: number; exactDuplicateClusters: number }; mislabelled: { id: string }[] };
  const report = (await (await fetch(`${base}/api/report`)).json()) as Report;
  clearScreenshots('report-');
  const s = await openPage(base);
  try {
    await s.page.goto('/quality');
    const counts = s.page.getByTestId('quality-counts');
    await counts.waitFor({ timeout: 120_000 });
    assert.match(await counts.innerText(), new RegExp(`Likely mislabelled\\s+${quality.counts.mislabelled}\\b`));
    if (quality.mislabelled.length) {
      const img = s.page.getByRole('img', { name: quality.mislabelled[0]!.id }).first();
      await img.waitFor();
      assert.ok(await img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0), 'thumbnail loads');
    }
    await screenshot(s.page, 'report-quality-page');
    await s.page.getByRole('link', { name: 'Report', exact: true }).click();
    const headline = s.page.getByTestId('proof-headline');
    await headline.waitFor({ timeout: 300_000 });
    const lift = report.headline.accuracyLift!.relativeLift;
    const said = await headline.innerText();
    assert.ok(said.includes(`${lift >= 0 ? '+' : '−'}${Math.abs(lift * 100).toFixed(0)}%`), 'the lift with its sign');
    assert.match(said, /same-label recall@10, mine vs the better of generic and mean-centred generic, not served/);
    assert.ok(said.includes(`${Number(report.headline.costRatio.toPrecision(3))}×`), "the CLI run's cost ratio");
    const table = s.page.locator('.metrics-table').first();
    assert.equal(await table.locator('tbody th').first().innerText(), 'same-label recall@10', 'the table lists the headline metric first, in words');
    const centred = report.accuracy.versions[0]!.rows[0]!.genericCentred;
    assert.equal(await table.locator('tbody tr').first().locator('td').nth(1).innerText(), String(Number(centred.toPrecision(3))), 'the mean-centred baseline beside the raw one');
    const detection = await s.page.getByTestId('proof-detection').innerText();
    const d = report.detection!;
    assert.ok(
      detection.includes(`p50 ${Number(d.p50Ms.toPrecision(3))} ms, p99 ${Number(d.p99Ms.toPrecision(3))} ms over ${d.photos} photos (model load ${Number(d.loadMs.toPrecision(3))} ms)`),
      detection,
    );
    assert.doesNotMatch(await s.page.locator('main').innerText(), /`/, 'no raw backticks');
    const chart = s.page.getByRole('img', { name: 'More like this latency' });
    await chart.scrollIntoViewIfNeeded();
    await s.page.waitForFunction(() => [...document.querySelectorAll('img.proof-chart')].some((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0));
    await screenshot(s.page, 'report-proof-page', { fullPage: true });
    assert.deepEqual(s.problems, []);
  } finally {
    await s.close();
  }
});
