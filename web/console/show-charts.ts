/**
 * One live chart per show: its places held and sold over time, every category summed, from the
 * `ticketd_show_places{show,category,state}` gauge the metrics read from each show's inventory actor. A show gets
 * its chart at the first reading that has it (its actor starts at its first booking) and keeps it; the number of
 * charts is bounded, and the shows past the bound are named in a line below them.
 */
import { el } from '../shared/api.ts';
import type { Sample } from '../shared/prometheus.ts';
import { LiveChart } from './live-chart.ts';

const PLACES = 'ticketd_show_places';
const places = (v: number) => `${Math.round(v)}`;

/** Held and sold places of each show in one reading, every category summed. */
export function showPlaces(samples: readonly Sample[]): Map<string, { held: number; sold: number }> {
  const shows = new Map<string, { held: number; sold: number }>();
  for (const { name, labels, value } of samples) {
    const { show, state } = labels;
    if (name !== PLACES || show === undefined || (state !== 'held' && state !== 'sold')) continue;
    const counts = shows.get(show) ?? { held: 0, sold: 0 };
    counts[state] += value;
    shows.set(show, counts);
  }
  return shows;
}

/**
 * @example
 * const charts = new ShowCharts(document.getElementById('show-charts')!, empty, 12, 120);
 * charts.push(Date.now() / 1000, parsePrometheus(text));
 */
export class ShowCharts {
  readonly #holder: HTMLElement;
  readonly #empty: HTMLElement;
  readonly #chartsMax: number;
  readonly #pointsMax: number;
  readonly #charts = new Map<string, LiveChart>();
  readonly #overflow: HTMLElement;

  /** `empty` is the line shown while no show has a chart; `chartsMax` bounds the charts drawn. */
  constructor(holder: HTMLElement, empty: HTMLElement, chartsMax: number, pointsMax: number) {
    if (!Number.isInteger(chartsMax) || chartsMax < 1) throw new RangeError('chartsMax must be a positive integer');
    this.#holder = holder;
    this.#empty = empty;
    this.#chartsMax = chartsMax;
    this.#pointsMax = pointsMax;
    this.#overflow = el('p', { class: 'meta', hidden: '' });
    holder.after(this.#overflow);
  }

  /** Adds one point at `timeS` to each show's chart, making charts for shows seen for the first time. */
  push(timeS: number, samples: readonly Sample[]): void {
    const shows = showPlaces(samples);
    const uncharted: string[] = [];
    for (const [show, { held, sold }] of [...shows].sort(([a], [b]) => a.localeCompare(b))) {
      const chart = this.#charts.get(show) ?? this.#add(show);
      if (chart === undefined) uncharted.push(show);
      else chart.push(timeS, [held, sold]);
    }
    this.#empty.hidden = this.#charts.size > 0;
    this.#overflow.hidden = uncharted.length === 0;
    this.#overflow.textContent = `Not charted (${this.#chartsMax} charts at most): ${uncharted.join(', ')}`;
  }

  #add(show: string): LiveChart | undefined {
    if (this.#charts.size >= this.#chartsMax) return undefined;
    const figure = el('figure', { 'data-show': show }, el('figcaption', {}, `${show}: places held and sold`));
    this.#holder.append(figure);
    const chart = new LiveChart(figure, [{ label: 'held', format: places }, { label: 'sold', format: places }], this.#pointsMax);
    this.#charts.set(show, chart);
    return chart;
  }
}
