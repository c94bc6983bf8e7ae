import { Hono } from 'hono';
import { z } from 'zod';
import { LoupeError } from '../../errors.js';
import { analyseQuality } from '../../app/quality.js';
import type { QualityReport } from '../../quality/quality-report.js';
import { fixListCsv } from '../../quality/fixlist.js';
import { runReport } from '../../app/report.js';
import type { ProofReport } from '../../report/proof.js';
import { renderChart, reportCharts } from '../../report/charts.js';
import { loadPriceTable } from '../../report/cost.js';
import { loadLatestReport, reportState } from '../../report/latest.js';
import type { AppServices } from '../../app/context.js';
import { parseQuery } from '../http-errors.js';
import type { RouteDoc } from '../openapi.js';
import { MAX_K } from '../../limits.js';

const ReportQuery = z.object({
  refresh: z.enum(['0', '1']).optional(),
  'vcpu-hour-usd': z.coerce.number().positive().max(1000).optional(),
  'output-tokens': z.coerce.number().int().min(0).max(1_000_000).optional(),
});
const QualityQuery = z.object({
  version: z.string().min(1).max(128).optional(),
  k: z.coerce.number().int().min(1).max(MAX_K).optional(),
  'min-class-size': z.coerce.number().int().min(1).max(1_000_000).optional(),
});
const ChartName = z.string().regex(/^[a-z-]{1,40}$/);

export const reportDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/report',
    summary: 'The latest `loupe report` run on the data as it is now (else measured on first call and kept until the catalogue or versions change; refresh=1 measures again)',
    query: ReportQuery,
    response: '{accuracy, latency, cost, backbones, quality, headline, ...}',
  },
  { method: 'get', path: '/api/report/charts/:name', summary: 'A report chart as SVG (accuracy, latency, cost-requests, cost-catalogue, backbones, labels)', response: 'image/svg+xml' },
  {
    method: 'get',
    path: '/api/quality',
    summary: 'The `loupe quality --json` findings',
    query: QualityQuery,
    response: '{counts, exactDuplicates, nearDuplicates, mislabelled, outliers, labels, fixes, ...}',
  },
  { method: 'get', path: '/api/quality/fixes.csv', summary: 'The proposed fix list as CSV (edit, then `loupe quality --apply FILE`)', query: QualityQuery, response: 'text/csv' },
];

/** What the cached answers depend on: the versions and the catalogue's size and last change. */
const stateKey = (s: AppServices) => reportState(s.db, s.counts);

export function reportRoutes(s: AppServices): Hono {
  const app = new Hono();
  let report: { key: string; value: Promise<ProofReport> } | null = null;
  const quality = new Map<string, Promise<QualityReport>>();

  const getReport = async (q: z.infer<typeof ReportQuery>): Promise<ProofReport> => {
    const state = await stateKey(s);
    const key = `${state}|${q['vcpu-hour-usd'] ?? ''}|${q['output-tokens'] ?? ''}`;
    if (!report || report.key !== key || q.refresh === '1') {
      // The latest run on this data (often `loupe report`'s) is the one to show, unless asked for other prices or a fresh run.
      const stored = q.refresh === '1' ? null : loadLatestReport(s.paths, state);
      const fits =
        stored &&
        (q['vcpu-hour-usd'] ?? stored.prices.vcpuHourUsd) === stored.prices.vcpuHourUsd &&
        (q['output-tokens'] ?? stored.prices.outputTokensPerRequest) === stored.prices.outputTokensPerRequest;
      const value = fits
        ? Promise.resolve(stored)
        : runReport(s, {
            prices: loadPriceTable(),
            pricesFile: 'src/report/prices.json',
            vcpuHourUsd: q['vcpu-hour-usd'],
            outputTokens: q['output-tokens'],
          });
      value.catch(() => (report = null));
      report = { key, value };
    }
    return report.value;
  };

  const getQuality = async (q: z.infer<typeof QualityQuery>): Promise<QualityReport> => {
    const key = `${await stateKey(s)}|${q.version ?? ''}|${q.k ?? ''}|${q['min-class-size'] ?? ''}`;
    let value = quality.get(key);
    if (!value) {
      quality.clear();
      value = analyseQuality(s.db, s.indexes, { version: q.version, k: q.k, minClassSize: q['min-class-size'] });
      value.catch(() => quality.delete(key));
      quality.set(key, value);
    }
    return value;
  };

  app.get('/report', async (c) => c.json(await getReport(parseQuery(c, ReportQuery))));
  app.get('/report/charts/:name', async (c) => {
    const name = ChartName.parse(c.req.param('name').replace(/\.svg$/, ''));
    const chart = reportCharts(await getReport({})).find((x) => x.name === name);
    if (!chart) throw new LoupeError('not_found', `no chart '${name}'`);
    const { svg } = await renderChart(chart);
    return c.body(svg, 200, { 'content-type': 'image/svg+xml', 'cache-control': 'no-cache' });
  });
  app.get('/quality', async (c) => c.json(await getQuality(parseQuery(c, QualityQuery))));
  app.get('/quality/fixes.csv', async (c) => {
    const q = await getQuality(parseQuery(c, QualityQuery));
    return c.body(fixListCsv(q.fixes), 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="loupe-fixes.csv"' });
  });
  return app;
}
