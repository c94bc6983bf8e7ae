import type { QualityReport } from '../quality/quality-report.js';
import type { ProofReport } from './proof.js';
import { metricName } from './metric-names.js';

/**
 * The report as one self-contained HTML page: charts inline as SVG, thumbnails from a folder
 * beside the page. Every number is printed from the report object, tagged with `data-num` (its
 * JSON path) so the page can be checked against `--json`.
 */

export interface PageAssets {
  /** Rendered chart SVG by chart name. */
  svgs: Record<string, string>;
  /** Relative URL of an image's thumbnail, or null when there is none. */
  thumb: (hash: string) => string | null;
}

export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A number printed with `digits` significant digits, tagged with its JSON path. */
export function num(path: string, v: number, digits = 4, suffix = ''): string {
  const text = Number.isFinite(v) ? Number(v.toPrecision(digits)).toString() : '–';
  return `<span data-num="${esc(path)}">${text}</span>${suffix}`;
}

const pct = (path: string, v: number) => `<span data-pct="${esc(path)}">${Number.isFinite(v) ? `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(0)}%` : '–'}</span>`;

const STYLE = `body{font:15px/1.5 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0 auto;max-width:1080px;padding:24px;color:#212529}
h1{margin:0 0 4px}h2{margin-top:40px;border-bottom:1px solid #dee2e6;padding-bottom:4px}.muted{color:#6c757d;font-size:13px}
.big{display:flex;gap:16px;flex-wrap:wrap;margin:20px 0}.big div{flex:1;min-width:220px;background:#f8f9fa;border-radius:8px;padding:16px}
.big strong{display:block;font-size:44px;line-height:1.1;color:#d9480f}table{border-collapse:collapse;margin:12px 0;font-size:14px}
td,th{border-bottom:1px solid #e9ecef;padding:4px 10px;text-align:right}td:first-child,th:first-child{text-align:left}
.thumbs{display:flex;flex-wrap:wrap;gap:8px;margin:6px 0 14px}.thumbs figure{margin:0;width:112px;font-size:11px;word-break:break-all}
.thumbs img{width:112px;height:112px;object-fit:cover;border-radius:4px;background:#f1f3f5}.finding{margin:10px 0;padding:8px 12px;background:#f8f9fa;border-radius:6px}
.chart svg{max-width:100%;height:auto}`;

function figure(id: string, hash: string | undefined, caption: string, assets: PageAssets): string {
  const src = hash ? assets.thumb(hash) : null;
  return `<figure>${src ? `<img src="${esc(src)}" alt="${esc(id)}" loading="lazy">` : ''}<figcaption>${esc(caption)}</figcaption></figure>`;
}

const chart = (name: string, assets: PageAssets) => (assets.svgs[name] ? `<div class="chart" id="chart-${name}">${assets.svgs[name]}</div>` : '');

