import { evaluateAll, RETRIEVAL_METRICS, type VersionEvaluation } from '../eval/evaluate.js';
import { evaluateFeedsOnStore, type FeedEvalReport } from '../graph/io/feed-eval.js';
import { UsageError, type Command } from './command.js';
import { withStore } from './open.js';

const pct = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '   -  ' : x.toFixed(4));

/** Overall recall@10 figures lower than both parts' (different candidate pools, not an error). */
function poolGaps(v: VersionEvaluation): string[] {
  const { newItems, newGroups } = v.parts;
  if (!newItems || !newGroups) return [];
  return (['generic', 'trained'] as const).flatMap((side) =>
    (['label', 'group'] as const).flatMap((kind) => {
      const [all, a, b] = [v[side].retrieval[kind], newItems[side].retrieval[kind], newGroups[side].retrieval[kind]];
      return all && a && b && all.recall < Math.min(a.recall, b.recall) ? [`${side === 'generic' ? v.base : v.name} same-${kind} recall@10`] : [];
    }),
  );
}

function table(v: VersionEvaluation): string {
  const p = v.protocol;
  const lines = [
    `${v.name} vs ${v.base} on ${v.heldOut} held-out items`,
    `  protocol ${p.name}: seed ${p.seed}, signals ${p.signals.join(',') || '-'}, ${p.heldOut} held out (split ${p.split})${p.ignoreLabels.length ? `, labels ignored: ${p.ignoreLabels.join(', ')}` : ''}`,
    `  rerun: ${p.command}`,
    `  ${'metric'.padEnd(26)} ${v.base.slice(0, 8).padStart(8)} ${'centred'.padStart(8)} ${v.name.slice(0, 8).padStart(8)}   lift (vs better, vs raw)`,
  ];
  const row = (metric: string, g: number | undefined, gc: number | undefined, t: number | undefined, key: string) => {
    const [lift, raw] = [v.lift[key], v.liftRaw[key]];
    return `  ${metric.padEnd(26)} ${pct(g).padStart(8)} ${pct(gc).padStart(8)} ${pct(t).padStart(8)}   ${lift ? `${lift.toFixed(2)}x` : '-'}${raw ? ` (${raw.toFixed(2)}x raw)` : ''}`;
  };
  for (const kind of ['label', 'group'] as const) {
    const [g, gc, t] = [v.generic.retrieval[kind], v.genericCentred.retrieval[kind], v.trained.retrieval[kind]];
    if (!g || !gc || !t) continue;
    for (const m of RETRIEVAL_METRICS) lines.push(row(`same-${kind} ${m === 'fullRecall' ? 'recall@10 /all' : `${m}@10`}`, g[m], gc[m], t[m], `${kind}.${m}@10`));
  }
  const [gk, gck, tk] = [v.generic.catalogue, v.genericCentred.catalogue, v.trained.catalogue];
  if (gk && gck && tk) lines.push(row('same-label p@10, catalogue', gk.precision, gck.precision, tk.precision, 'catalogue.label.precision@10'));
  const [gt, gct, tt] = [v.generic.tagging, v.genericCentred.tagging, v.trained.tagging];
  if (gt && gct && tt) {
    lines.push(row('tagging micro-F1', gt.microF1, gct.microF1, tt.microF1, 'tagging.microF1'));
    lines.push(row('tagging macro-F1', gt.macroF1, gct.macroF1, tt.macroF1, 'tagging.macroF1'));
  }
  // With only one part, it is the headline already.
  const { newItems, newGroups } = v.parts;
  const parts =
    newItems && newGroups
      ? ([
          ['new items in known groups', newItems],
          ['whole new groups', newGroups],
        ] as const)
      : [];
  for (const [title, part] of parts) {
    const cells = (['label', 'group'] as const).flatMap((kind) => {
      const [g, gc, t] = [part.generic.retrieval[kind], part.genericCentred.retrieval[kind], part.trained.retrieval[kind]];
      const key = `${kind}.recall@10`;
      return g && gc && t
        ? [`same-${kind} recall@10 ${pct(g.recall)} / ${pct(gc.recall)} centred -> ${pct(t.recall)} (${part.lift[key]?.toFixed(2) ?? '-'}x; ${part.liftRaw[key]?.toFixed(2) ?? '-'}x raw)`]
        : [];
    });
    const [gk, gck, tk] = [part.generic.catalogue, part.genericCentred.catalogue, part.trained.catalogue];
    const key = 'catalogue.label.precision@10';
    if (gk && gck && tk)
      cells.push(
        `same-label precision@10 in the catalogue ${pct(gk.precision)} / ${pct(gck.precision)} centred -> ${pct(tk.precision)} (${part.lift[key]?.toFixed(2) ?? '-'}x; ${part.liftRaw[key]?.toFixed(2) ?? '-'}x raw)`,
      );
    lines.push(`  ${title} (${part.items} items): ${cells.join(', ') || 'no labels or groups'}`);
  }
  const below = parts.length ? poolGaps(v) : [];
  if (below.length)
    lines.push(`  overall below both parts (${below.join(', ')}): each part searches only its own items, overall searches all ${v.heldOut} at once, so more look-alikes compete for the top 10`);
  if (v.calibration) lines.push(`  calibration: ECE ${v.calibration.eceRaw.toFixed(4)} raw -> ${v.calibration.eceCalibrated.toFixed(4)} calibrated (${v.calibration.pairs} proposed labels)`);
  if (v.complete) {
    const c = v.complete;
    lines.push(
      `  complete-the-group recall@10 (${c.heldOutGroups} held-out groups, ${c.queries} queries): generic neighbours ${pct(c.generic)}${c.queriesWithVisibleGroups ? `, seen together in visible groups ${pct(c.seenTogether)} (${c.queriesWithVisibleGroups} queries have one)${c.seenTogetherWalk === c.seenTogether ? '' : `, then their group-mates' other groups ${pct(c.seenTogetherWalk)}`}` : ''}${c.colour === null ? '' : `, colour neighbours ${pct(c.colour)}`} -> goes-with ${pct(c.goesWith)} (${c.lift.toFixed(2)}x the strongest anchor, ${c.liftOverGeneric.toFixed(2)}x generic; ${pct(c.goesWithNoStep)} without the candidate step${c.goesWithNoWalk === null ? '' : `, ${pct(c.goesWithNoWalk)} without the group walk`})`,
    );
  }
  if (v.text) lines.push(`  text search: recall@10 ${v.text.recall.toFixed(4)} vs keyword ${v.text.keywordRecall.toFixed(4)} over ${v.text.queries} label queries`);
  return lines.join('\n');
}

