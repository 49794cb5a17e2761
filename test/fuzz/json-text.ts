/**
 * Writing request bodies as JSON text with the two things `JSON.stringify` cannot say: a number literal it would
 * never write (`1e400`, `-0`, `100.0`), and an own key named `__proto__` (an assignment would set the prototype).
 */

/** A piece of JSON text written as is, e.g. `new RawJson('1e400')`, which `JSON.parse` reads as Infinity. */
export class RawJson {
  constructor(readonly text: string) {}
}

/**
 * `value` as JSON text; `RawJson` pieces are copied verbatim.
 *
 * @example
 * toJsonText({ amount: new RawJson('1e400') }); // '{"amount":1e400}'
 */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const fields = Object.keys(value).map((key) => {
      const field = (value as Record<string, unknown>)[key];
      return `${JSON.stringify(key)}:${toJsonText(field)}`;
    });
    return `{${fields.join(',')}}`;
  }
  // undefined (a missing value) has no JSON form; null keeps the text parseable and the field present.
  return JSON.stringify(value) ?? 'null';
}

/**
 * A copy of `object` with `key` set as an own, enumerable field, even when `key` is `__proto__`.
 *
 * @example
 * withField({ a: 1 }, '__proto__', 2); // { a: 1, ['__proto__']: 2 } as JSON: {"a":1,"__proto__":2}
 */
export function withField(object: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...object };
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** A copy of `object` without `key`. */
export function withoutField(object: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...object };
  delete copy[key];
  return copy;
}
