import type * as vl from 'vega-lite';
import type { QualityReport } from '../quality/quality-report.js';
import type { ProofReport } from './proof.js';
import { metricName } from './metric-names.js';

/** The report's charts: vega-lite specs built from the report's numbers, rendered server-side. */

export interface Chart {
  name: string;
  title: string;
  spec: vl.TopLevelSpec;
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, labelLimit: 280 },
  legend: { labelFontSize: 11, labelLimit: 280 },
} as const;

/** Log-scale bars need an explicit floor to grow from (0 has no place on a log axis). */
const logFloor = (values: readonly number[]) => 10 ** Math.floor(Math.log10(Math.max(Math.min(...values.filter((v) => v > 0)), 1e-12)));
const COLORS = { generic: '#9aa5b1', trained: '#d9480f', own: '#2b8a3e', api: '#5f3dc4' } as const;

export function accuracyChart(r: ProofReport): Chart | null {
  const values = r.accuracy.versions.flatMap((v) =>
    v.rows
      .filter((m) => !m.metric.includes('precision') && !m.metric.includes('macro'))
      .flatMap((m) => [
        { version: v.name, metric: metricName(m.metric), side: v.base, value: m.generic },
        { version: v.name, metric: metricName(m.metric), side: v.name, value: m.trained },
      ]),
  );
  if (!values.length) return null;
  return {
    name: 'accuracy',
    title: 'Accuracy on held-out items: trained version vs generic',
    spec: {
      $schema: SCHEMA,
      config: CONFIG,
      data: { values },
      facet: { row: { field: 'version', type: 'nominal', title: null, header: { labelOrient: 'top', labelAngle: 0, labelAnchor: 'start', labelFontWeight: 'bold' } } },
      spec: {
        width: 560,
        height: 200,
        mark: { type: 'bar', tooltip: true },
        encoding: {
          x: { field: 'metric', type: 'nominal', title: null, sort: null, axis: { labelAngle: -30 } },
          xOffset: { field: 'side', type: 'nominal' },
          y: { field: 'value', type: 'quantitative', title: 'score', scale: { domain: [0, 1] } },
          color: { field: 'side', type: 'nominal', title: null, scale: { range: [COLORS.generic, COLORS.trained] } },
        },
      },
    },
  };
}

export function latencyChart(r: ProofReport): Chart {
  const l = r.latency;
  const values = [
    { mode: 'precomputed vectors', stat: 'p50', ms: l.precomputed.p50Ms },
    { mode: 'precomputed vectors', stat: 'p99', ms: l.precomputed.p99Ms },
    { mode: 'encode at request time', stat: 'p50', ms: l.requestTime.p50Ms },
    { mode: 'encode at request time', stat: 'p99', ms: l.requestTime.p99Ms },
  ];
  return {
    name: 'latency',
    title: `More like this on this machine (${l.precomputed.requests} / ${l.requestTime.requests} requests)`,
    spec: {
      $schema: SCHEMA,
      config: CONFIG,
      width: 420,
      height: 220,
      data: { values },
      layer: [
        {
          mark: { type: 'bar', tooltip: true },
          encoding: {
            x: { field: 'mode', type: 'nominal', title: null, axis: { labelAngle: 0 } },
            xOffset: { field: 'stat', type: 'nominal' },
            y: { field: 'ms', type: 'quantitative', title: 'milliseconds (log)', scale: { type: 'log' } },
            y2: { datum: logFloor(values.map((v) => v.ms)) },
            color: { field: 'stat', type: 'nominal', title: null, scale: { range: ['#1971c2', '#a5d8ff'] } },
          },
        },
        {
          mark: { type: 'text', dy: -6, fontSize: 10 },
          encoding: {
            x: { field: 'mode', type: 'nominal' },
            xOffset: { field: 'stat', type: 'nominal' },
            y: { field: 'ms', type: 'quantitative', scale: { type: 'log' } },
            text: { field: 'ms', type: 'quantitative', format: '.3~f' },
          },
        },
      ],
    },
  };
}

function costRows(r: ProofReport, per: 'requests' | 'images') {
  const own =
    per === 'requests'
      ? [
          { option: 'Loupe, precomputed vectors', usd: r.cost.own.precomputedUsdPer1kRequests, who: 'own compute' },
          { option: 'Loupe, encode at request time', usd: r.cost.own.requestTimeUsdPer1kRequests, who: 'own compute' },
        ]
      : [{ option: 'Loupe, encode once', usd: r.cost.own.encodeUsdPer1MImages, who: 'own compute' }];
  return [...own, ...r.cost.apis.map((a) => ({ option: a.name, usd: per === 'requests' ? a.usdPer1kRequests : a.usdPer1MImages, who: 'vision API' }))];
}

