/**
 * The one error type of robustjs. Every package throws a {@link RobustError}
 * whose message names the argument and the function, what was expected, what
 * came, and how to fix it.
 *
 * @packageDocumentation
 */

/**
 * Machine-readable reasons a robustjs call can fail.
 *
 * - `INVALID_ARGUMENT`: an argument has the wrong type, rank, shape, dtype, size or value.
 * - `OUT_OF_RANGE`: values lie outside the documented range (e.g. images outside [0,1]).
 * - `NOT_FINITE`: a tensor contains NaN or ±Infinity.
 * - `EMPTY_INPUT`: a batch or set has no elements.
 * - `SHAPE_MISMATCH`: two arguments that must agree (batch sizes, sample sizes) do not.
 * - `UNKNOWN_OPTION`: an options object holds a key the function does not know.
 * - `BACKEND_UNAVAILABLE`: a requested tfjs backend cannot be loaded or initialised here.
 * - `KERNEL_UNSUPPORTED`: a kernel was asked for a configuration it does not implement.
 * - `IO_ERROR`: a file or URL cannot be read or written.
 * - `CORRUPT_FILE`: a file was read but its content is truncated, malformed or inconsistent.
 * - `NOT_FOUND`: a named tensor, file or entry does not exist.
 */
export type RobustErrorCode =
  | 'INVALID_ARGUMENT'
  | 'OUT_OF_RANGE'
  | 'NOT_FINITE'
  | 'EMPTY_INPUT'
  | 'SHAPE_MISMATCH'
  | 'UNKNOWN_OPTION'
  | 'BACKEND_UNAVAILABLE'
  | 'KERNEL_UNSUPPORTED'
  | 'IO_ERROR'
  | 'CORRUPT_FILE'
  | 'NOT_FOUND';

/**
 * Error thrown by every robustjs package.
 *
 * @example
 * ```ts
 * try {
 *   assertImages(x, 'x', 'pgd');
 * } catch (e) {
 *   if (e instanceof RobustError && e.code === 'OUT_OF_RANGE') console.error(e.message);
 * }
 * ```
 */
export class RobustError extends Error {
  /** Machine-readable reason, see {@link RobustErrorCode}. */
  readonly code: RobustErrorCode;

  /**
   * @param code - the machine-readable reason.
   * @param message - the full human message: argument, function, expected, got, fix.
   * @param options - `cause`: the underlying error, if any.
   */
  constructor(code: RobustErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RobustError';
    this.code = code;
  }
}

/**
 * Throws a {@link RobustError} with `code` and the lazily built message when `cond` is false.
 * The message thunk runs only on failure, so building it may be costly.
 *
 * @param cond - the condition that must hold.
 * @param code - the error code used on failure.
 * @param message - builds the message: name the argument and function, expected vs. got, and the fix.
 * @throws {@link RobustError} when `cond` is false.
 * @example
 * ```ts
 * assert(eps > 0, 'INVALID_ARGUMENT', () => `Argument 'eps' passed to 'pgd' must be > 0, got ${eps}.`);
 * ```
 */
export function assert(cond: unknown, code: RobustErrorCode, message: () => string): asserts cond {
  if (!cond) throw new RobustError(code, message());
}

/**
 * Formats a value for an error message: shapes as `[a,b]`, strings quoted, long arrays cut.
 *
 * @param value - anything.
 * @returns a short printable representation.
 * @example
 * ```ts
 * describeValue([32, 32, 3]); // "[32,32,3]"
 * ```
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) {
    const items = value.slice(0, 8).map(describeValue);
    return `[${items.join(',')}${value.length > 8 ? ',…' : ''}]`;
  }
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  const ctor = (value as object).constructor?.name;
  if (ctor && ctor !== 'Object') return `a ${ctor}`;
  try {
    const s = JSON.stringify(value);
    return s.length > 80 ? `${s.slice(0, 77)}…` : s;
  } catch {
    return 'an object';
  }
}
