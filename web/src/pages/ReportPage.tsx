import { useQuery } from '@tanstack/react-query';
import { Fragment, useEffect } from 'react';
import { ErrorState, Spinner } from '../components/States';
import { metricName } from '../lib/metricNames';
import type { ProofReport } from '../lib/reportTypes';
import { queries } from '../lib/queries';
import '../styles/report.css';

const sig = (v: number, d = 3) => (Number.isFinite(v) ? Number(v.toPrecision(d)).toString() : '–');
const usd = (v: number) => `$${sig(v)}`;
const lift = (v: number) => (Number.isFinite(v) ? `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(0)}%` : '–');

/** Text with `code` spans (the price table's note carries some) as <code>, never raw backticks. */
function WithCode({ text }: { text: string }) {
  return <>{text.split('`').map((part, i) => (i % 2 ? <code key={i}>{part}</code> : <Fragment key={i}>{part}</Fragment>))}</>;
}

function Chart({ name, title }: { name: string; title: string }) {
  return (
    <div className="proof-chart-scroll">
      <img className="proof-chart" src={`/api/report/charts/${name}.svg`} alt={title} loading="lazy" />
    </div>
  );
}

function Body({ r }: { r: ProofReport }) {
  const h = r.headline;
  return (
    <>
      <p className="muted" data-testid="proof-run">
        Measured {new Date(r.generatedAt).toLocaleString()} on this machine. This page and <code>loupe report</code> show the latest run on the data as it is now.
      </p>
      <div className="proof-headline" data-testid="proof-headline">
        <div>
          accuracy{' '}
          {h.accuracyLift
            ? `(${metricName(h.accuracyLift.metric)}, ${h.accuracyLift.version} vs the better of generic and mean-centred generic${h.accuracyLift.served === false ? ', not served' : ''})`
            : ''}
          <strong>{h.accuracyLift ? lift(h.accuracyLift.relativeLift) : '–'}</strong>
        </div>
        <div>
          cheaper per request than {r.cost.cheapestApi}
          <strong>{sig(h.costRatio)}×</strong>
        </div>
        <div>
          encoding at request time, p50
          <strong>{sig(h.latencyRatioP50)}× slower</strong>
        </div>
      </div>
      <h2>1. Accuracy</h2>
      {r.accuracy.versions.length ? (
        <Chart name="accuracy" title="Accuracy per version vs generic" />
      ) : (
        <p className="note">
          No trained version yet: <code>loupe train --name v1</code>.
        </p>
      )}
      {r.accuracy.versions.map((v) => (
        <div className="table-wrap" key={v.name}>
          <table className="metrics-table">
            <caption>
              {v.name} vs {v.base} on {v.heldOut} held-out items
            </caption>
            <thead>
              <tr>
                <th scope="col">Metric</th>
                <th scope="col">{v.base}</th>
                <th scope="col">{v.base}, mean-centred</th>
                <th scope="col">{v.name}</th>
                <th scope="col">Lift vs the better {v.base}</th>
              </tr>
            </thead>
            <tbody>
              {v.rows.map((m) => (
                <tr key={m.metric}>
                  <th scope="row">{metricName(m.metric)}</th>
                  <td>{sig(m.generic)}</td>
                  <td>{sig(m.genericCentred)}</td>
                  <td>{sig(m.trained)}</td>
                  <td>{lift(m.relativeLift)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
      <h2>2. Latency</h2>
      <Chart name="latency" title="More like this latency" />
      <p>
        More like this ({r.latency.version}): precomputed p50 {sig(r.latency.precomputed.p50Ms)} ms, p99 {sig(r.latency.precomputed.p99Ms)} ms; encoding at request time p50{' '}
        {sig(r.latency.requestTime.p50Ms)} ms, p99 {sig(r.latency.requestTime.p99Ms)} ms. Encoding a catalogue photo: {sig(r.encode.cpuSecondsPerImage)} CPU-s.
      </p>
      {r.detection ? (
        <p data-testid="proof-detection">
          Shop the look: detecting objects in an uploaded photo p50 {sig(r.detection.p50Ms)} ms, p99 {sig(r.detection.p99Ms)} ms over {r.detection.photos} photos (model load {sig(r.detection.loadMs)}{' '}
          ms).
        </p>
      ) : r.detection === null ? (
        <p className="note" data-testid="proof-detection">
          Shop the look: detection not measured (the detector did not load).
        </p>
      ) : null}
      <h2>3. Cost</h2>
      <Chart name="cost-requests" title="USD per 1,000 requests" />
      <Chart name="cost-catalogue" title="USD per 1M catalogue images" />
      <div className="table-wrap">
        <table className="metrics-table">
          <thead>
            <tr>
              <th scope="col">Option</th>
              <th scope="col">Input tokens / image</th>
              <th scope="col">USD / 1,000 requests</th>
              <th scope="col">USD / 1M images</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <th scope="row">Loupe, precomputed vectors</th>
              <td>–</td>
              <td>{usd(r.cost.own.precomputedUsdPer1kRequests)}</td>
              <td>–</td>
            </tr>
            <tr>
              <th scope="row">Loupe, encode at request time</th>
              <td>–</td>
              <td>{usd(r.cost.own.requestTimeUsdPer1kRequests)}</td>
              <td>{usd(r.cost.own.encodeUsdPer1MImages)}</td>
            </tr>
            {r.cost.apis.map((a) => (
              <tr key={a.id}>
                <th scope="row">{a.name}</th>
                <td>{sig(a.inputTokensPerImage)}</td>
                <td>{usd(a.usdPer1kRequests)}</td>
                <td>{usd(a.usdPer1MImages)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="note">
        Own compute at ${r.prices.vcpuHourUsd} per vCPU-hour; APIs with {r.prices.outputTokensPerRequest} output tokens per request. Prices as of {r.prices.asOf}. <WithCode text={r.prices.note} />
      </p>
      <h2>4. Data quality beats model size</h2>
      {r.backbones.length > 0 && <Chart name="backbones" title="Accuracy vs backbone size" />}
      <p>
        <a href="/quality">Data quality findings</a> · <a href="/api/report">the numbers as JSON</a>
      </p>
    </>
  );
}

export function ReportPage() {
  const res = useQuery(queries.report());
  useEffect(() => {
    document.title = 'Proof report · Loupe';
  }, []);
  return (
    <section className="page" aria-labelledby="report-title">
      <div className="page-head">
        <h1 id="report-title">Proof report</h1>
        <p className="page-sub">
          Accuracy, latency and cost on your own catalogue, measured on this machine (<code>loupe report --out DIR</code> writes the same as HTML).
        </p>
      </div>
      {res.isPending ? (
        <Spinner label="Measuring (about a minute the first time)" />
      ) : res.error ? (
        <ErrorState error={res.error} onRetry={() => void res.refetch()} title="Couldn't build the report" />
      ) : res.data ? (
        <Body r={res.data} />
      ) : null}
    </section>
  );
}
