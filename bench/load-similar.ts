/**
 * Load on loopback: GET /api/items/:id/similar?k=10 with random ids against `loupe serve` (a child
 * process) over a 100k-item catalogue, at the number of connections asked for (`--connections`,
 * default 16): one bounded run samples the server's RSS every second (flat: the last 20 s within a
 * few % of the first 20 s after warm-up). It exits 1 when that run misses the p99 goal or has any
 * error; it never retries at fewer connections. `--probes` first prints short runs at 1-32
 * connections for information only.
 *   node --import tsx bench/load-similar.ts [--connections 16] [--items 100000] [--dims 256] [--duration 60] [--p99 50] [--probes] [--data DIR] [--prepare-only]
 * --data keeps the loaded catalogue and its saved index in DIR for the next run; --prepare-only
 * stops once the server has built its index.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { dataPaths } from '../src/config.js';
import { openDb } from '../src/store/db.js';
import { machine, report, tempDir } from './common.js';
import { clusteredVectors, loadSynthetic } from './synthetic.js';

const { values } = parseArgs({
  options: {
    items: { type: 'string' },
    dims: { type: 'string' },
    duration: { type: 'string' },
    p99: { type: 'string' },
    probe: { type: 'string' },
    probes: { type: 'boolean' },
    connections: { type: 'string' },
    data: { type: 'string' },
    'prepare-only': { type: 'boolean' },
  },
});
const N = Number(values.items ?? 100_000);
const D = Number(values.dims ?? 256);
const DURATION = Number(values.duration ?? 60);
const PROBE = Number(values.probe ?? 10);
const P99_GOAL = Number(values.p99 ?? 50);
const CONNECTIONS = Number(values.connections ?? 16);
if (!Number.isInteger(CONNECTIONS) || CONNECTIONS < 1) throw new Error(`--connections must be a whole number >= 1 (got '${values.connections}')`);
const REPO = path.resolve(import.meta.dirname, '..');
console.log(`${N} items x ${D}-d; ${DURATION} s at ${CONNECTIONS} connections; goal p99 < ${P99_GOAL} ms, 0 errors; ${machine()}`);

const dataDir = values.data ? path.resolve(values.data) : path.join(tempDir('load'), 'data');
let t = performance.now();
const db = await openDb({ dir: dataPaths(dataDir).db });
const stored = await db.query<{ id: string }>('SELECT item_id AS id FROM embeddings WHERE version = $1 ORDER BY item_id', ['generic']);
const ids = stored.length === N ? stored.map((r) => r.id) : await loadSynthetic(db, 'generic', clusteredVectors(N, D, Math.max(10, Math.round(N / 100))));
await db.close();
const loadSecs = (performance.now() - t) / 1000;

t = performance.now();
const server = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'src/cli/main.ts'), 'serve', '--port', '0', '--data', dataDir, '--json'], {
  cwd: REPO,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const serverPid = server.pid!;
const base = await new Promise<string>((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    const m = /"url"\s*:\s*"([^"]+)"/.exec(out);
    if (m) resolve(m[1]!);
  });
  server.once('exit', (code) => reject(new Error(`loupe serve exited ${code} before listening`)));
});
const startSecs = (performance.now() - t) / 1000;
console.log(`${stored.length === N ? 'reused' : 'loaded'} ${N} items in ${loadSecs.toFixed(0)} s; server up at ${base} in ${startSecs.toFixed(0)} s (index synced from the database)`);
if (values['prepare-only']) {
  server.kill('SIGTERM');
  process.exit(0);
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

let seed = 12345;
const randomId = () => ids[(seed = (seed * 1103515245 + 12345) >>> 0) % ids.length]!;

interface Level {
  connections: number;
  seconds: number;
  qps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  requests: number;
  errors: number;
}

async function hammer(connections: number, seconds: number, onSecond?: () => void): Promise<Level> {
  const sampler = onSecond ? setInterval(onSecond, 1000) : undefined;
  try {
    const r = await autocannon({
      url: base,
      connections,
      duration: seconds,
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/api/items/${randomId()}/similar?k=10` }) }],
    });
    return {
      // What autocannon reports it ran, so a run at fewer connections than asked cannot pass unseen.
      connections: r.connections,
      seconds,
      qps: r.requests.average,
      p50: r.latency.p50,
      p90: r.latency.p90,
      p99: r.latency.p99,
      max: r.latency.max,
      requests: r.requests.total,
      errors: r.errors + r.timeouts + r.non2xx,
    };
  } finally {
    if (sampler) clearInterval(sampler);
  }
}

const ok = (l: Level) => l.p99 < P99_GOAL && l.errors === 0;
const show = (l: Level) =>
  `${String(l.connections).padStart(3)} conn: ${l.qps.toFixed(0).padStart(6)} req/s  p50 ${l.p50} ms  p90 ${l.p90} ms  p99 ${l.p99} ms  max ${l.max} ms  errors ${l.errors}  (${l.requests} in ${l.seconds} s)`;

try {
  await hammer(4, 5); // warm-up: JIT, sockets
  const probes: Level[] = [];
  if (values.probes) {
    for (const connections of [1, 2, 4, 8, 16, 32]) {
      const l = await hammer(connections, PROBE);
      probes.push(l);
      console.log(`probe ${show(l)}${ok(l) ? '' : '  <- over the goal'}`);
    }
  }
  const rss = [rssMiB(serverPid)];
  const main = await hammer(CONNECTIONS, DURATION, () => rss.push(rssMiB(serverPid)));
  console.log(`run   ${show(main)}${ok(main) ? '' : '  <- over the goal'}`);
  if (main.connections !== CONNECTIONS) throw new Error(`asked for ${CONNECTIONS} connections, autocannon ran ${main.connections}`);
  const window = Math.min(20, Math.floor(rss.length / 3));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  // The first 10 s are warm-up (sockets, caches); compare the next 20 s with the last 20 s.
  const warm = Math.min(10, Math.max(0, rss.length - 2 * window));
  const early = mean(rss.slice(warm, warm + window));
  const late = mean(rss.slice(-window));
  const growth = (late - early) / early;
  console.log(
    `RSS MiB: start ${rss[0]!.toFixed(0)}, min ${Math.min(...rss).toFixed(0)}, max ${Math.max(...rss).toFixed(0)}; ` +
      `mean of s ${warm}-${warm + window} ${early.toFixed(0)} vs last ${window} s ${late.toFixed(0)} (${(100 * growth).toFixed(1)}%)`,
  );
  console.log(
    // A leak shows as growth; a drop is the heap shrinking after warm-up.
    `result: ${main.qps.toFixed(0)} req/s at ${main.connections} connections (asked for ${CONNECTIONS}), p99 ${main.p99} ms (goal < ${P99_GOAL}), errors ${main.errors}, RSS ${growth < 0.05 ? 'did not grow' : 'GREW'} (${(100 * growth).toFixed(1)}%)`,
  );
  report('load-similar', {
    items: N,
    dims: D,
    db_load_s: loadSecs,
    server_start_s: startSecs,
    goal_p99_ms: P99_GOAL,
    connections_asked: CONNECTIONS,
    probes,
    run: main,
    met_goal: ok(main),
    rss_mib: { samples: rss.map((x) => Math.round(x)), early, late, growth },
  });
  if (!ok(main)) process.exitCode = 1;
} finally {
  server.kill('SIGTERM');
}
