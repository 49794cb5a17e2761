/**
 * A seated category's seat map: one button per seat, rows as groups. A free seat toggles on click, Enter or Space
 * (`aria-pressed` says whether it is picked); a taken one is disabled. The map is one stop in the tab order (a
 * roving tabindex) and the arrow keys move between free seats: left and right along the rows, up and down to the
 * nearest free seat of the next row.
 */
import { el } from '../shared/api.ts';
import type { Category } from './box-office-types.ts';

/**
 * @example
 * const map = new SeatMap(category, () => summary.update());
 * section.append(map.element);
 * map.selected; // Set { 'A-3', 'A-4' }
 */
export class SeatMap {
  readonly element: HTMLElement;
  readonly selected = new Set<string>();
  readonly #rows: HTMLButtonElement[][] = [];

  constructor(readonly category: Category, onChange: () => void) {
    const rows = category.seatMap?.rows ?? [];
    this.element = el('div', { class: 'seat-map', role: 'group', 'aria-label': `${category.name}: seat map` });
    for (const row of rows) {
      const taken = new Set(row.taken);
      const buttons: HTMLButtonElement[] = [];
      for (let number = 1; number <= row.seats; number++) {
        const seat = `${row.row}-${number}`;
        const free = !taken.has(number);
        const button = el('button', {
          type: 'button', class: 'seat', 'data-seat': seat, tabindex: '-1',
          'aria-label': free ? `Seat ${seat}` : `Seat ${seat}, taken`, ...(free ? { 'aria-pressed': 'false' } : {}),
        }, String(number)) as HTMLButtonElement;
        button.disabled = !free;
        button.addEventListener('click', () => {
          if (this.selected.has(seat)) this.selected.delete(seat);
          else this.selected.add(seat);
          button.setAttribute('aria-pressed', String(this.selected.has(seat)));
          this.#focus(button);
          onChange();
        });
        buttons.push(button);
      }
      this.#rows.push(buttons);
      this.element.append(el('div', { class: 'seat-row', role: 'group', 'aria-label': `Row ${row.row}` },
        el('span', { class: 'row-name', 'aria-hidden': 'true' }, row.row), ...buttons));
    }
    const first = this.#rows.flat().find((button) => !button.disabled);
    if (first !== undefined) first.tabIndex = 0;
    this.element.addEventListener('keydown', (event) => this.#move(event));
  }

  /** Picks again those of `seats` that are still free (the map redrawn after what is left changed). */
  pick(seats: ReadonlySet<string>): void {
    for (const button of this.#rows.flat()) {
      const seat = button.dataset.seat ?? '';
      if (button.disabled || !seats.has(seat)) continue;
      this.selected.add(seat);
      button.setAttribute('aria-pressed', 'true');
    }
  }

  /** The seats picked, in the map's order. */
  seats(): string[] {
    return this.#rows.flat().map((button) => button.dataset.seat ?? '').filter((seat) => this.selected.has(seat));
  }

  #focus(button: HTMLButtonElement): void {
    for (const other of this.#rows.flat()) other.tabIndex = other === button ? 0 : -1;
    button.focus();
  }

  #move(event: KeyboardEvent): void {
    const current = event.target;
    if (!(current instanceof HTMLButtonElement)) return;
    const rowIndex = this.#rows.findIndex((row) => row.includes(current));
    if (rowIndex < 0) return;
    const free = (buttons: HTMLButtonElement[]) => buttons.filter((button) => !button.disabled);
    let next: HTMLButtonElement | undefined;
    if (event.key === 'ArrowLeft' || event.key === 'ArrowRight') {
      const all = free(this.#rows.flat());
      next = all[all.indexOf(current) + (event.key === 'ArrowLeft' ? -1 : 1)];
    } else if (event.key === 'ArrowUp' || event.key === 'ArrowDown') {
      const step = event.key === 'ArrowUp' ? -1 : 1;
      const distance = (button: HTMLButtonElement) => Math.abs(seatNumber(button) - seatNumber(current));
      for (let r = rowIndex + step; r >= 0 && r < this.#rows.length && next === undefined; r += step) {
        next = free(this.#rows[r]!).sort((a, b) => distance(a) - distance(b))[0];
      }
    } else {
      return;
    }
    event.preventDefault();
    if (next !== undefined) this.#focus(next);
  }
}

/** A seat button's number in its row (`A-7` → 7). */
function seatNumber(button: HTMLButtonElement): number {
  return Number(button.dataset.seat?.split('-')[1]);
}
