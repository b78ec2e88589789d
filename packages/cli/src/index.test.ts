import { RobustError as CoreRobustError } from '@robustjs/core';
import { expect, it } from 'vitest';
import {
  describeFailure, EXIT_USAGE, isRobustError, RobustError, type RobustErrorCode,
} from './index';

it("re-exports core's RobustError, the class describeFailure maps to exit status 2", () => {
  expect(RobustError).toBe(CoreRobustError);
  expect(isRobustError(new RobustError('IO_ERROR', 'x'))).toBe(true);
  const code: RobustErrorCode = 'OUT_OF_RANGE';
  const failure = describeFailure(new RobustError(code, "Argument 'eps' passed to 'pgd' must be > 0."));
  expect(failure).toEqual({ exitCode: EXIT_USAGE, message: "OUT_OF_RANGE: Argument 'eps' passed to 'pgd' must be > 0." });
});
