/**
 * JSON with the keys of every object sorted: the same text for equal values whatever order their keys were set in
 * (what `merge` compares protocols by and what {@link protocolHash} hashes).
 *
 * @param value - any JSON value.
 * @returns its JSON text, keys sorted at every depth, no whitespace.
 * @example
 * ```ts
 * stableJson({ b: 1, a: 2 }); // '{"a":2,"b":1}'
 * ```
 */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, val: unknown) =>
    val !== null && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : val);
}