/** The data-quality section (also the whole of `loupe quality --out`). `limit` findings of each kind show thumbnails. */
export function qualitySection(q: QualityReport, assets: PageAssets, root = 'quality', limit = 30): string {
  const c = q.counts;
  const img = (id: string, caption = id) => figure(id, q.images[id], caption, assets);
  const parts = [
    `<p>${num(`${root}.items`, q.items)} items (${num(`${root}.labelled`, q.labelled)} labelled), neighbourhoods from version <b>${esc(q.version)}</b>, k = ${q.k}.</p>`,
    `<table><tr><th>finding</th><th>count</th></tr>
<tr><td>exact duplicate clusters (items)</td><td>${num(`${root}.counts.exactDuplicateClusters`, c.exactDuplicateClusters)} (${num(`${root}.counts.exactDuplicateItems`, c.exactDuplicateItems)})</td></tr>
<tr><td>near-duplicate clusters (items), distance ≤ ${num(`${root}.nearDuplicateThreshold.distance`, q.nearDuplicateThreshold.distance)}</td><td>${num(`${root}.counts.nearDuplicateClusters`, c.nearDuplicateClusters)} (${num(`${root}.counts.nearDuplicateItems`, c.nearDuplicateItems)})</td></tr>
<tr><td>likely mislabelled</td><td>${num(`${root}.counts.mislabelled`, c.mislabelled)}</td></tr>
<tr><td>outliers</td><td>${num(`${root}.counts.outliers`, c.outliers)}</td></tr>
<tr><td>classes too small to learn</td><td>${num(`${root}.counts.tooSmall`, c.tooSmall)} ${esc(q.tooSmall.join(', '))}</td></tr>
<tr><td>incoherent classes</td><td>${num(`${root}.counts.incoherent`, c.incoherent)} ${esc(q.incoherent.join(', '))}</td></tr></table>`,
    chart('labels', assets),
    '<h3>Exact duplicates</h3>',
    ...q.exactDuplicates.slice(0, limit).map((d) => `<div class="finding exact-dup"><div class="thumbs">${d.ids.map((id) => img(id)).join('')}</div></div>`),
    '<h3>Near duplicates</h3>',
    ...q.nearDuplicates.slice(0, limit).map((d) => `<div class="finding near-dup">max distance ${d.maxDistance!.toFixed(4)}<div class="thumbs">${d.ids.map((id) => img(id)).join('')}</div></div>`),
    '<h3>Likely mislabelled (most confident first)</h3>',
    ...q.mislabelled.slice(0, limit).map(
      (m) =>
        `<div class="finding mislabel" data-id="${esc(m.id)}"><b>${esc(m.id)}</b>: labelled ${esc(m.labels.join(', '))}, neighbours say <b>${esc(m.suggested)}</b> (confidence ${m.confidence.toFixed(2)})<div class="thumbs">${img(m.id, `${m.id} (${m.labels.join(', ')})`)}${m.neighbours
          .slice(0, 5)
          .map((n) => img(n))
          .join('')}</div></div>`,
    ),
    '<h3>Outliers</h3>',
    `<div class="thumbs">${q.outliers
      .slice(0, limit)
      .map((o) => img(o.id, `${o.id} z ${o.z.toFixed(1)}`))
      .join('')}</div>`,
    '<h3>Label distribution</h3>',
    `<table><tr><th>label</th><th>items</th><th>neighbour purity</th><th>lift over chance</th><th></th></tr>${q.labels
      .map(
        (l) =>
          `<tr><td>${esc(l.label)}</td><td>${l.count}</td><td>${l.purity.toFixed(2)}</td><td>${l.lift.toFixed(1)}</td><td>${l.tooSmall ? 'too small' : l.incoherent ? 'incoherent' : ''}</td></tr>`,
      )
      .join('')}</table>`,
    `<p class="muted">${esc(q.protocol)} Export the fix list with <code>loupe quality --fix-list fixes.csv</code>, edit it, apply with <code>loupe quality --apply fixes.csv</code>.</p>`,
  ];
  return parts.join('\n');
}

export function qualityPage(q: QualityReport, assets: PageAssets): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Loupe data quality</title><style>${STYLE}</style></head><body><h1>Data quality</h1>${qualitySection(q, assets)}</body></html>\n`;
}

/** Shop the look's detection cost per uploaded photo, model load apart. */
function detectionLine(r: ProofReport): string {
  const d = r.detection;
  if (!d) return '<p class="detection">Shop the look: detection not measured (the detector did not load; see the report log).</p>';
  return `<p class="detection">Shop the look: detecting objects in an uploaded photo p50 ${num('detection.p50Ms', d.p50Ms)} ms, p99 ${num('detection.p99Ms', d.p99Ms)} ms over ${num('detection.photos', d.photos)} photos (model load ${num('detection.loadMs', d.loadMs)} ms, once per process; ${num('detection.objectsPerPhoto', d.objectsPerPhoto)} objects per photo).</p>`;
}

export function reportPage(r: ProofReport, assets: PageAssets): string {
  const h = r.headline;
  const l = r.latency;
  const accuracyTables = r.accuracy.versions
    .map(
      (v, vi) => `<h3>${esc(v.name)} vs ${esc(v.base)} on ${num(`accuracy.versions.${vi}.heldOut`, v.heldOut)} held-out items</h3>
