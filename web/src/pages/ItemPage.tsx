import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { Link } from 'wouter';
import { GoesWith } from '../components/GoesWith';
import { ItemPhoto, SceneRows, useItemScene } from '../components/ItemScene';
import { BackIcon } from '../components/Icons';
import { SimilarColumn } from '../components/SimilarColumn';
import { ErrorState, Spinner } from '../components/States';
import { SuggestedTags } from '../components/SuggestedTags';
import { ApiError } from '../lib/api';
import { attrValue, titleOf } from '../lib/format';
import { queries } from '../lib/queries';
import { href, useGoBack } from '../lib/router';
import type { ItemView, VersionInfo } from '../lib/types';
import { NoPhoto } from '../components/NoPhoto';

/** Two columns to compare by default: the serving version, then the newest other usable one. */
export function defaultPair(versions: VersionInfo[]): string[] {
  const usable = versions.filter((v) => v.status !== 'retired' && v.count > 0);
  const pool = usable.length ? usable : versions;
  const serving = pool.find((v) => v.promoted) ?? pool[0];
  if (!serving) return [];
  const other = [...pool].reverse().find((v) => v.name !== serving.name);
  return other ? [serving.name, other.name] : [serving.name];
}

function Details({ item }: { item: ItemView }) {
  const attrs = Object.entries(item.attrs ?? {});
  return (
    <div className="item-details">
      <h1 id="item-title">{titleOf(item)}</h1>
      {item.description && <p className="item-description">{item.description}</p>}
      {item.labels.length > 0 && (
        <section className="detail-block" aria-labelledby="labels-title">
          <h2 id="labels-title">Labels</h2>
          <ul className="chips">
            {item.labels.map((l) => (
              <li key={l}>
                <Link to={href('/', { label: l })} className="chip">
                  {l}
                </Link>
              </li>
            ))}
          </ul>
        </section>
      )}
      {item.groups.length > 0 && (
        <section className="detail-block" aria-labelledby="groups-title">
          <h2 id="groups-title">Groups</h2>
          <ul className="chips">
            {item.groups.map((g) => (
              <li key={g}>
                <Link to={href('/', { group: g })} className="chip chip-outline">
                  {g}
                </Link>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section className="detail-block" aria-labelledby="attrs-title">
        <h2 id="attrs-title">Details</h2>
        <dl className="attrs">
          {attrs.map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{attrValue(v)}</dd>
            </div>
          ))}
          <div>
            <dt>Image</dt>
            <dd>{item.image ? `${item.image.width} × ${item.image.height}` : 'none (vectors imported without a photo)'}</dd>
          </div>
          <div>
            <dt>ID</dt>
            <dd className="mono">{item.id}</dd>
          </div>
        </dl>
      </section>
      <SuggestedTags itemId={item.id} labels={item.labels} />
    </div>
  );
}

function Compare({ itemId }: { itemId: string }) {
  const versions = useQuery(queries.versions());
  const list = versions.data?.versions ?? [];
  const [picked, setPicked] = useState<string[] | null>(null);
  const pair = useMemo(() => picked ?? defaultPair(list), [picked, list]);
  useEffect(() => setPicked(null), [itemId]);

  if (versions.isPending) return <Spinner label="Loading versions" />;
  if (versions.error && !(versions.error instanceof ApiError && versions.error.status === 404)) {
    return <ErrorState error={versions.error} onRetry={() => void versions.refetch()} />;
  }
  // No versions list: still ask for the server's default version.
  const columns: (string | null)[] = pair.length ? pair : [null];
  const setColumn = (i: number) => (name: string) => setPicked(columns.map((c, k) => (k === i ? name : (c ?? ''))));
  return (
    <>
      <div className={`compare compare-${columns.length}`}>
        {columns.map((v, i) => (
          <SimilarColumn key={i} index={i} itemId={itemId} version={v} versions={list} onVersion={setColumn(i)} maxColumns={columns.length > 1 ? 3 : 6} />
        ))}
      </div>
      {columns.length === 1 && (
        <p className="note">
          Only one embedding version exists. Train a version (<code>loupe train</code>) to compare its neighbours side by side with the generic backbone's.
        </p>
      )}
    </>
  );
}

export function ItemPage({ id }: { id: string }) {
  const item = useQuery(queries.item(id));
  const scene = useItemScene(id);
  const goBack = useGoBack();
  const data = item.data?.id === id ? item.data : undefined;
  useEffect(() => {
    document.title = data ? `${titleOf(data)} · Loupe` : 'Loupe';
  }, [data]);

  return (
    <article className="page item-page" aria-labelledby="item-title">
      <button type="button" className="btn btn-ghost back" onClick={goBack}>
        <BackIcon size={16} /> Back
      </button>
      {item.isPending ? (
        <div className="item-layout">
          <div className="item-photo skeleton-card" style={{ aspectRatio: '3 / 4' }} />
          <Spinner label="Loading item" />
        </div>
      ) : item.error || !data ? (
        <ErrorState error={item.error} title={item.error instanceof ApiError && item.error.status === 404 ? 'Item not found' : "Couldn't load this item"} onRetry={() => void item.refetch()} />
      ) : (
        <>
          <div className="item-layout">
            <figure className="item-photo">
              <ItemPhoto item={data} scene={scene}>
                {data.image ? <img src={data.image.url} alt={titleOf(data)} width={data.image.width} height={data.image.height} /> : <NoPhoto />}
              </ItemPhoto>
            </figure>
            <Details item={data} />
          </div>
          <SceneRows scene={scene} />
          <section className="more-like-this" aria-labelledby="similar-title">
            <h2 id="similar-title">More like this</h2>
            <Compare itemId={data.id} />
          </section>
          <section className="more-like-this goes-with" aria-labelledby="goes-with-title">
            <h2 id="goes-with-title">Goes with</h2>
            <GoesWith itemId={data.id} />
          </section>
        </>
      )}
    </article>
  );
}
