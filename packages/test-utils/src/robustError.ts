import { RobustError } from '@robustjs/core';
import { expect } from 'vitest';

/** Runs `fn`, expects it to throw a {@link RobustError}, and returns the error for further checks. */
export function expectRobustError(fn: () => unknown): RobustError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RobustError);
    return e as RobustError;
  }
  throw new Error('expected a RobustError, nothing was thrown');
}

/** Async twin of {@link expectRobustError}: awaits `fn` (sync or async) and returns the RobustError it throws or rejects with. */
export async function expectRobustErrorAsync(fn: () => unknown): Promise<RobustError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RobustError);
    return e as RobustError;
  }
  throw new Error('expected a RobustError, nothing was rejected');
}
