/**
 * The taps the ledger must recognise when they come again, held in memory instead of in a SQLite index.
 *
 * Why not an index: tap ids are random to SQLite, so every new tap would dirty its own 4 KB page of a tap-id index
 * and every commit would write those pages to the WAL (bench/README.md, "The SQLite ceiling"). Why a window is
 * enough: a tap is only ever charged while it is fresh (`stale_tap` refuses one tapped more than a day ago), so a
 * repeat can only cost money while its `tappedAt` is inside the staleness bound. The window keeps every decided tap
 * whose `tappedAt` is at or after its floor, `horizonMs` before now; a tap older than the floor that the window does
 * not know is refused as stale without being recorded (it can never be charged, and a record would hide the
 * original outcome). The window is bounded: past `entriesMax` it forgets its oldest generation of taps and raises its
 * floor just past them, so under an extreme load a late repeat is refused as stale rather than memory growing.
 *
 * Compact: a tap is a 52-bit hash of its id and the id of its latest event, 16 bytes in typed arrays (about 40 with
 * the tables' spare room), not a string key in a Map (about 200 bytes). A hash names candidates only: the caller
 * confirms each against the event it points to, so two taps whose ids collide are both kept and never confused.
 * Entries live in generations: a table takes taps until it holds a sixteenth of `entriesMax`, then the next one
 * starts. Forgetting drops a whole table, the oldest: when all its taps are older than the horizon, or when the
 * window is over its bound (the floor then rises to the newest `tappedAt` in it, seconds ago under a flood, not an
 * hour). A lookup probes every table: at most 17 over the bound, about one per sixteenth of the bound otherwise.
 */

export interface TapWindowOptions {
  /** How far before now a tap's `tappedAt` must be to be forgotten: at least the staleness bound. */
  horizonMs: number;
  /** Most taps remembered at once. */
  entriesMax: number;
}

const HOUR_MS = 3_600_000;
const INITIAL_SLOTS = 1_024;
/** Tables per bound: a dropped table is this fraction of the window. */
const GENERATIONS = 16;

/** Two 32-bit FNV-1a hashes of the id with different offsets: the first picks the slot, both make the key. */
function hashOf(tapId: string): { slot: number; key: number } {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ tapId.length;
  for (let i = 0; i < tapId.length; i++) {
    const c = tapId.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  a >>>= 0;
  b >>>= 0;
  // 32 + 20 bits: a safe integer; 0 marks an empty slot, so a key is never 0.
  return { slot: a, key: a * 0x100000 + (b >>> 12) + 1 };
}

/** One generation of taps: an open-addressing table (linear probing) of hash → event id, at most half full. */
class Generation {
  keys = new Float64Array(INITIAL_SLOTS);
  events = new Float64Array(INITIAL_SLOTS);
  size = 0;
  /** The newest `tappedAt` among its taps. */
  newestMs = Number.NEGATIVE_INFINITY;

  add(slot: number, key: number, eventId: number): void {
    if ((this.size + 1) * 2 > this.keys.length) this.#grow();
    const mask = this.keys.length - 1;
    let i = slot & mask;
    while (this.keys[i] !== 0) i = (i + 1) & mask;
    this.keys[i] = key;
    this.events[i] = eventId;
    this.size++;
  }

  /** Calls `visit` with the event id of every entry whose key is `key`. */
  forEach(slot: number, key: number, visit: (eventId: number) => void): void {
    const mask = this.keys.length - 1;
    for (let i = slot & mask; this.keys[i] !== 0; i = (i + 1) & mask) {
      if (this.keys[i] === key) visit(this.events[i] as number);
    }
  }

  #grow(): void {
    const { keys, events } = this;
    this.keys = new Float64Array(keys.length * 2);
    this.events = new Float64Array(keys.length * 2);
    this.size = 0;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as number;
      // The slot hash is the key's top 32 bits.
      if (key !== 0) this.add(Math.floor((key - 1) / 0x100000), key, events[i] as number);
    }
  }
}

