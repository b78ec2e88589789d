import { RobustError as CoreRobustError } from '@robustjs/core';
import { expect, it } from 'vitest';
import { isRobustError, RobustError, ssniTimesteps, type RobustErrorCode } from './index';

it("re-exports core's RobustError, so an ssni user catches its errors without importing core", () => {
  expect(RobustError).toBe(CoreRobustError);
  let caught: unknown;
  try {
    ssniTimesteps([-1], { mean: 1, min: 0, max: 2 }, 'ssni-n', { tStar: 10, tau: 1, bias: 0 });
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(RobustError);
  expect(isRobustError(caught)).toBe(true);
  const code: RobustErrorCode = (caught as RobustError).code;
  expect(code).toBe('OUT_OF_RANGE');
});
