import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo } from 'react';
import { BarChart, SERIES_COLORS } from '../components/BarChart';
import { FeedEval } from '../components/FeedEval';
import { EmptyState, ErrorState, Spinner } from '../components/States';
import { api, ApiError } from '../lib/api';
import { chartGroups, metricTable, poolNotes, qualityKeys, shortKey, sourceVersions, type EvalSource } from '../lib/evalData';
import { metricName } from '../lib/metricNames';

/** The eval report when the server has `/api/eval`, else whatever metrics are stored on versions. */
async function loadSource(signal: AbortSignal): Promise<EvalSource> {
  try {
    return { kind: 'report', report: await api.eval(signal) };
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
  }
  try {
    return { kind: 'versions', versions: (await api.versions(signal)).versions };
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return { kind: 'none' };
    throw err;
  }
}

function fmt(v: number | null): string {
  if (v === null) return '—';
  if (Number.isInteger(v)) return v.toLocaleString();
  return Math.abs(v) < 10 ? v.toFixed(3) : v.toFixed(1);
}

export function EvalPage() {
  const res = useQuery({ queryKey: ['eval-source'], queryFn: ({ signal }) => loadSource(signal) });
  useEffect(() => {
    document.title = 'Evaluation · Loupe';
  }, []);
  const versions = useMemo(() => (res.data ? sourceVersions(res.data) : []), [res.data]);
  const table = useMemo(() => metricTable(versions), [versions]);
  const quality = useMemo(() => qualityKeys(table), [table]);
  const charts = useMemo(() => chartGroups(quality), [quality]);
  const pools = useMemo(() => (res.data ? poolNotes(res.data) : []), [res.data]);
  const series = useMemo(
    () =>
      charts.map((c) => ({
        ...c,
        categories: c.keys.map((k) => metricName(shortKey(k, c.title.replace(/ \(cont\.\)$/, '')))),
        series: table.versions.map((name, i) => ({ name, values: c.keys.map((k) => table.rows.get(k)?.[i] ?? null) })),
      })),
    [charts, table],
  );

  let body;
  if (res.isPending) body = <Spinner label="Loading evaluation" />;
  else if (res.error) body = <ErrorState error={res.error} onRetry={() => void res.refetch()} title="Couldn't load the evaluation" />;
  else if (versions.length === 0 || table.rows.size === 0)
    body = (
      <EmptyState title="No evaluation yet">
        Run <code>loupe eval</code> to measure retrieval and tagging quality for each embedding version; the results are charted here.
      </EmptyState>
    );
  else
    body = (
      <>
        {res.data?.kind === 'versions' && (
          <p className="note">
            Showing the metrics stored with each version. Run <code>loupe eval</code> for a full report.
          </p>
        )}
        <div className="version-legend" aria-hidden="true">
          {table.versions.map((v, i) => (
            <span key={v}>
              <i style={{ background: SERIES_COLORS[i % SERIES_COLORS.length] }} />
              {v}
            </span>
          ))}
        </div>
        {series.length > 0 && (
          <div className="charts">
            {series.map((c) => (
              <BarChart key={c.title} title={c.title} categories={c.categories} series={c.series} max={1} legendOutside />
            ))}
          </div>
        )}
        {pools.length > 0 && (
          <p className="note" data-testid="pool-note">
            Why an overall figure can be lower than both of its parts: each part (new items in known groups, whole new groups) is searched with only its own items as candidates, while
            &ldquo;overall&rdquo; searches every held-out item at once, so more look-alikes compete for the top 10. {pools.join('; ')}.
          </p>
        )}
        <div className="table-wrap">
          <table className="metrics-table">
            <caption>All metrics by version</caption>
            <thead>
              <tr>
                <th scope="col">Metric</th>
                {table.versions.map((v) => (
                  <th scope="col" key={v}>
                    {v}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {[...table.rows.entries()].map(([k, vals]) => {
                // Higher is better only for scores; counts and timings get no highlight.
                const best = quality.includes(k) ? Math.max(...vals.map((v) => v ?? -Infinity)) : NaN;
                return (
                  <tr key={k}>
                    <th scope="row">{metricName(k)}</th>
                    {vals.map((v, i) => (
                      <td key={i} className={v !== null && v === best && vals.length > 1 ? 'best' : undefined}>
                        {fmt(v)}
                      </td>
                    ))}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </>
    );

  return (
    <section className="page" aria-labelledby="eval-title">
      <div className="page-head">
        <h1 id="eval-title">Evaluation</h1>
        <p className="page-sub">How well each embedding version retrieves and tags, on held-out items.</p>
      </div>
      {body}
      <h2>Feeds</h2>
      <p className="page-sub">Every feed source and the recommenders a shop could install instead, on the same held-out events.</p>
      <FeedEval />
    </section>
  );
}
