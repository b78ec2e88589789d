/*
 * Reading the numeric command-line flags: each value is checked against its range before any work,
 * and a bad one is a CliError (exit status 2) naming the flag, what came, the range and an example.
 */
import { CliError } from './errors';
import { epsProblem } from './threatModel';

/** Seeds, counts and durations above this lose precision as JavaScript numbers. */
const MAX_INT = Number.MAX_SAFE_INTEGER;

/** The range of an integer flag: `min`, optional `max`, and why the max (for the message). */
export interface IntRange {
  /** Smallest value allowed. */
  readonly min: number;
  /** Largest value allowed; default `Number.MAX_SAFE_INTEGER`. */
  readonly max?: number;
  /** Why the max, e.g. `'the rest of the test split is held out'`. */
  readonly why?: string;
}

/**
 * Reads an integer flag: digits only, within `[min, max]`.
 *
 * @param value - the flag's text, or `undefined` when absent.
 * @param name - the flag without dashes (e.g. `'steps'`).
 * @param range - `{ min, max?, why? }`.
 * @returns the number, or `undefined` when the flag is absent.
 * @throws {@link CliError} naming `--name`, what came and the range.
 * @example
 * ```ts
 * intFlag('10', 'steps', { min: 1 }); // 10
 * ```
 */
export function intFlag(
  value: string | undefined,
  name: string,
  range: IntRange,
): number | undefined {
  if (value === undefined) return undefined;
  const max = range.max ?? MAX_INT;
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < range.min || n > max) {
    const bounds = max === MAX_INT ? `≥ ${range.min}` : `in [${range.min}, ${max}]`;
    const why = range.why === undefined || n <= max ? '' : ` (${range.why})`;
    throw new CliError(
      `Option '--${name}' must be an integer ${bounds}${why}, got '${value}'. ` +
        `Pass e.g. --${name} ${Math.max(range.min, 1)}.`,
    );
  }
  return n;
}

/**
 * Reads ε: a number or a fraction such as `8/255`, inside the threat model's range: (0, 1] for
 * l_inf, (0, sqrt(H·W·C)] for l2 (see {@link epsProblem}).
 *
 * @param value - the flag's text, or `undefined` when absent.
 * @param norm - the threat model the budget is for.
 * @returns ε, or `undefined` when the flag is absent.
 * @throws {@link CliError} naming `--eps`, what came, the range for `norm` and typical values.
 * @example
 * ```ts
 * epsFlag('8/255', 'linf'); // 0.0313…
 * ```
 */
export function epsFlag(value: string | undefined, norm: 'linf' | 'l2'): number | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*([0-9.eE+-]+)\s*(?:\/\s*([0-9.eE+-]+)\s*)?$/.exec(value);
  const eps = m === null ? Number.NaN : Number(m[1]) / (m[2] === undefined ? 1 : Number(m[2]));
  const problem = epsProblem(eps, norm, `'${value}'`);
  if (problem !== undefined) {
    throw new CliError(`Option '--eps' ${problem.replace('norm l2', '--norm l2')}`);
  }
  return eps;
}

/**
 * A flag's help text with its default, as commander prints the defaults it holds itself:
 * `"text (default: 10)"`.
 *
 * @param text - what the flag does.
 * @param value - the default, in words when it is not a fixed value (e.g. `"the protocol's"`).
 * @returns the help text.
 * @example
 * ```ts
 * withDefault('attack iterations', 10); // 'attack iterations (default: 10)'
 * ```
 */
export function withDefault(text: string, value: string | number | boolean): string {
  return `${text} (default: ${typeof value === 'boolean' ? (value ? 'on' : 'off') : value})`;
}
