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

/** Every {@link RobustErrorCode}, for {@link isRobustError} (a Record: the compiler checks it). */
const ROBUST_ERROR_CODES: Readonly<Record<RobustErrorCode, true>> = Object.freeze({
  INVALID_ARGUMENT: true, OUT_OF_RANGE: true, NOT_FINITE: true, EMPTY_INPUT: true,
  SHAPE_MISMATCH: true, UNKNOWN_OPTION: true, BACKEND_UNAVAILABLE: true, KERNEL_UNSUPPORTED: true,
  IO_ERROR: true, CORRUPT_FILE: true, NOT_FOUND: true,
});

/**
 * Whether `error` is a {@link RobustError}, also one thrown by another copy of `@robustjs/core`
 * (two installed versions, or a bundle that inlined one): `instanceof` sees only this copy's class,
 * so this checks the name and a known {@link RobustErrorCode} as well.
 *
 * @param error - anything caught.
 * @returns `true` for a RobustError of any copy; then `error.code` and `error.message` are set.
 * @example
 * ```ts
 * try {
 *   pgd(model, x, y, { eps: 2 });
 * } catch (e) {
 *   if (isRobustError(e) && e.code === 'OUT_OF_RANGE') console.error(e.message);
 *   else throw e;
 * }
 * ```
 */
export function isRobustError(error: unknown): error is RobustError {
  if (error instanceof RobustError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
  return name === 'RobustError' && typeof message === 'string' && typeof code === 'string' &&
    Object.hasOwn(ROBUST_ERROR_CODES, code);
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

/** Nesting below this depth prints as `[…]` or `{…}`. */
const DESCRIBE_MAX_DEPTH = 4;
/** Arrays and objects show at most this many items, then `…`. */
const DESCRIBE_MAX_ITEMS = 8;
/** The whole description is cut to this many characters. */
const DESCRIBE_MAX_LENGTH = 100;

function cut(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function describeBounded(value: unknown, depth: number, ancestors: Set<object>): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(cut(value, DESCRIBE_MAX_LENGTH));
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  const obj = value as object;
  if (ancestors.has(obj)) return '[circular]';
  const isArray = Array.isArray(obj);
  if (!isArray) {
    const ctor = Object.getPrototypeOf(obj) === null ? undefined : (obj as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof ctor === 'string' && ctor !== '' && ctor !== 'Object') return `a ${ctor}`;
  }
  if (depth >= DESCRIBE_MAX_DEPTH) return isArray ? '[…]' : '{…}';
  ancestors.add(obj);
  try {
    const items: string[] = [];
    let more = false;
    if (isArray) {
      const arr = obj as unknown[];
      for (let i = 0; i < Math.min(arr.length, DESCRIBE_MAX_ITEMS); i++) {
        items.push(describeBounded(arr[i], depth + 1, ancestors));
      }
      more = arr.length > DESCRIBE_MAX_ITEMS;
      return `[${items.join(',')}${more ? ',…' : ''}]`;
    }
    for (const key in obj) {
      if (!Object.prototype.hasOwnProperty.call(obj, key)) continue;
      if (items.length === DESCRIBE_MAX_ITEMS) {
        more = true;
        break;
      }
      const v = (obj as Record<string, unknown>)[key];
      items.push(`${JSON.stringify(cut(key, DESCRIBE_MAX_LENGTH))}:${describeBounded(v, depth + 1, ancestors)}`);
    }
    return `{${items.join(',')}${more ? ',…' : ''}}`;
  } finally {
    ancestors.delete(obj);
  }
}

/**
 * Formats a value for an error message: shapes as `[a,b]`, strings quoted, long arrays cut.
 *
 * The work and the result are bounded whatever the input (values from hostile files reach it):
 * at most 8 items per array or object, nesting deeper than 4 levels prints as `[…]`/`{…}`,
 * cycles print as `[circular]`, and the result is cut to 100 characters.
 *
 * @param value - anything.
 * @returns a short printable representation (at most 100 characters).
 * @example
 * ```ts
 * describeValue([32, 32, 3]); // "[32,32,3]"
 * ```
 */
export function describeValue(value: unknown): string {
  try {
    return cut(describeBounded(value, 0, new Set()), DESCRIBE_MAX_LENGTH);
  } catch {
    // A getter or proxy trap threw while reading the value.
    return 'an object';
  }
}
