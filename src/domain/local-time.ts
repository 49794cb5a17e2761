/**
 * Local wall-clock time in an IANA time zone, via Intl (so DST follows the tz database, not a fixed offset).
 * Constructing an `Intl.DateTimeFormat` costs far more than using one, so formatters are cached per time zone;
 * the cache is bounded because time zones come from configuration, and a park has one.
 */

const FORMATTERS_MAX = 16;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    // hourCycle h23, not hour12: false, which some ICU versions answer with hour "24" at midnight.
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit', numberingSystem: 'latn',
    });
    if (formatters.size >= FORMATTERS_MAX) formatters.clear();
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

const BLOCK_MS = 15 * 60_000;
const BLOCKS_MAX = 4_096;
/** Per time zone: local minute of day at the start of a 15-minute UTC block, for blocks that hold no switch. */
const blockStarts = new Map<string, Map<number, number>>();

/**
 * Minutes since local midnight (0..1439) of the instant `epochMs` in `timeZone`. Throws a RangeError for an
 * unknown time zone; validate configuration with {@link isKnownTimeZone} first.
 *
 * Asking Intl costs about 1.5 µs, most of the cost of pricing a tap; so the answer for the start of each 15-minute
 * UTC block is cached and the minutes inside the block are added. A block is cached only when its last
 * millisecond agrees with its start (no DST switch, no offset with seconds inside it), so the answer is exact.
 *
 * @example
 * localMinuteOfDay(Date.UTC(2026, 6, 1, 10, 30), 'Europe/Amsterdam'); // 750 (12:30, CEST)
 * localMinuteOfDay(Date.UTC(2026, 0, 1, 11, 30), 'Europe/Amsterdam'); // 750 (12:30, CET)
 */
export function localMinuteOfDay(epochMs: number, timeZone: string): number {
  const block = Math.floor(epochMs / BLOCK_MS);
  let starts = blockStarts.get(timeZone);
  let start = starts?.get(block);
  if (start === undefined) {
    const blockStartMs = block * BLOCK_MS;
    const first = askIntl(blockStartMs, timeZone);
    if (askIntl(blockStartMs + BLOCK_MS - 1, timeZone) !== (first + 14) % 1_440) return askIntl(epochMs, timeZone);
    if (starts === undefined) {
      if (blockStarts.size >= FORMATTERS_MAX) blockStarts.clear();
      starts = new Map();
      blockStarts.set(timeZone, starts);
    }
    if (starts.size >= BLOCKS_MAX) starts.clear();
    starts.set(block, first);
    start = first;
  }
  return (start + Math.floor((epochMs - block * BLOCK_MS) / 60_000)) % 1_440;
}

function askIntl(epochMs: number, timeZone: string): number {
  let hour = -1;
  let minute = -1;
  for (const part of formatterFor(timeZone).formatToParts(epochMs)) {
    if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  if (!(hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59)) {
    throw new Error(`Intl gave no local time for ${epochMs} in ${timeZone}`);
  }
  return hour * 60 + minute;
}

/**
 * Whether Intl knows `timeZone` as an IANA time zone name.
 *
 * @example
 * isKnownTimeZone('Europe/Amsterdam'); // true
 * isKnownTimeZone('Mars/Olympus');     // false
 */
export function isKnownTimeZone(timeZone: string): boolean {
  if (timeZone === '') return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}
