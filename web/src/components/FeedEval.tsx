import { useQuery } from '@tanstack/react-query';
import { ApiError } from '../lib/api';
import { queries } from '../lib/queries';
import { EmptyState, ErrorState, Spinner } from './States';

/** The anchors a user could install instead, so a reader sees what the blend is measured against. */
const WHAT: Record<string, string> = {
  popular: 'most engaged overall (anchor)',
  trending: 'most engaged in the weeks before (anchor)',
  cooc: 'item-kNN over co-engagement (anchor)',
  ease: 'EASE, closed-form item-item (anchor)',
  saves: 'EASE that predicts saves and purchases from any engagement',
  lately: 'the same, from your latest engagements',
  als: 'implicit ALS, latent factors (anchor)',
  next: 'what people engaged with next',
  walk: 'Pixie walks over the taste graph',
  multi: 'visual: each interest\u2019s neighbours',
  items: 'visual: neighbours of engaged items',
  single: 'visual: the mean taste vector',
  blend: 'the served feed (fitted blend)',
};

const f = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(3) : '—');

/** Every feed method beside the collaborative anchors, on the same hold-out of the stored events. */
export function FeedEval() {
  const res = useQuery(queries.feedEval());
  if (res.isPending) return <Spinner label="Scoring feeds on held-out events" />;
  if (res.error) {
    if (res.error instanceof ApiError && res.error.status === 409) return <EmptyState title="No feed evaluation yet">{res.error.message}</EmptyState>;
    return <ErrorState error={res.error} onRetry={() => void res.refetch()} title="Couldn't score the feeds" />;
  }
  const r = res.data!;
  const methods = Object.entries(r.methods);
  const best = Math.max(...methods.filter(([m]) => m !== 'blend').map(([, s]) => s.recall));
  return (
    <div className="table-wrap">
      <table className="metrics-table feed-table">
        <caption>
          Feeds on {r.users} {r.source === 'events' ? 'users' : 'groups playing users'} ({r.protocol}: {r.note}); Recall@{r.k} of the hidden items
        </caption>
        <thead>
          <tr>
            <th scope="col">Method</th>
            <th scope="col">Recall@{r.k}</th>
            <th scope="col">NDCG@{r.k}</th>
            <th scope="col">Heavy users</th>
            <th scope="col">Light users</th>
            <th scope="col">Items with no events</th>
          </tr>
        </thead>
        <tbody>
          {methods.map(([m, s]) => (
            <tr key={m}>
              <th scope="row">
                {m} <span className="muted">{WHAT[m] ?? ''}</span>
              </th>
              <td className={m === 'blend' && s.recall >= best ? 'best' : undefined}>{f(s.recall)}</td>
              <td>{f(s.ndcg)}</td>
              <td>{f(r.slices.heavy[m]?.recall)}</td>
              <td>{f(r.slices.light[m]?.recall)}</td>
              <td>{f(r.slices.cold[m]?.recall)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="note">
        Items with no events: {r.slices.cold.random.users} users had a hidden item nobody engaged with in training; picking at random would find {f(r.slices.cold.random.recall)}. {r.blend.note}.
        Reproduce: <code>loupe events eval --protocol {r.protocol}</code>.
      </p>
    </div>
  );
}
