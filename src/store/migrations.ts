import type { Queryable } from './queryable.js';
import { CHANGE_TRIGGERS_SQL } from './changes.js';
import { VECTOR_COUNT_SQL } from './vector-counts.js';

/**
 * Ordered schema migrations. Append only: never edit one that has shipped.
 * Written in the SQL subset PGlite (Postgres 18) and PostgreSQL 15 + pgvector share.
 */
export const MIGRATIONS: readonly { id: number; name: string; sql: string }[] = [
  {
    id: 1,
    name: 'catalogue, versions, embeddings, jobs',
    sql: `
CREATE TABLE images (
  hash        text PRIMARY KEY,              -- sha256 of the original bytes (content address)
  ext         text NOT NULL,                 -- jpg | png | webp | gif | tiff | avif
  width       integer NOT NULL,
  height      integer NOT NULL,
  bytes       bigint NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE items (
  id          text PRIMARY KEY,
  image_hash  text NOT NULL REFERENCES images(hash),
  title       text,
  description text,
  labels      text[] NOT NULL DEFAULT '{}',
  groups      text[] NOT NULL DEFAULT '{}',
  attrs       jsonb NOT NULL DEFAULT '{}',
  source      text,                          -- catalogue file it came from
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX items_labels_idx ON items USING gin (labels);
CREATE INDEX items_groups_idx ON items USING gin (groups);
CREATE INDEX items_image_idx ON items (image_hash);

CREATE TABLE versions (
  name        text PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('generic', 'trained')),
  encoder     text NOT NULL,                 -- backbone id; trained versions name the features they read
  dims        integer NOT NULL CHECK (dims > 0),
  config      jsonb NOT NULL DEFAULT '{}',
  metrics     jsonb,
  status      text NOT NULL DEFAULT 'ready' CHECK (status IN ('building', 'ready', 'retired')),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE embeddings (
  item_id     text NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  version     text NOT NULL REFERENCES versions(name),
  image_hash  text NOT NULL,                 -- the image the vector was computed from
  vec         vector NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  seq         bigserial,                     -- monotonic: lets a serving index sync incrementally
  PRIMARY KEY (item_id, version)
);
CREATE INDEX embeddings_version_seq_idx ON embeddings (version, seq);

-- Which version is served by default, and its history (rollback = promote an earlier one).
CREATE TABLE promotions (
  id          bigserial PRIMARY KEY,
  version     text NOT NULL REFERENCES versions(name),
  promoted_at timestamptz NOT NULL DEFAULT now()
);

-- Items removed since a serving index was built, so it can drop them on sync.
CREATE TABLE tombstones (
  seq         bigserial PRIMARY KEY,
  item_id     text NOT NULL,
  version     text NOT NULL,
  removed_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE jobs (
  id          bigserial PRIMARY KEY,
  kind        text NOT NULL,
  params      jsonb NOT NULL DEFAULT '{}',
  status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
  done        integer NOT NULL DEFAULT 0,
  total       integer NOT NULL DEFAULT 0,
  error       text,
  started_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
`,
  },
  {
    id: 2,
    name: 'events (taste graph)',
    sql: `
-- Append-only engagement log; user models and the taste graph are derived from it.
CREATE TABLE events (
  id          bigserial PRIMARY KEY,
  user_id     text NOT NULL,
  item_id     text NOT NULL,                 -- no foreign key: the log outlives catalogue edits
  action      text NOT NULL,
  weight      real NOT NULL CHECK (weight > 0),
  ts          timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_user_ts_idx ON events (user_id, ts);
CREATE INDEX events_item_idx ON events (item_id);
-- Re-importing a file must not double-count.
CREATE UNIQUE INDEX events_dedupe_idx ON events (user_id, item_id, action, ts);
`,
  },
  {
    id: 3,
    name: 'job queue (tasks claimed by loupe worker processes)',
    sql: `
-- Work items of a queued job, claimed with SELECT ... FOR UPDATE SKIP LOCKED by \`loupe worker\`
-- processes, possibly on several machines. A lease that runs out (its worker died) makes the
-- task claimable again; see src/store/queue.ts.
CREATE TABLE job_tasks (
  id               bigserial PRIMARY KEY,
  job_id           bigint NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  kind             text NOT NULL,                -- encode | project | train | index
  params           jsonb NOT NULL DEFAULT '{}',
  item_ids         text[] NOT NULL DEFAULT '{}', -- encode: the batch of items
  state            text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
  attempts         integer NOT NULL DEFAULT 0,
  max_attempts     integer NOT NULL DEFAULT 3 CHECK (max_attempts > 0),
  leased_by        text,
  lease_expires_at timestamptz,
  result           jsonb,
  error            text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz
);
CREATE INDEX job_tasks_open_idx ON job_tasks (id) WHERE state IN ('queued', 'running');
CREATE INDEX job_tasks_job_idx ON job_tasks (job_id, state);
CREATE INDEX job_tasks_lease_idx ON job_tasks (lease_expires_at) WHERE state = 'running';

-- One row per claim: which worker ran a task and how it ended. A claim whose worker died stays
-- unfinished until its lease runs out; 'processed' lists what a finished encode run wrote.
CREATE TABLE job_task_runs (
  id          bigserial PRIMARY KEY,
  task_id     bigint NOT NULL REFERENCES job_tasks(id) ON DELETE CASCADE,
  attempt     integer NOT NULL,
  worker      text NOT NULL,
  outcome     text CHECK (outcome IN ('done', 'failed', 'expired', 'lost')),
  processed   text[] NOT NULL DEFAULT '{}',
  error       text,
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX job_task_runs_task_idx ON job_task_runs (task_id);
`,
  },
  {
    id: 4,
    name: 'change notifications (LISTEN/NOTIFY live updates)',
    sql: CHANGE_TRIGGERS_SQL,
  },
  {
    id: 5,
    name: 'feed blend weights fitted per version',
    sql: `
-- How the blended feed weighs its sources for one embedding version, fitted by the feed
-- evaluation on a validation split of the training events; serving reads it (defaults when absent).
CREATE TABLE feed_blend (
  version     text PRIMARY KEY REFERENCES versions(name) ON DELETE CASCADE,
  weights     jsonb NOT NULL,
  fit         jsonb NOT NULL DEFAULT '{}',   -- validation users, k, Recall@k and NDCG@k of the fit
  fitted_at   timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    id: 6,
    name: 'items by last update',
    // The catalogue stamp (count, newest update) that cached answers check on every request: max() from the index, not a scan.
    sql: `CREATE INDEX items_updated_idx ON items (updated_at);`,
  },
  {
    id: 7,
    name: 'object vectors of catalogue photos (shop the look at encode time)',
    sql: `
-- \`loupe encode --objects\`: the detector runs once per (item image, version). One scan row per
-- photo processed (zero objects found included), so a re-run skips it; a new image for the item
-- (image_hash differs) makes the scan stale and it is redone.
CREATE TABLE object_scans (
  item_id     text NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  version     text NOT NULL REFERENCES versions(name) ON DELETE CASCADE,
  image_hash  text NOT NULL,                 -- the image the objects were found in
  width       integer NOT NULL,              -- its size after EXIF rotation: the space of the boxes
  height      integer NOT NULL,
  scanned_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (item_id, version)
);

-- Each object found: its box [x, y, w, h] in the photo's pixels, the detector's label and score,
-- and the region's vector in the version's space (same dims as its embeddings).
CREATE TABLE object_vectors (
  item_id     text NOT NULL,
  version     text NOT NULL,
  box_index   integer NOT NULL CHECK (box_index >= 0),
  box         integer[] NOT NULL CHECK (cardinality(box) = 4),
  label       text NOT NULL,
  score       real NOT NULL,
  vec         vector NOT NULL,
  PRIMARY KEY (item_id, version, box_index),
  FOREIGN KEY (item_id, version) REFERENCES object_scans (item_id, version) ON DELETE CASCADE
);
`,
  },
  {
    id: 8,
    name: 'imported versions and items without an image (loupe import-vectors)',
    sql: `
-- Vectors made elsewhere (\`loupe import-vectors\`) form a version of their own kind: Loupe has no
-- encoder for it. Their embeddings carry 'imported:<sha256 of the file>' as image_hash.
ALTER TABLE versions DROP CONSTRAINT versions_kind_check;
ALTER TABLE versions ADD CONSTRAINT versions_kind_check CHECK (kind IN ('generic', 'trained', 'imported'));
-- An item may come with vectors and no photo (--create-items); encode skips it.
ALTER TABLE items ALTER COLUMN image_hash DROP NOT NULL;
`,
  },
  {
    id: 9,
    name: 'vector counts kept per version',
    sql: VECTOR_COUNT_SQL,
  },
];

/** Any fixed key: every Loupe process takes the same advisory lock before migrating. */
const MIGRATION_LOCK = 7_406_117;

/**
 * Applies the migrations not yet applied, in one transaction under an advisory lock, so
 * workers starting together on a fresh PostgreSQL database migrate it once, not in a race.
 */
export async function migrate(db: Queryable & { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> }): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const rows = await tx.query<{ id: number }>('SELECT id FROM schema_migrations');
    const applied = new Set(rows.map((r) => r.id));
    for (const m of MIGRATIONS) {
      if (applied.has(m.id)) continue;
      await tx.query(m.sql);
      await tx.query('INSERT INTO schema_migrations (id, name) VALUES ($1, $2)', [m.id, m.name]);
    }
  });
}