<table><tr><th>metric</th><th>${esc(v.base)}</th><th>${esc(v.base)}, mean-centred</th><th>${esc(v.name)}</th><th>relative lift (vs the better ${esc(v.base)})</th></tr>${v.rows
        .map(
          (m, mi) =>
            `<tr><td>${esc(metricName(m.metric))}</td><td>${num(`accuracy.versions.${vi}.rows.${mi}.generic`, m.generic)}</td><td>${num(`accuracy.versions.${vi}.rows.${mi}.genericCentred`, m.genericCentred)}</td><td>${num(`accuracy.versions.${vi}.rows.${mi}.trained`, m.trained)}</td><td>${pct(`accuracy.versions.${vi}.rows.${mi}.relativeLift`, m.relativeLift)}</td></tr>`,
        )
        .join('')}</table>`,
    )
    .join('\n');
  const feed = r.accuracy.feed && !('skipped' in r.accuracy.feed) ? r.accuracy.feed : null;
  const feedTable = feed
    ? `<h3>Feed (${esc(feed.source)}, ${feed.users} users, last ${feed.holdout} hidden)</h3><table><tr><th>method</th><th>recall@${feed.k}</th><th>ndcg@${feed.k}</th></tr>${Object.entries(
        feed.methods,
      )
        .map(([m, s]) => `<tr><td>${esc(m)}</td><td>${num(`accuracy.feed.methods.${m}.recall`, s.recall)}</td><td>${num(`accuracy.feed.methods.${m}.ndcg`, s.ndcg)}</td></tr>`)
        .join('')}</table>`
    : '';
  const apiRows = r.cost.apis
    .map(
      (a, i) =>
        `<tr><td>${esc(a.name)}</td><td>${num(`cost.apis.${i}.inputTokensPerImage`, a.inputTokensPerImage)}</td><td>$${num(`cost.apis.${i}.usdPer1kRequests`, a.usdPer1kRequests)}</td><td>$${num(`cost.apis.${i}.usdPer1MImages`, a.usdPer1MImages)}</td></tr>`,
    )
    .join('');
  const sources = Object.entries(r.prices.sources)
    .map(([id, urls]) => `${esc(id)}: ${urls.map((u) => `<a href="${esc(u)}">${esc(u)}</a>`).join(', ')}`)
    .join('<br>');
  const backboneRows = r.backbones
    .map(
      (b, i) =>
        `<tr><td>${esc(b.version)}</td><td>${esc(b.backbone)}</td><td>${b.trained ? 'yes' : 'no'}</td><td>${num(`backbones.${i}.value`, b.value)}</td><td>${num(`backbones.${i}.modelBytes`, b.modelBytes / 1e6)} MB</td><td>$${num(`backbones.${i}.usdPer1MImages`, b.usdPer1MImages)}</td></tr>`,
    )
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Loupe proof report</title><style>${STYLE}</style></head><body>
<h1>Loupe proof report</h1>
<p class="muted">Generated ${esc(r.generatedAt)} on ${esc(r.machine.cpu)} ×${r.machine.cores} (load ${r.machine.loadAverage.toFixed(2)}), ${esc(r.machine.node)}; ${num('catalogue.items', r.catalogue.items)} catalogue items. Prices as of <b>${esc(r.prices.asOf)}</b>.</p>
<div class="big">
<div>accuracy${h.accuracyLift ? ` (${esc(metricName(h.accuracyLift.metric))}, ${esc(h.accuracyLift.version)} vs generic${h.accuracyLift.served ? '' : ', not served'})<strong>${pct('headline.accuracyLift.relativeLift', h.accuracyLift.relativeLift)}</strong>` : '<strong>–</strong>train a version: <code>loupe train --name v1</code>'}</div>
<div>cheaper per request than the cheapest vision API (${esc(r.cost.cheapestApi)})<strong>${num('headline.costRatio', h.costRatio, 3)}×</strong></div>
<div>encoding at request time would be, at p50<strong>${num('headline.latencyRatioP50', h.latencyRatioP50)}× slower</strong></div>
</div>
<h2>1. Accuracy</h2>
${chart('accuracy', assets)}
${accuracyTables || '<p>No trained version yet: <code>loupe train --name v1</code>, then run the report again.</p>'}
${feedTable}
<p class="muted">${esc(r.accuracy.protocol)}</p>
<h2>2. Latency</h2>
${chart('latency', assets)}
<table><tr><th>more like this, version ${esc(l.version)}, k = ${l.k}</th><th>p50 ms</th><th>p99 ms</th><th>CPU s / request</th></tr>
<tr><td>from precomputed vectors</td><td>${num('latency.precomputed.p50Ms', l.precomputed.p50Ms)}</td><td>${num('latency.precomputed.p99Ms', l.precomputed.p99Ms)}</td><td>${num('latency.precomputed.cpuSecondsPerRequest', l.precomputed.cpuSecondsPerRequest)}</td></tr>
<tr><td>encoding the photo at request time</td><td>${num('latency.requestTime.p50Ms', l.requestTime.p50Ms)}</td><td>${num('latency.requestTime.p99Ms', l.requestTime.p99Ms)}</td><td>${num('latency.requestTime.cpuSecondsPerRequest', l.requestTime.cpuSecondsPerRequest)}</td></tr></table>
${detectionLine(r)}
<p>Encoding catalogue photos with ${esc(r.encode.backbone)}: ${num('encode.cpuSecondsPerImage', r.encode.cpuSecondsPerImage)} CPU-seconds per image (${num('encode.imagesPerSecond', r.encode.imagesPerSecond)} images/s here).</p>
<h2>3. Cost</h2>
${chart('cost-requests', assets)}${chart('cost-catalogue', assets)}
<table><tr><th>option</th><th>input tokens / image</th><th>USD / 1,000 requests</th><th>USD / 1M images</th></tr>
<tr><td>Loupe, precomputed vectors</td><td>–</td><td>$${num('cost.own.precomputedUsdPer1kRequests', r.cost.own.precomputedUsdPer1kRequests)}</td><td>–</td></tr>
<tr><td>Loupe, encode at request time</td><td>–</td><td>$${num('cost.own.requestTimeUsdPer1kRequests', r.cost.own.requestTimeUsdPer1kRequests)}</td><td>$${num('cost.own.encodeUsdPer1MImages', r.cost.own.encodeUsdPer1MImages)}</td></tr>
${apiRows}</table>
<p class="muted">Own compute = measured CPU-seconds × $${num('prices.vcpuHourUsd', r.prices.vcpuHourUsd)} per vCPU-hour. APIs: one catalogue image per request at its stored size (mean ${r.catalogue.meanWidth.toFixed(0)}×${r.catalogue.meanHeight.toFixed(0)} px) plus ${num('prices.outputTokensPerRequest', r.prices.outputTokensPerRequest)} output tokens; token rules and list prices from ${esc(r.prices.file)}, as of ${esc(r.prices.asOf)}. ${esc(r.prices.note).replace(/`([^`]*)`/g, '<code>$1</code>')}<br>${sources}</p>
<h2>4. Data quality beats model size</h2>
${chart('backbones', assets)}
<table><tr><th>version</th><th>backbone</th><th>trained</th><th>${esc(metricName(r.backbones[0]?.metric ?? 'label.map@10'))}</th><th>model size</th><th>USD / 1M images</th></tr>${backboneRows}</table>
${r.quality ? `<h2>5. Data quality</h2>\n${qualitySection(r.quality, assets)}` : ''}
</body></html>
`;
}
