/**
 * The taps the ledger must recognise when they come again, held in memory instead of in a SQLite index.
 *
 * Why not an index: tap ids are random to SQLite, so every new tap would dirty its own 4 KB page of a tap-id index
 * and every commit would write those pages to the WAL (bench/README.md, "The SQLite ceiling"). Why a window is
 * enough: a tap is only ever charged while it is fresh (`stale_tap` refuses one tapped more than a day ago), so a
 * repeat can only cost money while its `tappedAt` is inside the staleness bound. The window keeps every decided tap
 * whose `tappedAt` is at or after its floor, `horizonMs` before now; a tap older than the floor that the window does
 * not know is refused as stale without being recorded (it can never be charged, and a record would hide the
 * original outcome). The window is bounded: past `entriesMax` it forgets its oldest minutes and raises its floor, so
 * under an extreme load a late repeat is refused as stale rather than memory growing.
 *
 * Entries are kept in buckets by the minute of their `tappedAt`, so expiring a minute drops a bucket.
 */

export interface TapWindowOptions {
  /** How far before now a tap's `tappedAt` must be to be forgotten: at least the staleness bound. */
  horizonMs: number;
  /** Most taps remembered at once. */
  entriesMax: number;
}

const MINUTE_MS = 60_000;

/**
 * @example
 * const window = new TapWindow({ horizonMs: 25 * 3_600_000, entriesMax: 2_000_000 });
 * window.remember('t-1', 42, tappedAtMs);
 * window.eventOf('t-1'); // 42
 */
export class TapWindow {
  readonly #horizonMs: number;
  readonly #entriesMax: number;
  /** Tap id → the id of its latest event. */
  readonly #events = new Map<string, number>();
  /** Minute of `tappedAt` → the tap ids remembered in it. */
  readonly #minutes = new Map<number, string[]>();
  /** Taps tapped before this are forgotten (or were never seen by this window). */
  #floorMs = Number.NEGATIVE_INFINITY;

  constructor(options: TapWindowOptions) {
    if (!Number.isSafeInteger(options.horizonMs) || options.horizonMs < MINUTE_MS) {
      throw new RangeError(`TapWindow option horizonMs must be an integer of at least ${MINUTE_MS}, got ${options.horizonMs}`);
    }
    if (!Number.isSafeInteger(options.entriesMax) || options.entriesMax < 1) {
      throw new RangeError(`TapWindow option entriesMax must be a positive integer, got ${options.entriesMax}`);
    }
    this.#horizonMs = options.horizonMs;
    this.#entriesMax = options.entriesMax;
  }

  get size(): number {
    return this.#events.size;
  }

  /** Taps with a `tappedAt` before this are not known to the window. */
  get floorMs(): number {
    return this.#floorMs;
  }

  /** The id of the tap's latest event, while the window remembers the tap. */
  eventOf(tapId: string): number | undefined {
    return this.#events.get(tapId);
  }

  /** Whether a tap tapped at `tappedAtMs` is older than anything the window can vouch for. */
  tooOld(tappedAtMs: number): boolean {
    return tappedAtMs < this.#floorMs;
  }

  /** Records the tap's latest event. A tap tapped before the floor is not kept. */
  remember(tapId: string, eventId: number, tappedAtMs: number): void {
    if (this.tooOld(tappedAtMs)) return;
    if (this.#events.has(tapId)) {
      this.#events.set(tapId, eventId);
      return;
    }
    this.#events.set(tapId, eventId);
    const minute = Math.floor(tappedAtMs / MINUTE_MS);
    let bucket = this.#minutes.get(minute);
    if (bucket === undefined) this.#minutes.set(minute, (bucket = []));
    bucket.push(tapId);
    if (this.#events.size > this.#entriesMax) this.#forgetOldest();
  }

  /** Forgets every tap tapped more than `horizonMs` before `nowMs`. */
  expire(nowMs: number): void {
    const floorMs = Math.floor((nowMs - this.#horizonMs) / MINUTE_MS) * MINUTE_MS;
    if (floorMs <= this.#floorMs) return;
    this.#floorMs = floorMs;
    for (const minute of [...this.#minutes.keys()]) {
      if (minute * MINUTE_MS < floorMs) this.#drop(minute);
    }
  }

  /** Over the bound: drop the oldest minute, and raise the floor past it. */
  #forgetOldest(): void {
    let oldest = Number.POSITIVE_INFINITY;
    for (const minute of this.#minutes.keys()) if (minute < oldest) oldest = minute;
    this.#drop(oldest);
    this.#floorMs = Math.max(this.#floorMs, (oldest + 1) * MINUTE_MS);
  }

  #drop(minute: number): void {
    for (const tapId of this.#minutes.get(minute) ?? []) this.#events.delete(tapId);
    this.#minutes.delete(minute);
  }
}
