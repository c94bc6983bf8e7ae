import { useEffect, useRef } from 'react';
import { duration, rate } from '../lib/format';
import { useLive, type JobState } from '../lib/live';
import { ActivityIcon, AlertIcon, CheckIcon, CloseIcon } from './Icons';

const CONNECTION_TEXT = { connecting: 'Connecting…', open: 'Live', reconnecting: 'Reconnecting…', unsupported: 'Live updates unavailable' } as const;

export function LiveButton({ open, onToggle }: { open: boolean; onToggle: () => void }) {
  const live = useLive();
  const running = live.jobs.filter((j) => j.status === 'running').length;
  return (
    <button type="button" className={`live-button${running ? ' is-busy' : ''}`} aria-expanded={open} aria-controls="live-panel" onClick={onToggle}>
      <span className={`dot dot-${live.connection}`} aria-hidden="true" />
      <ActivityIcon size={16} />
      <span className="live-button-text">{running ? `${running} running` : 'Activity'}</span>
      <span className="visually-hidden">, {CONNECTION_TEXT[live.connection]}</span>
    </button>
  );
}

function JobRow({ job }: { job: JobState }) {
  const known = job.total > 0;
  const fraction = known ? Math.min(1, job.done / job.total) : 0;
  const name = job.job.charAt(0).toUpperCase() + job.job.slice(1);
  return (
    <li className={`job job-${job.status}`} data-job={job.job} data-status={job.status}>
      <div className="job-head">
        <span className="job-name">
          {job.status === 'done' && <CheckIcon size={14} />}
          {job.status === 'failed' && <AlertIcon size={14} />}
          {name}
        </span>
        <span className="job-count">{known ? `${job.done.toLocaleString()} / ${job.total.toLocaleString()}` : job.status === 'running' ? 'starting…' : job.status}</span>
      </div>
      <div
        className="progress"
        role="progressbar"
        aria-label={`${name} progress`}
        aria-valuemin={0}
        aria-valuemax={known ? job.total : 100}
        aria-valuenow={known ? job.done : job.status === 'running' ? undefined : 100}
      >
        <div className={`progress-fill${!known && job.status === 'running' ? ' indeterminate' : ''}`} style={{ width: known ? `${fraction * 100}%` : job.status === 'running' ? '35%' : '100%' }} />
      </div>
      {job.status === 'running' && known && (
        <div className="job-meta">
          {rate(job.rate)}
          {job.eta !== null && job.done < job.total ? ` · ${duration(job.eta)} left` : ''}
        </div>
      )}
    </li>
  );
}

/** Running jobs with progress bars and a short log, streamed from `/api/live`. */
export function LivePanel({ open, onClose, onOpen }: { open: boolean; onClose: () => void; onOpen: () => void }) {
  const live = useLive();
  const running = live.jobs.filter((j) => j.status === 'running').length;
  const wasRunning = useRef(0);
  // Open the panel by itself when work starts, so progress is visible without hunting for it.
  useEffect(() => {
    if (running > 0 && wasRunning.current === 0) onOpen();
    wasRunning.current = running;
  }, [running, onOpen]);
  const latest = live.log[0]?.text ?? '';

  return (
    <>
      <div className="visually-hidden" aria-live="polite" aria-atomic="true">
        {latest}
      </div>
      <aside id="live-panel" className={`live-panel${open ? ' is-open' : ''}`} aria-label="Live activity" hidden={!open} data-testid="live-panel">
        <header className="live-panel-head">
          <h2>Activity</h2>
          <span className={`conn conn-${live.connection}`}>
            <span className={`dot dot-${live.connection}`} aria-hidden="true" />
            {CONNECTION_TEXT[live.connection]}
          </span>
          <button type="button" className="icon-btn" onClick={onClose} aria-label="Close activity panel">
            <CloseIcon />
          </button>
        </header>
        {live.jobs.length === 0 ? (
          <p className="live-empty">No jobs running. Ingests and encodes started from the CLI or the demo show up here as they run.</p>
        ) : (
          <ul className="jobs">
            {[...live.jobs]
              .sort((a, b) => Number(b.status === 'running') - Number(a.status === 'running') || b.startedAt - a.startedAt)
              .slice(0, 6)
              .map((j) => (
                <JobRow key={`${j.job}-${j.startedAt}`} job={j} />
              ))}
          </ul>
        )}
        {live.log.length > 0 && (
          <div className="live-log">
            <h3>Recent</h3>
            <ol>
              {live.log.slice(0, 6).map((l, i) => (
                <li key={`${l.at}-${i}`}>
                  <time dateTime={new Date(l.at).toISOString()}>{new Date(l.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })}</time>
                  {l.text}
                </li>
              ))}
            </ol>
          </div>
        )}
      </aside>
    </>
  );
}
