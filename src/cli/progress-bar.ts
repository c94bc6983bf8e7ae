import type { Progress } from '../app/progress.js';

function fmtSecs(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '--';
  if (s < 60) return `${Math.round(s)}s`;
  return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

/** Renders progress on stderr: a redrawn bar on a terminal, a line every few seconds otherwise. */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): ((p: Progress) => void) & { end(): void } {
  let lastLine = performance.now();
  let lastStep = -1;
  let drawn = false;
  const render = (p: Progress) => {
    const pct = p.total ? p.done / p.total : 1;
    const width = 28;
    const fill = Math.round(pct * width);
    const text = `${label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${p.done}/${p.total} ${(pct * 100).toFixed(0)}%  ${p.rate.toFixed(1)}/s  ETA ${fmtSecs(p.eta)}`;
    if (stream.isTTY) {
      stream.write(`\r${text}\x1b[K`);
      drawn = true;
    } else {
      // In logs: a line per 10% step, or every 2 s on long steps, and the last one.
      const step = Math.floor(pct * 10);
      if (step > lastStep || performance.now() - lastLine > 2000 || p.done === p.total) {
        stream.write(text + '\n');
        lastLine = performance.now();
        lastStep = step;
      }
    }
  };
  return Object.assign(render, {
    end() {
      if (drawn) stream.write('\n');
    },
  });
}