const f4 = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : '-');

function feedTable(f: FeedEvalReport): string {
  const scored = Object.entries(f.methods).filter(([, s]) => Number.isFinite(s.recall) || Number.isFinite(s.ndcg));
  const unscored = Object.keys(f.methods).filter((m) => !scored.some(([n]) => n === m));
  const rows = scored.map(([m, s]) => `  ${m.padEnd(10)} recall@${f.k} ${f4(s.recall)}  ndcg@${f.k} ${f4(s.ndcg)}`);
  if (unscored.length) rows.push(`  not scored (no test users reached them): ${unscored.join(', ')}`);
  return [`feed (${f.version}, ${f.source}: ${f.users} users, last ${f.holdout} hidden)`, ...rows, `  ${f.note}`, `  ${f.blend.note}${f.blend.saved ? ' (stored for serving)' : ''}`].join('\n');
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'Measure every trained version against generic on its held-out items',
  usage: 'loupe eval [--version NAME]',
  options: {
    version: { type: 'string', value: 'NAME', description: 'only this trained version' },
    'no-feed': { type: 'boolean', description: 'skip the feed section (leave-last-k-out over events)' },
  },
  async run(ctx, values, positionals) {
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    return withStore(ctx, async ({ db, paths, indexes }) => {
      const report = await evaluateAll(db, paths, values.version as string | undefined);
      let feed: FeedEvalReport | { skipped: string } | null = null;
      if (!values['no-feed']) {
        // A catalogue with neither events nor groups has nothing to hold out: say so instead of failing.
        feed = await evaluateFeedsOnStore(db, indexes, { version: values.version as string | undefined, save: true }).catch((err: Error) => ({ skipped: err.message }));
      }
      const text = [
        report.versions.length ? report.versions.map(table).join('\n\n') : 'no trained versions yet: `loupe train --name NAME`',
        ...(report.versions.length ? [`(protocol ${report.protocolName}; lift = trained / the better of raw and mean-centred generic; --json has the definitions)`] : []),
        ...(feed ? ['', 'skipped' in feed ? `feed: skipped (${feed.skipped})` : feedTable(feed)] : []),
      ].join('\n');
      ctx.print({ ...report, feed }, text);
      return 0;
    });
  },
};