/**
 * @example
 * const window = new TapWindow({ horizonMs: 25 * 3_600_000, entriesMax: 2_000_000 });
 * window.remember('t-1', 42, tappedAtMs);
 * window.eventOf('t-1', (id) => tapIdOfEvent(id) === 't-1'); // 42
 */
export class TapWindow {
  readonly #horizonMs: number;
  readonly #entriesMax: number;
  readonly #generationMax: number;
  /** Oldest first; the last one takes new taps. */
  #generations: Generation[] = [new Generation()];
  #size = 0;
  /** Taps tapped before this are forgotten (or were never seen by this window). */
  #floorMs = Number.NEGATIVE_INFINITY;

  constructor(options: TapWindowOptions) {
    if (!Number.isSafeInteger(options.horizonMs) || options.horizonMs < HOUR_MS) {
      throw new RangeError(`TapWindow option horizonMs must be an integer of at least ${HOUR_MS}, got ${options.horizonMs}`);
    }
    if (!Number.isSafeInteger(options.entriesMax) || options.entriesMax < 1) {
      throw new RangeError(`TapWindow option entriesMax must be a positive integer, got ${options.entriesMax}`);
    }
    this.#horizonMs = options.horizonMs;
    this.#entriesMax = options.entriesMax;
    this.#generationMax = Math.ceil(options.entriesMax / GENERATIONS);
  }

  /** Entries held: one per decision remembered (a replayed tap has one per decision). */
  get size(): number {
    return this.#size;
  }

  /** Taps with a `tappedAt` before this are not known to the window. */
  get floorMs(): number {
    return this.#floorMs;
  }

  /**
   * The id of the tap's latest event while the window remembers the tap. `isTap(eventId)` confirms that an event
   * is this tap's: a hash may also name another tap's.
   */
  eventOf(tapId: string, isTap: (eventId: number) => boolean): number | undefined {
    const { slot, key } = hashOf(tapId);
    let latest: number | undefined;
    for (const table of this.#generations) {
      table.forEach(slot, key, (eventId) => {
        if ((latest === undefined || eventId > latest) && isTap(eventId)) latest = eventId;
      });
    }
    return latest;
  }

  /** Whether a tap tapped at `tappedAtMs` is older than anything the window can vouch for. */
  tooOld(tappedAtMs: number): boolean {
    return tappedAtMs < this.#floorMs;
  }

  /** Records a decision of the tap (its event). A tap tapped before the floor is not kept. */
  remember(tapId: string, eventId: number, tappedAtMs: number): void {
    if (this.tooOld(tappedAtMs)) return;
    let table = this.#generations[this.#generations.length - 1] as Generation;
    if (table.size >= this.#generationMax) this.#generations.push((table = new Generation()));
    const { slot, key } = hashOf(tapId);
    table.add(slot, key, eventId);
    if (tappedAtMs > table.newestMs) table.newestMs = tappedAtMs;
    this.#size++;
    if (this.#size > this.#entriesMax) this.#forgetOldest(true);
  }

  /** Forgets the taps tapped more than `horizonMs` before `nowMs` (a whole generation at a time, once all are). */
  expire(nowMs: number): void {
    const floorMs = nowMs - this.#horizonMs;
    if (floorMs <= this.#floorMs) return;
    this.#floorMs = floorMs;
    // The last generation left is kept even when empty: it takes the next taps.
    for (let oldest = this.#generations[0] as Generation; oldest.size > 0 && oldest.newestMs < floorMs; oldest = this.#generations[0] as Generation) {
      this.#forgetOldest(false);
    }
  }

  /** Drops the oldest generation; over the bound, the floor rises past its newest tap. */
  #forgetOldest(overBound: boolean): void {
    const oldest = this.#generations.shift() as Generation;
    this.#size -= oldest.size;
    if (overBound) this.#floorMs = Math.max(this.#floorMs, oldest.newestMs + 1);
    if (this.#generations.length === 0) this.#generations.push(new Generation());
  }
}
