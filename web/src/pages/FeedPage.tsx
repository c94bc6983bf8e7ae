import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useMemo } from 'react';
import type { CardEntry } from '../components/ItemCard';
import { MasonryGrid } from '../components/MasonryGrid';
import { EmptyState, ErrorState, SkeletonGrid, Spinner } from '../components/States';
import { api, ApiError } from '../lib/api';
import { plural, whyLines } from '../lib/format';
import { queries } from '../lib/queries';
import { useNavigate } from '../lib/router';
import type { Feed, ItemView } from '../lib/types';

const FEED_K = 30;

/** A feed entry may come without its item (no `expand` support): fetch those few by id. */
async function withItems(feed: Feed, signal: AbortSignal): Promise<CardEntry[]> {
  const missing = feed.items.filter((e) => !e.item).map((e) => e.id);
  const fetched = new Map<string, ItemView>();
  await Promise.all(
    missing.map(async (id) => {
      try {
        fetched.set(id, await api.item(id, signal));
      } catch {
        /* an item deleted since: skip it */
      }
    }),
  );
  return feed.items.flatMap((e) => {
    const item = e.item ?? fetched.get(e.id);
    return item ? [{ item, score: e.score, why: whyLines(e.why) }] : [];
  });
}

function UserFeed({ user }: { user: string }) {
  // Another user keeps the current feed on screen until theirs arrives.
  const res = useQuery({ queryKey: ['feed', user, FEED_K], queryFn: async ({ signal }) => withItems(await api.feed(user, FEED_K, signal), signal), placeholderData: keepPreviousData });
  const entries = useMemo(() => res.data ?? [], [res.data]);
  if (res.isPending) return <SkeletonGrid />;
  if (res.error) return <ErrorState error={res.error} onRetry={() => void res.refetch()} title="Couldn't load this feed" />;
  if (entries.length === 0) return <EmptyState title="Nothing to recommend yet">This user has no interactions to learn from.</EmptyState>;
  return <MasonryGrid entries={entries} label={`Feed for ${user}`} />;
}

export function FeedPage({ user }: { user: string | null }) {
  const users = useQuery(queries.users());
  const navigate = useNavigate();
  const list = users.data?.users ?? [];
  useEffect(() => {
    document.title = 'For you · Loupe';
  }, []);
  useEffect(() => {
    const first = list[0];
    if (!user && first) navigate(`/feed/${encodeURIComponent(first.id)}`, { replace: true });
  }, [user, list, navigate]);

  let body;
  if (users.isPending) body = <Spinner label="Loading users" />;
  else if (users.error instanceof ApiError && users.error.status === 404)
    body = (
      <EmptyState title="Personalised feeds aren't set up">
        Feeds learn from interaction events (views, likes, purchases). Load events into Loupe and each user gets a feed with the reasons behind each pick.
      </EmptyState>
    );
  else if (users.error) body = <ErrorState error={users.error} onRetry={() => void users.refetch()} title="Couldn't load users" />;
  else if (list.length === 0) body = <EmptyState title="No users yet">Once interaction events are loaded, pick a user here to see their feed.</EmptyState>;
  else body = user ? <UserFeed user={user} /> : null;

  return (
    <section className="page" aria-labelledby="feed-title">
      <div className="page-head feed-head">
        <div>
          <h1 id="feed-title">For you</h1>
          <p className="page-sub">A personalised feed, with why each item was picked.</p>
        </div>
        {list.length > 0 && (
          <div className="field">
            <label htmlFor="user-picker">User</label>
            <select id="user-picker" value={user ?? ''} onChange={(e) => navigate(`/feed/${encodeURIComponent(e.target.value)}`, { keepScroll: true })}>
              {list.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.id} ({plural(u.events, 'event')})
                </option>
              ))}
            </select>
          </div>
        )}
      </div>
      {body}
    </section>
  );
}