export function costChart(r: ProofReport, per: 'requests' | 'images'): Chart {
  const values = costRows(r, per);
  return {
    name: per === 'requests' ? 'cost-requests' : 'cost-catalogue',
    title: per === 'requests' ? 'USD per 1,000 requests' : 'USD per 1M catalogue images',
    spec: {
      $schema: SCHEMA,
      config: CONFIG,
      width: 460,
      height: 30 * (per === 'requests' ? 2 + r.cost.apis.length : 1 + r.cost.apis.length),
      data: { values },
      layer: [
        {
          mark: { type: 'bar', tooltip: true },
          encoding: {
            y: { field: 'option', type: 'nominal', title: null, sort: null },
            x: { field: 'usd', type: 'quantitative', title: 'USD (log)', scale: { type: 'log' } },
            x2: { datum: logFloor(values.map((v) => v.usd)) },
            color: { field: 'who', type: 'nominal', title: null, scale: { range: [COLORS.own, COLORS.api] } },
          },
        },
        {
          mark: { type: 'text', align: 'left', dx: 4, fontSize: 10 },
          transform: [{ calculate: "datum.usd >= 1 ? format(datum.usd, '$,.3~r') : format(datum.usd, '$.3~g')", as: 'label' }],
          encoding: { y: { field: 'option', type: 'nominal', sort: null }, x: { field: 'usd', type: 'quantitative', scale: { type: 'log' } }, text: { field: 'label', type: 'nominal' } },
        },
      ],
    },
  };
}

export function backboneChart(r: ProofReport): Chart | null {
  if (!r.backbones.length) return null;
  const values = r.backbones.map((b) => ({ ...b, mb: b.modelBytes / 1e6, kind: b.trained ? 'with your trained embedding' : 'generic backbone alone' }));
  // Room on the right for the point labels; the legend goes below.
  const xMax = Math.max(...values.map((v) => v.mb)) * 1.35;
  return {
    name: 'backbones',
    title: 'Data quality beats model size: accuracy vs backbone size',
    spec: {
      $schema: SCHEMA,
      config: CONFIG,
      width: 460,
      height: 260,
      data: { values },
      layer: [
        {
          mark: { type: 'point', filled: true, size: 120, tooltip: true },
          encoding: {
            x: { field: 'mb', type: 'quantitative', title: 'model size (MB)', scale: { domain: [0, xMax] } },
            y: { field: 'value', type: 'quantitative', title: `${metricName(values[0]!.metric)} (held-out)`, scale: { zero: true } },
            color: { field: 'kind', type: 'nominal', title: null, scale: { range: [COLORS.generic, COLORS.trained] }, legend: { orient: 'bottom' } },
          },
        },
        {
          mark: { type: 'text', dx: 8, align: 'left', fontSize: 10 },
          encoding: { x: { field: 'mb', type: 'quantitative', scale: { domain: [0, xMax] } }, y: { field: 'value', type: 'quantitative' }, text: { field: 'version' } },
        },
      ],
    },
  };
}

export function labelChart(q: QualityReport): Chart | null {
  if (!q.labels.length) return null;
  const values = q.labels.map((l) => ({ label: l.label, count: l.count, flag: l.tooSmall ? 'too small' : l.incoherent ? 'incoherent' : 'ok' }));
  return {
    name: 'labels',
    title: 'Label distribution',
    spec: {
      $schema: SCHEMA,
      config: CONFIG,
      width: 460,
      height: Math.max(80, 16 * values.length),
      data: { values },
      mark: { type: 'bar', tooltip: true },
      encoding: {
        y: { field: 'label', type: 'nominal', title: null, sort: '-x' },
        x: { field: 'count', type: 'quantitative', title: 'items' },
        color: { field: 'flag', type: 'nominal', title: null, scale: { domain: ['ok', 'incoherent', 'too small'], range: ['#1971c2', '#f08c00', '#e03131'] } },
      },
    },
  };
}

export function reportCharts(r: ProofReport): Chart[] {
  return [accuracyChart(r), latencyChart(r), costChart(r, 'requests'), costChart(r, 'images'), backboneChart(r), r.quality ? labelChart(r.quality) : null].filter((c): c is Chart => c !== null);
}

/** SVG through vega's headless view (no browser), PNG from that SVG through sharp. */
export async function renderChart(chart: Chart): Promise<{ svg: string; png: Buffer }> {
  // Imported on use: vega and vega-lite take over half a second to load, and most processes never render.
  const [vega, vlc, { default: sharp }] = await Promise.all([import('vega'), import('vega-lite'), import('sharp')]);
  const view = new vega.View(vega.parse(vlc.compile(chart.spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const png = await sharp(Buffer.from(svg), { density: 144 }).png().toBuffer();
    return { svg, png };
  } finally {
    view.finalize();
  }
}
