import { CliError } from '../errors';
import { checkKeys, type NamedSpec } from '../protocol';

/**
 * Merges a protocol entry's options over a table entry's defaults, rejecting unknown keys (internal).
 *
 * @param spec - the protocol entry (a defense or an attack).
 * @param defaults - the entry's defaults.
 * @param where - e.g. `'defenses[2]'`.
 * @returns the options with `label` split off.
 */
export function resolveSpecOptions<T extends Record<string, unknown>>(spec: NamedSpec, defaults: T, where: string): { options: T; label: string | undefined } {
  const { name: _name, label, ...rest } = spec;
  checkKeys(rest, Object.keys(defaults), `${where} ('${spec.name}')`, 'protocol');
  if (label !== undefined && typeof label !== 'string') throw new CliError(`protocol: '${where}.label' must be a string.`);
  return { options: { ...defaults, ...rest } as T, label };
}

/** Reads an integer option ≥ `min` (internal). */
export function intOption(v: unknown, name: string, where: string, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new CliError(`protocol: '${where}.${name}' must be an integer ≥ ${min}, got ${JSON.stringify(v)}.`);
  return v;
}

/** Reads one integer or an array of integers ≥ `min`, one per stage (internal). */
export function intList(v: unknown, name: string, where: string, length: number, min = 1): number[] {
  const list = typeof v === 'number' ? new Array<number>(length).fill(v) : v;
  if (!Array.isArray(list) || list.length !== length) {
    throw new CliError(`protocol: '${where}.${name}' must be one integer or ${length} integers (one per stage), got ${JSON.stringify(v)}.`);
  }
  return list.map((k, i) => intOption(k, `${name}[${i}]`, where, min));
}

/** Reads a string option from a fixed set (internal). */
export function oneOf<T extends string>(v: unknown, name: string, where: string, values: readonly T[]): T {
  if (typeof v !== 'string' || !values.includes(v as T)) throw new CliError(`protocol: '${where}.${name}' must be one of ${values.map((s) => `'${s}'`).join(', ')}, got ${JSON.stringify(v)}.`);
  return v as T;
}

/** Reads a boolean option (internal). */
export function boolOption(v: unknown, name: string, where: string): boolean {
  if (typeof v !== 'boolean') throw new CliError(`protocol: '${where}.${name}' must be true or false, got ${JSON.stringify(v)}.`);
  return v;
}

/** Reads a number option in `[min, max]` (internal). */
export function numberOption(v: unknown, name: string, where: string, min: number, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new CliError(`protocol: '${where}.${name}' must be a number in [${min}, ${max}], got ${JSON.stringify(v)}.`);
  }
  return v;
}
