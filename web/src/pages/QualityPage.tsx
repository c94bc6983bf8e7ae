import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Link } from 'wouter';
import { ErrorState, Spinner } from '../components/States';
import { shortId } from '../lib/format';
import type { QualityReport } from '../lib/reportTypes';
import { queries } from '../lib/queries';
import '../styles/report.css';

const SHOWN = 40;

function Thumbs({ ids, q, caption }: { ids: readonly string[]; q: QualityReport; caption?: (id: string) => string }) {
  return (
    <div className="quality-thumbs">
      {ids.map((id) => (
        <Link key={id} to={`/item/${encodeURIComponent(id)}`}>
          {q.images[id] && <img src={`/thumbs/${q.images[id]}`} alt={id} loading="lazy" />}
          {caption ? caption(id) : id}
        </Link>
      ))}
    </div>
  );
}

function Body({ q }: { q: QualityReport }) {
  const c = q.counts;
  return (
    <>
      <p>
        {q.items} items ({q.labelled} labelled), neighbourhoods from <b>{q.version}</b>, k = {q.k}. <a href="/api/quality/fixes.csv">Download the fix list (CSV)</a>, edit it, then{' '}
        <code>loupe quality --apply fixes.csv</code>.
      </p>
      <div className="table-wrap">
        <table className="metrics-table" data-testid="quality-counts">
          <tbody>
            <tr>
              <th scope="row">Exact duplicates</th>
              <td>
                {c.exactDuplicateClusters} clusters, {c.exactDuplicateItems} items
              </td>
            </tr>
            <tr>
              <th scope="row">Near duplicates</th>
              <td>
                {c.nearDuplicateClusters} clusters, {c.nearDuplicateItems} items (distance ≤ {q.nearDuplicateThreshold.distance.toFixed(4)})
              </td>
            </tr>
            <tr>
              <th scope="row">Likely mislabelled</th>
              <td>{c.mislabelled}</td>
            </tr>
            <tr>
              <th scope="row">Outliers</th>
              <td>{c.outliers}</td>
            </tr>
            <tr>
              <th scope="row">Classes too small / incoherent</th>
              <td>
                {c.tooSmall} / {c.incoherent}
              </td>
            </tr>
          </tbody>
        </table>
      </div>
      <h2>Exact duplicates</h2>
      {q.exactDuplicates.length === 0 && <p>None: no two items share an image.</p>}
      {q.exactDuplicates.slice(0, SHOWN).map((d) => (
        <div className="quality-finding" key={d.ids.join()}>
          <Thumbs ids={d.ids} q={q} />
        </div>
      ))}
      <h2>Near duplicates</h2>
      {q.nearDuplicates.length === 0 && <p>None under the threshold.</p>}
      {q.nearDuplicates.slice(0, SHOWN).map((d) => (
        <div className="quality-finding" key={d.ids.join()}>
          <Thumbs ids={d.ids} q={q} />
        </div>
      ))}
      <h2>Likely mislabelled</h2>
      {q.mislabelled.slice(0, SHOWN).map((m) => (
        <div className="quality-finding" key={m.id}>
          <b title={m.id}>{shortId(m.id)}</b>: labelled {m.labels.join(', ')}, neighbours say <b>{m.suggested}</b> (confidence {m.confidence.toFixed(2)})
          <Thumbs ids={[m.id, ...m.neighbours.slice(0, 5)]} q={q} />
        </div>
      ))}
      <h2>Outliers</h2>
      <Thumbs ids={q.outliers.slice(0, SHOWN).map((o) => o.id)} q={q} />
      <h2>Label distribution</h2>
      <div className="table-wrap">
        <table className="metrics-table">
          <thead>
            <tr>
              <th scope="col">Label</th>
              <th scope="col">Items</th>
              <th scope="col">Neighbour purity</th>
              <th scope="col">Lift over chance</th>
              <th scope="col">Flag</th>
            </tr>
          </thead>
          <tbody>
            {q.labels.map((l) => (
              <tr key={l.label}>
                <th scope="row">{l.label}</th>
                <td>{l.count}</td>
                <td>{l.purity.toFixed(2)}</td>
                <td>{l.lift.toFixed(1)}</td>
                <td>{l.tooSmall ? 'too small' : l.incoherent ? 'incoherent' : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="note">{q.protocol}</p>
    </>
  );
}

export function QualityPage() {
  const res = useQuery(queries.quality());
  useEffect(() => {
    document.title = 'Data quality · Loupe';
  }, []);
  return (
    <section className="page" aria-labelledby="quality-title">
      <div className="page-head">
        <h1 id="quality-title">Data quality</h1>
        <p className="page-sub">Duplicates, likely mislabelled items, outliers and classes too small to learn.</p>
      </div>
      {res.isPending ? (
        <Spinner label="Checking the catalogue" />
      ) : res.error ? (
        <ErrorState error={res.error} onRetry={() => void res.refetch()} title="Couldn't check the catalogue" />
      ) : res.data ? (
        <Body q={res.data} />
      ) : null}
    </section>
  );
}
