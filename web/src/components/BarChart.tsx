import { useEffect, useRef } from 'react';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

export const SERIES_COLORS = ['#4f46e5', '#0ea5e9', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#ec4899', '#64748b'];

export interface Series {
  name: string;
  values: (number | null)[];
}

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/** A grouped bar chart (one group per metric, one bar per version), with a text fallback for screen readers. */
export function BarChart({ title, categories, series, max, legendOutside = false }: { title: string; categories: string[]; series: Series[]; max?: number; legendOutside?: boolean }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const text = cssVar('--text-muted', '#64748b');
    const grid = cssVar('--border', '#e2e8f0');
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: {
        labels: categories,
        datasets: series.map((s, i) => ({
          label: s.name,
          data: s.values,
          backgroundColor: SERIES_COLORS[i % SERIES_COLORS.length],
          borderRadius: 4,
          maxBarThickness: 36,
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: { duration: 250 },
        plugins: {
          legend: { display: series.length > 1 && !legendOutside, position: 'bottom', labels: { color: text, boxWidth: 12, boxHeight: 12 } },
          tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label ?? ''}: ${typeof ctx.parsed.y === 'number' ? Number(ctx.parsed.y.toFixed(4)) : '—'}` } },
        },
        scales: {
          x: { ticks: { color: text }, grid: { display: false } },
          y: { beginAtZero: true, ...(max !== undefined ? { suggestedMax: max } : {}), ticks: { color: text }, grid: { color: grid } },
        },
      },
    });
    return () => chart.destroy();
  }, [categories, series, max, legendOutside]);

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div className="chart-canvas">
        <canvas
          ref={canvas}
          role="img"
          aria-label={`${title}: ${series.map((s) => `${s.name} ${s.values.map((v, i) => `${categories[i]} ${v === null ? 'n/a' : Number(v.toFixed(3))}`).join(', ')}`).join('; ')}`}
        />
      </div>
    </figure>
  );
}
