/**
 * Writing RFC 3339 date-times with an explicit offset, the form `POST /v1/taps` wants for `tappedAt` (the reading
 * side is src/domain/rfc3339.ts).
 */

/**
 * `epochMs` as local time at `offsetMinutes` from UTC, with milliseconds and the offset spelled out
 * (`+00:00`, never `Z`, so every tap shows where it was written). Fractions of a millisecond are dropped.
 *
 * @example
 * formatRfc3339(Date.UTC(2026, 10, 22, 8, 0, 0, 5), 120); // '2026-11-22T10:00:00.005+02:00'
 * formatRfc3339(Date.UTC(2026, 10, 22, 8), -90);           // '2026-11-22T06:30:00.000-01:30'
 */
export function formatRfc3339(epochMs: number, offsetMinutes: number): string {
  const local = new Date(Math.floor(epochMs) + offsetMinutes * 60_000);
  const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1, 2)}-${pad(local.getUTCDate(), 2)}`;
  const time = `${pad(local.getUTCHours(), 2)}:${pad(local.getUTCMinutes(), 2)}:${pad(local.getUTCSeconds(), 2)}`;
  const abs = Math.abs(offsetMinutes);
  const offset = `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
  return `${date}T${time}.${pad(local.getUTCMilliseconds(), 3)}${offset}`;
}

/**
 * The offset from UTC of the process's time zone at `epochMs`, in minutes (east positive, DST included).
 *
 * @example
 * localUtcOffsetMinutes(Date.UTC(2026, 6, 1)); // 120 with TZ=Europe/Amsterdam
 */
export function localUtcOffsetMinutes(epochMs: number): number {
  // getTimezoneOffset counts west positive; `|| 0` turns its -0 for UTC into 0.
  return -new Date(epochMs).getTimezoneOffset() || 0;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
