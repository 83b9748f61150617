// One uPlot chart over the per-minute series: created once, its data swapped when the series
// change, resized with its box.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";

export interface ChartSeries {
  readonly label: string;
  readonly color: string;
  readonly values: readonly number[];
}

interface Props {
  readonly title: string;
  /** x values: unix seconds. */
  readonly x: readonly number[];
  readonly series: readonly ChartSeries[];
  readonly format?: (v: number) => string;
  /** What the chart shows in words, for screen readers (the canvas says nothing). */
  readonly summary?: string;
}

const HEIGHT = 150;

/** Room for the y axis: its widest label at ~7 px a character, plus the ticks. */
function axisSize(_u: uPlot, values: string[] | null): number {
  const widest = Math.max(3, ...(values ?? []).map((v) => v.length));
  return widest * 7 + 18;
}

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v === "" ? fallback : v;
}

export function Chart({ title, x, series, format = (v) => String(v), summary }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const labels = series.map((s) => s.label).join("|");

  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const axis = cssVar("--muted", "#888");
    const grid = cssVar("--grid", "rgba(128,128,128,0.15)");
    const axes: uPlot.Axis[] = [
      { stroke: axis, space: 70, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } },
      { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, size: axisSize, values: (_u, vals) => vals.map((v) => format(v)) },
    ];
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: HEIGHT,
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes,
      series: [
        {},
        ...series.map((s) => ({ label: s.label, stroke: s.color, fill: `${s.color}22`, width: 1.5, points: { show: false }, value: (_u: uPlot, v: number | null) => (v === null ? "–" : format(v)) })),
      ],
    };
    const u = new uPlot(opts, [x.slice(), ...series.map((s) => s.values.slice())] as uPlot.AlignedData, el);
    plot.current = u;
    const observer = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height: HEIGHT }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuilt only when the set of series changes; data updates go through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [labels]);

  useEffect(() => {
    plot.current?.setData([x.slice(), ...series.map((s) => s.values.slice())] as uPlot.AlignedData);
  }, [x, series]);

  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} class="chart-box" role="img" aria-label={`${title}, per minute over the last hour${summary === undefined ? "" : `: ${summary}`}`} />
    </figure>
  );
}
