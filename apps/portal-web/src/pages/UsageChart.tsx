// Peak concurrent seats per bucket against the licensed quantity, with refused checkouts, drawn
// with uPlot (canvas). Resizes with its box.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** Seats and refusals are counts: whole-number ticks only. */
const INTEGER_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

export interface ChartPoint {
  t: number; // seconds since epoch
  peak: number;
  denials: number;
}

export function UsageChart({
  points,
  quantity,
  unit,
}: {
  points: ChartPoint[];
  quantity: number;
  unit: 'hour' | 'day' | 'week';
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const xs = points.map((p) => p.t);
    const data: uPlot.AlignedData = [
      xs,
      points.map((p) => p.peak),
      points.map(() => quantity),
      points.map((p) => (p.denials ? p.denials : null)),
    ];
    const maxY = Math.max(quantity, ...points.map((p) => p.peak)) + 1;
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height: el.clientWidth < 500 ? 220 : 300,
      scales: {
        x: { time: true },
        seats: { range: [0, maxY] },
        refusals: { range: (_u, _min, max) => [0, Math.max(1, max ?? 1) * 1.2] },
      },
      axes: [
        { stroke: '#445' },
        { scale: 'seats', label: 'Seats', stroke: '#445', grid: { stroke: '#e6e8ef' }, incrs: INTEGER_STEPS },
        {
          scale: 'refusals',
          side: 1,
          label: 'Refusals',
          stroke: '#b42318',
          grid: { show: false },
          incrs: INTEGER_STEPS,
        },
      ],
      series: [
        { label: unit === 'hour' ? 'Hour' : unit === 'day' ? 'Day' : 'Week' },
        {
          label: 'Peak seats in use',
          scale: 'seats',
          stroke: '#2457d6',
          width: 2,
          fill: 'rgba(36,87,214,0.12)',
          points: { show: false },
          paths: uPlot.paths.stepped?.({ align: 1 }),
        },
        { label: 'Seats licensed', scale: 'seats', stroke: '#1b7f4b', width: 2, dash: [6, 4], points: { show: false } },
        {
          label: 'Refused checkouts',
          scale: 'refusals',
          stroke: '#b42318',
          width: 0,
          points: { show: true, size: 7, fill: '#b42318' },
          paths: () => null,
        },
      ],
      legend: { live: true },
    };
    const plot = new uPlot(opts, data, el);
    const observer = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(280, el.clientWidth), height: el.clientWidth < 500 ? 220 : 300 }),
    );
    observer.observe(el);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [points, quantity, unit]);
  return (
    <div
      ref={box}
      className="chart"
      data-testid="usage-chart"
      role="img"
      aria-label={`Peak seats in use per ${unit} against ${quantity} seats licensed`}
    />
  );
}
