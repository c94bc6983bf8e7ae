import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { ErrorState, EmptyState, Spinner } from '../components/States';
import { api, errorMessage } from '../lib/api';
import { metricName } from '../lib/metricNames';
import type { VersionInfo } from '../lib/types';
import { queries } from '../lib/queries';

const KEY_STORE = 'loupe.apiKey';

type Sides = { trained?: Record<string, unknown>; generic?: Record<string, unknown>; lift?: Record<string, number>; heldOut?: number };

/** `label.recall@10` -> the trained and generic values stored beside the lift. */
function sideValue(side: Record<string, unknown> | undefined, key: string): number | null {
  const [head, rest] = key.split('.') as [string, string | undefined];
  const metric = rest?.split('@')[0];
  if (!side || !metric) return null;
  const v =
    head === 'tagging' ? (side.tagging as Record<string, unknown> | null)?.[metric] : ((side.retrieval as Record<string, unknown> | undefined)?.[head] as Record<string, unknown> | null)?.[metric];
  return typeof v === 'number' ? v : null;
}

const ORDER = ['label', 'group', 'tagging'];
const METRIC_ORDER = ['recall', 'map', 'ndcg', 'precision', 'fullRecall', 'microF1'];

/** Lift keys in the order the report's table lists them: same-label first, recall@10 first. */
function liftKeys(versions: VersionInfo[]): string[] {
  const keys = new Set<string>();
  for (const v of versions) for (const k of Object.keys((v.metrics as Sides | null)?.lift ?? {})) keys.add(k);
  const rank = (k: string) => {
    const [head, rest] = k.split('.') as [string, string | undefined];
    return ORDER.indexOf(head) * 100 + METRIC_ORDER.indexOf(rest?.split('@')[0] ?? '');
  };
  return [...keys].sort((a, b) => rank(a) - rank(b));
}

function nextName(versions: VersionInfo[]): string {
  const taken = new Set(versions.map((v) => v.name));
  let n = versions.filter((v) => v.kind === 'trained').length + 1;
  while (taken.has(`own-${n}`)) n += 1;
  return `own-${n}`;
}

function LiftCell({ v, k }: { v: VersionInfo; k: string }) {
  const m = v.metrics as Sides | null;
  const lift = m?.lift?.[k];
  if (v.kind !== 'trained' || lift === undefined) return <td className="muted">{v.kind === 'generic' ? 'baseline' : '—'}</td>;
  const t = sideValue(m?.trained, k);
  const g = sideValue(m?.generic, k);
  return (
    <td className={lift > 1 ? 'best' : undefined}>
      {lift.toFixed(2)}×
      {t !== null && g !== null && (
        <span className="muted">
          {' '}
          {t.toFixed(3)} vs {g.toFixed(3)}
        </span>
      )}
    </td>
  );
}

