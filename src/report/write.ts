import fs from 'node:fs';
import path from 'node:path';
import { thumbFile, type DataPaths } from '../config.js';
import type { QualityReport } from '../quality/quality-report.js';
import type { ProofReport } from './proof.js';
import { labelChart, renderChart, reportCharts, type Chart } from './charts.js';
import { qualityPage, reportPage, type PageAssets } from './html.js';

/** Writes a report folder: the page, its charts as SVG and PNG, the JSON, and the thumbnails it shows. */

async function writeCharts(outDir: string, charts: readonly Chart[]): Promise<Record<string, string>> {
  const dir = path.join(outDir, 'charts');
  fs.mkdirSync(dir, { recursive: true });
  const svgs: Record<string, string> = {};
  for (const c of charts) {
    const { svg, png } = await renderChart(c);
    fs.writeFileSync(path.join(dir, `${c.name}.svg`), svg);
    fs.writeFileSync(path.join(dir, `${c.name}.png`), png);
    svgs[c.name] = svg;
  }
  return svgs;
}

/** Copies a thumbnail into `<out>/thumbs/` on first use and returns its relative URL. */
function thumbCopier(outDir: string, paths: DataPaths): PageAssets['thumb'] {
  const dir = path.join(outDir, 'thumbs');
  return (hash) => {
    if (!/^[0-9a-f]{64}$/.test(hash)) return null;
    const src = thumbFile(paths, hash);
    if (!fs.existsSync(src)) return null;
    const dst = path.join(dir, `${hash}.webp`);
    if (!fs.existsSync(dst)) {
      fs.mkdirSync(dir, { recursive: true });
      fs.copyFileSync(src, dst);
    }
    return `thumbs/${hash}.webp`;
  };
}

export interface WrittenReport {
  html: string;
  json: string;
  charts: string[];
}

export async function writeReport(outDir: string, report: ProofReport, paths: DataPaths): Promise<WrittenReport> {
  fs.mkdirSync(outDir, { recursive: true });
  const charts = reportCharts(report);
  const svgs = await writeCharts(outDir, charts);
  const html = path.join(outDir, 'report.html');
  fs.writeFileSync(html, reportPage(report, { svgs, thumb: thumbCopier(outDir, paths) }));
  const json = path.join(outDir, 'report.json');
  fs.writeFileSync(json, JSON.stringify(report, null, 2));
  return { html, json, charts: charts.flatMap((c) => [`charts/${c.name}.svg`, `charts/${c.name}.png`]) };
}

export async function writeQualityPage(outDir: string, quality: QualityReport, paths: DataPaths): Promise<string> {
  fs.mkdirSync(outDir, { recursive: true });
  const chart = labelChart(quality);
  const svgs = chart ? await writeCharts(outDir, [chart]) : {};
  const html = path.join(outDir, 'quality.html');
  fs.writeFileSync(html, qualityPage(quality, { svgs, thumb: thumbCopier(outDir, paths) }));
  fs.writeFileSync(path.join(outDir, 'quality.json'), JSON.stringify(quality, null, 2));
  return html;
}
