import { RobustError as CoreRobustError } from '@robustjs/core';
import { expect, it } from 'vitest';
import { pgd, RobustError, isRobustError, type RobustErrorCode } from './index';

it("re-exports core's RobustError, so an attacks user catches its errors without importing core", () => {
  expect(RobustError).toBe(CoreRobustError);
  let caught: unknown;
  try {
    pgd('not a model' as never, 'x' as never, 'y' as never);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(RobustError);
  expect(isRobustError(caught)).toBe(true);
  const code: RobustErrorCode = (caught as RobustError).code;
  expect(code).toBe('INVALID_ARGUMENT');
});
