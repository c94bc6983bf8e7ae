import fs from 'node:fs';
import path from 'node:path';
import { analyseQuality, applyFixes } from '../app/quality.js';
import type { QualityReport } from '../quality/quality-report.js';
import { fixListCsv, parseFixList } from '../quality/fixlist.js';
import { writeQualityPage } from '../report/write.js';
import { intOption, UsageError, type Command, type OptionValues } from './command.js';
import { withStore } from './open.js';
import { MAX_K } from '../limits.js';

function numberOption(values: OptionValues, name: string, min: number, max: number): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number in [${min}, ${max}], got ${String(raw)}`);
  return n;
}

function summary(r: QualityReport): string {
  const c = r.counts;
  const lines = [
    `data quality of ${r.items} items (${r.labelled} labelled) in '${r.version}' neighbourhoods (k=${r.k})${r.withoutVector ? `; ${r.withoutVector} without a vector were not checked` : ''}`,
    `  exact duplicates:  ${c.exactDuplicateClusters} clusters, ${c.exactDuplicateItems} items`,
    `  near duplicates:   ${c.nearDuplicateClusters} clusters, ${c.nearDuplicateItems} items (cosine distance <= ${r.nearDuplicateThreshold.distance.toFixed(4)}${r.nearDuplicateThreshold.derived ? ', derived' : ''})`,
    `  likely mislabelled: ${c.mislabelled}`,
    ...r.mislabelled.slice(0, 10).map((m) => `    ${m.id}  ${m.labels.join('|')} -> ${m.suggested}  (confidence ${m.confidence.toFixed(2)})`),
    `  outliers:          ${c.outliers}`,
    `  classes too small: ${r.tooSmall.length ? r.tooSmall.join(', ') : 'none'}`,
    `  incoherent classes: ${r.incoherent.length ? r.incoherent.join(', ') : 'none'}`,
    '  label distribution:',
    ...r.labels.map(
      (l) =>
        `    ${l.label.padEnd(24)} ${String(l.count).padStart(6)}  purity ${l.purity.toFixed(2)}  lift ${l.lift.toFixed(1)}${l.tooSmall ? '  TOO SMALL' : ''}${l.incoherent ? '  INCOHERENT' : ''}`,
    ),
  ];
  return lines.join('\n');
}

export const qualityCommand: Command = {
  name: 'quality',
  summary: 'Data quality: duplicates, likely mislabelled items, outliers, classes too small or incoherent; export and apply a fix list',
  usage: 'loupe quality [--version NAME] [-k 10] [--fix-list FILE.csv] [--out DIR] | loupe quality --apply FILE.csv',
  options: {
    version: { type: 'string', value: 'NAME', description: 'whose neighbourhoods to read (default: the promoted version)' },
    k: { type: 'string', short: 'k', value: 'N', description: 'neighbours per item (default 10)' },
    'min-class-size': { type: 'string', value: 'N', description: 'labels with fewer items are too small to learn (default 5)' },
    'min-class-lift': { type: 'string', value: 'X', description: 'labels whose neighbours agree less than X times chance are incoherent (default 2)' },
    'near-dup-distance': { type: 'string', value: 'D', description: 'fixed cosine-distance threshold for near duplicates (default: derived from the data)' },
    'fix-list': { type: 'string', value: 'FILE', description: 'write the proposed fixes as an editable CSV (id,action,labels,...)' },
    out: { type: 'string', value: 'DIR', description: 'write quality.html with thumbnails into DIR' },
    apply: { type: 'string', value: 'FILE', description: 'apply an edited fix list: relabel rows set labels, drop rows remove items' },
  },
  async run(ctx, values, positionals) {
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const applyFile = values.apply as string | undefined;
    if (applyFile) {
      if (!fs.existsSync(applyFile)) throw new UsageError(`no fix list at ${applyFile}`);
      const fixes = parseFixList(fs.readFileSync(applyFile, 'utf8'));
      return withStore(ctx, async ({ db, indexes }) => {
        const res = await applyFixes(db, indexes, fixes);
        ctx.print(
          res,
          `relabelled ${res.relabelled}, dropped ${res.dropped}, left ${res.ignored} review/keep rows alone${res.unknown.length ? `; unknown ids: ${res.unknown.join(', ')}` : ''}${res.errors.length ? `; ${res.errors.length} bad rows: ${res.errors.map((e) => `line ${e.line}: ${e.reason}`).join('; ')}` : ''}`,
        );
        return res.errors.length ? 1 : 0;
      });
    }
    const k = intOption(values, 'k', 10, 1, MAX_K);
    const minClassSize = intOption(values, 'min-class-size', 5, 1, 1_000_000);
    const minClassLift = numberOption(values, 'min-class-lift', 0, 1000);
    const nearDuplicateDistance = numberOption(values, 'near-dup-distance', 0, 2);
    return withStore(ctx, async ({ db, paths, indexes }) => {
      const report = await analyseQuality(db, indexes, { version: values.version as string | undefined, k, minClassSize, minClassLift, nearDuplicateDistance });
      const fixList = values['fix-list'] as string | undefined;
      if (fixList) {
        fs.mkdirSync(path.dirname(path.resolve(fixList)), { recursive: true });
        fs.writeFileSync(fixList, fixListCsv(report.fixes));
        ctx.log(`wrote ${report.fixes.length} proposed fixes to ${fixList}; edit the action/labels columns, then \`loupe quality --apply ${fixList}\``);
      }
      const out = values.out as string | undefined;
      if (out) ctx.log(`wrote ${await writeQualityPage(out, report, paths)}`);
      ctx.print(report, summary(report));
      return 0;
    });
  },
};