export function VersionsPage() {
  const res = useQuery(queries.versions());
  const [apiKey, setApiKey] = useState(() => sessionStorage.getItem(KEY_STORE) ?? '');
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    document.title = 'Versions · Loupe';
  }, []);

  const act = async (verb: 'promote' | 'retire', name: string) => {
    if (!apiKey) {
      setMessage({ ok: false, text: 'Enter the server’s API key (LOUPE_API_KEY) first: promoting and retiring are writes.' });
      return;
    }
    setBusy(`${verb}:${name}`);
    setMessage(null);
    try {
      if (verb === 'promote') {
        const r = await api.promote(name, apiKey);
        setMessage({ ok: true, text: `Now serving ${r.promoted} by default (was ${r.previous}; promote ${r.previous} to roll back).` });
      } else {
        await api.retire(name, apiKey);
        setMessage({ ok: true, text: `Retired ${name}.` });
      }
      void res.refetch();
    } catch (err) {
      setMessage({ ok: false, text: errorMessage(err) });
    } finally {
      setBusy(null);
    }
  };

  const versions = res.data?.versions ?? [];
  const command = `loupe train --name ${nextName(versions)}`;
  const copy = () => {
    void navigator.clipboard?.writeText(command).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };

  let body;
  if (res.isPending) body = <Spinner label="Loading versions" />;
  else if (res.error) body = <ErrorState error={res.error} onRetry={() => void res.refetch()} title="Couldn't load the versions" />;
  else if (versions.length === 0)
    body = (
      <EmptyState title="No versions yet">
        Run <code>loupe encode</code> to make the generic version.
      </EmptyState>
    );
  else {
    const lifts = liftKeys(versions);
    body = (
      <div className="table-wrap">
        <table className="metrics-table versions-table">
          <caption>Every version, side by side</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              {versions.map((v) => (
                <th scope="col" key={v.name} data-version={v.name}>
                  {v.name}
                  {v.promoted && <span className="badge served"> served</span>}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            <Row label="kind" versions={versions} cell={(v) => v.kind} />
            <Row label="status" versions={versions} cell={(v) => v.status} />
            <Row label="trained on" versions={versions} cell={(v) => (v.kind === 'trained' ? (v.signals?.join(', ') ?? '—') : 'backbone only')} />
            <Row label="built over" versions={versions} cell={(v) => v.base ?? v.encoder} />
            <Row label="dimensions" versions={versions} cell={(v) => v.dims.toLocaleString()} />
            <Row label="vectors" versions={versions} cell={(v) => v.count.toLocaleString()} />
            <Row label="held-out items" versions={versions} cell={(v) => ((v.metrics as Sides | null)?.heldOut ?? '—').toLocaleString()} />
            <Row label="created" versions={versions} cell={(v) => new Date(v.created_at).toLocaleString()} />
            {lifts.map((k) => (
              <tr key={k}>
                <th scope="row">{metricName(k)}</th>
                {versions.map((v) => (
                  <LiftCell key={v.name} v={v} k={k} />
                ))}
              </tr>
            ))}
            <tr>
              <th scope="row">actions</th>
              {versions.map((v) => (
                <td key={v.name}>
                  <div className="version-actions">
                    <button
                      type="button"
                      className="btn btn-secondary"
                      data-action="promote"
                      disabled={v.promoted || v.status !== 'ready' || busy !== null}
                      onClick={() => void act('promote', v.name)}
                    >
                      {busy === `promote:${v.name}` ? 'Promoting…' : 'Promote'}
                    </button>
                    <button type="button" className="btn btn-ghost" data-action="retire" disabled={v.promoted || v.status === 'retired' || busy !== null} onClick={() => void act('retire', v.name)}>
                      {busy === `retire:${v.name}` ? 'Retiring…' : 'Retire'}
                    </button>
                  </div>
                </td>
              ))}
            </tr>
          </tbody>
        </table>
      </div>
    );
  }

  return (
    <section className="page" aria-labelledby="versions-title">
      <div className="page-head">
        <h1 id="versions-title">Versions</h1>
        <p className="page-sub">
          Every embedding version, what it learned from and how it does against generic: each lift is the version vs generic on that version’s own held-out items. Promote one to serve it; promoting an
          earlier one rolls back.
        </p>
      </div>
      <div className="versions-tools">
        <label>
          API key{' '}
          <input
            type="password"
            autoComplete="off"
            value={apiKey}
            placeholder="LOUPE_API_KEY"
            onChange={(e) => {
              setApiKey(e.target.value);
              sessionStorage.setItem(KEY_STORE, e.target.value);
            }}
          />
        </label>
        <span className="muted">Kept in this tab only; sent as a bearer token on promote and retire.</span>
      </div>
      {message && (
        <p className={message.ok ? 'note' : 'note note-error'} role={message.ok ? 'status' : 'alert'} data-testid="versions-message">
          {message.text}
        </p>
      )}
      {body}
      <h2 className="versions-train">Train another</h2>
      <p className="page-sub">Training runs on the server's machine: from the data folder, run</p>
      <div className="copy-command">
        <code data-testid="train-command">{command}</code>
        <button type="button" className="btn btn-secondary" onClick={copy}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      <p className="muted">
        Add <code>--signals labels,groups,events,text</code> to choose what it learns from. It is measured against generic on held-out items and appears here when ready.
      </p>
    </section>
  );
}

function Row({ label, versions, cell }: { label: string; versions: VersionInfo[]; cell: (v: VersionInfo) => string }) {
  return (
    <tr>
      <th scope="row">{label}</th>
      {versions.map((v) => (
        <td key={v.name}>{cell(v)}</td>
      ))}
    </tr>
  );
}
