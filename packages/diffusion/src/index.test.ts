import { RobustError as CoreRobustError } from '@robustjs/core';
import { expect, it } from 'vitest';
import { linearSchedule, RobustError, isRobustError, type RobustErrorCode } from './index';

it("re-exports core's RobustError, so a diffusion user catches its errors without importing core", () => {
  expect(RobustError).toBe(CoreRobustError);
  let caught: unknown;
  try {
    linearSchedule({ T: 0 });
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(RobustError);
  expect(isRobustError(caught)).toBe(true);
  const code: RobustErrorCode = (caught as RobustError).code;
  expect(code).toBe('OUT_OF_RANGE');
});
