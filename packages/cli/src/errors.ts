import { RobustError, type RobustErrorCode } from '@robustjs/core';

/** Exit status of a successful command. */
export const EXIT_OK = 0;
/** Exit status of a run that failed while working (a bug, out of memory, a kernel error). */
export const EXIT_FAILURE = 1;
/** Exit status of bad input: unknown command or flag, bad value, missing or corrupt file, bad protocol. */
export const EXIT_USAGE = 2;

/** Error codes of {@link RobustError} that mean "the input was bad" and map to exit status {@link EXIT_USAGE}. */
const USAGE_CODES: ReadonlySet<RobustErrorCode> = new Set<RobustErrorCode>([
  'INVALID_ARGUMENT', 'OUT_OF_RANGE', 'UNKNOWN_OPTION', 'NOT_FOUND', 'CORRUPT_FILE', 'IO_ERROR', 'SHAPE_MISMATCH', 'BACKEND_UNAVAILABLE', 'EMPTY_INPUT',
]);

/**
 * A command-line usage error: bad flags, values, files or protocols. The CLI prints its one-line message and exits
 * with {@link EXIT_USAGE}.
 *
 * @example
 * ```ts
 * throw new CliError("Option '--images' must be an integer ≥ 1, got 'ten'.");
 * ```
 */
export class CliError extends Error {
  /** The exit status this error maps to. */
  readonly exitCode: number;

  /**
   * @param message - one line: what was wrong, what was expected, the fix.
   * @param exitCode - default {@link EXIT_USAGE}.
   */
  constructor(message: string, exitCode: number = EXIT_USAGE) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/**
 * The exit status and one-line message for an error thrown by a command: {@link CliError} carries its own status,
 * a {@link RobustError} about the input (unknown option, missing or corrupt file, bad value) gives {@link EXIT_USAGE},
 * anything else {@link EXIT_FAILURE}.
 *
 * @param error - what was thrown.
 * @returns `{ exitCode, message }` with the message on one line.
 * @example
 * ```ts
 * const { exitCode, message } = describeFailure(new CliError('bad'));
 * ```
 */
export function describeFailure(error: unknown): { readonly exitCode: number; readonly message: string } {
  const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ').trim();
  if (error instanceof CliError) return { exitCode: error.exitCode, message: oneLine(error.message) };
  if (error instanceof RobustError) {
    return { exitCode: USAGE_CODES.has(error.code) ? EXIT_USAGE : EXIT_FAILURE, message: oneLine(`${error.code}: ${error.message}`) };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { exitCode: EXIT_FAILURE, message: oneLine(message) };
}

/**
 * A model file the run needs is absent (a {@link CliError}, exit status 2). `robustjs demo` skips the defenses that
 * need it and says so; `robustjs eval` fails.
 *
 * @example
 * ```ts
 * throw new MissingModelError("The diffusion UNet not found at 'unet.safetensors'.");
 * ```
 */
export class MissingModelError extends CliError {
  /**
   * @param message - one line: which file, where, the fix.
   */
  constructor(message: string) {
    super(message, EXIT_USAGE);
    this.name = 'MissingModelError';
  }
}
