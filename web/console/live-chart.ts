/**
 * A live line chart on uPlot: a rolling window of the last `pointsMax` points (one a second), redrawn on each push,
 * sized to its figure. Below the canvas a line of text gives the latest values, for screen readers and for anyone
 * reading the figure at a glance; the figure's `data-latest` holds them too (comma-separated, series order).
 */
import uPlot from 'uplot';
import { el } from '../shared/api.ts';

const HEIGHT_PX = 180;
const COLOURS = ['#0b5394', '#a1001c', '#0a6b2d', '#7a4b00', '#5b2a86'];

export interface SeriesSpec {
  label: string;
  /** How the latest value reads in the text line, e.g. `(v) => `${v.toFixed(1)}/s``. */
  format: (value: number) => string;
}

/**
 * The time axis: the readings' span, or, before there are two readings, the minute up to the one there is (or up
 * to now): uPlot would stretch a single reading over 86,400 × 1,000 s (years) and draw no readings at 1970.
 */
function xRange(u: uPlot, min: number, max: number): uPlot.Range.MinMax {
  const readings = u.data[0].length;
  if (readings >= 2) return [min, max];
  const last = readings === 1 ? min : Date.now() / 1000;
  return [last - 60, last];
}

/**
 * @example
 * const chart = new LiveChart(figure, [{ label: 'issued', format: (v) => `${v}/s` }], 120);
 * chart.push(Date.now() / 1000, [3]);
 */
export class LiveChart {
  readonly #figure: HTMLElement;
  readonly #series: readonly SeriesSpec[];
  readonly #pointsMax: number;
  readonly #data: number[][];
  readonly #plot: uPlot;
  readonly #text: HTMLElement;

  constructor(figure: HTMLElement, series: readonly SeriesSpec[], pointsMax: number) {
    if (!Number.isInteger(pointsMax) || pointsMax < 2) throw new RangeError('pointsMax must be an integer of 2 or more');
    this.#figure = figure;
    this.#series = series;
    this.#pointsMax = pointsMax;
    this.#data = [[], ...series.map(() => [])];
    const holder = el('div', { class: 'plot', 'aria-hidden': 'true' });
    this.#text = el('p', { class: 'latest' }, 'waiting for the first reading…');
    figure.append(holder, this.#text);
    this.#plot = new uPlot({
      width: this.#width(),
      height: HEIGHT_PX,
      legend: { show: true },
      scales: { x: { time: true, range: xRange }, y: { range: (_u, min, max) => [Math.min(0, min), Math.max(1, max)] } },
      series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: COLOURS[i % COLOURS.length], width: 2 }))],
    }, this.#data as uPlot.AlignedData, holder);
    window.addEventListener('resize', () => this.#plot.setSize({ width: this.#width(), height: HEIGHT_PX }));
  }

  /** Adds one point per series at `timeS` (seconds), dropping the oldest beyond the window. */
  push(timeS: number, values: readonly number[]): void {
    if (values.length !== this.#series.length) throw new RangeError(`expected ${this.#series.length} values, got ${values.length}`);
    this.#data[0]!.push(timeS);
    values.forEach((value, i) => this.#data[i + 1]!.push(value));
    if (this.#data[0]!.length > this.#pointsMax) for (const column of this.#data) column.shift();
    this.#plot.setData(this.#data as uPlot.AlignedData);
    this.#figure.dataset.latest = values.join(',');
    this.#text.textContent = this.#series.map((s, i) => `${s.label}: ${s.format(values[i]!)}`).join(' · ');
  }

  #width(): number {
    return Math.max(200, this.#figure.clientWidth - 20);
  }
}
