/**
 * RFC 3339 date-times with an explicit offset, parsed by hand: one pass over char codes, no regular expression, no
 * `Date` object, so it is linear and allocates nothing. `Date.parse` is not used because it accepts far more than
 * RFC 3339 (no offset, local time, `2026-02-30` rolled over to March) and differs between engines.
 */

export const TAPPED_AT_LENGTH_MAX = 40;

const MS_PER_DAY = 86_400_000;

/**
 * Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` into epoch milliseconds, or `NaN` if `s` is not one.
 * The date must exist (no month 13, no Feb 30, Feb 29 only in leap years); `T` and `Z` may be lower case as
 * RFC 3339 allows; fractions beyond milliseconds are truncated; leap second `:60` is rejected because epoch
 * milliseconds cannot hold it.
 *
 * @example
 * parseTappedAt('2026-11-22T10:00:00+02:00'); // 1795334400000 (08:00 UTC)
 * parseTappedAt('2026-11-22T10:00:00');       // NaN: no offset
 */
export function parseTappedAt(s: string): number {
  const n = s.length;
  if (n < 20 || n > TAPPED_AT_LENGTH_MAX) return NaN;
  const year = digits4(s, 0);
  const month = digits2(s, 5);
  const day = digits2(s, 8);
  const hour = digits2(s, 11);
  const minute = digits2(s, 14);
  const second = digits2(s, 17);
  const sep = s.charCodeAt(10);
  if (
    s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || (sep !== 84 && sep !== 116) ||
    s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58
  ) {
    return NaN;
  }
  // digitsN answers -1 on a non-digit, which every range check below rejects.
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return NaN;

  let i = 19;
  let fractionMs = 0;
  if (s.charCodeAt(i) === 46) {
    i++;
    const start = i;
    while (i < n && isDigit(s.charCodeAt(i))) {
      if (i - start < 3) fractionMs = fractionMs * 10 + (s.charCodeAt(i) - 48);
      i++;
    }
    if (i === start) return NaN;
    for (let k = i - start; k < 3; k++) fractionMs *= 10;
  }

  const offsetMinutes = parseOffset(s, i);
  if (Number.isNaN(offsetMinutes)) return NaN;
  const localMs = daysFromCivil(year, month, day) * MS_PER_DAY + hour * 3_600_000 + minute * 60_000 +
    second * 1_000 + fractionMs;
  return localMs - offsetMinutes * 60_000;
}

/** `Z` is 0; `±HH:MM` is signed minutes; the offset must end the string. */
function parseOffset(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 90 || c === 122) return i + 1 === s.length ? 0 : NaN;
  if ((c !== 43 && c !== 45) || i + 6 !== s.length || s.charCodeAt(i + 3) !== 58) return NaN;
  const hours = digits2(s, i + 1);
  const minutes = digits2(s, i + 4);
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return NaN;
  const total = hours * 60 + minutes;
  return c === 45 ? -total : total;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function digits2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  // charCodeAt past the end is NaN, and NaN fails these comparisons too.
  if (!(a >= 0 && a <= 9 && b >= 0 && b <= 9)) return -1;
  return a * 10 + b;
}

function digits4(s: string, i: number): number {
  const hi = digits2(s, i);
  const lo = digits2(s, i + 2);
  return hi < 0 || lo < 0 ? -1 : hi * 100 + lo;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
