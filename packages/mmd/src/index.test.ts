import { RobustError as CoreRobustError } from '@robustjs/core';
import { expect, it } from 'vitest';
import { MmdDetector, RobustError, isRobustError, type RobustErrorCode } from './index';

it("re-exports core's RobustError, so an mmd user catches mmd's errors without importing core", () => {
  expect(RobustError).toBe(CoreRobustError);
  let caught: unknown;
  try {
    new MmdDetector(undefined, { bogus: 1 } as never);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(RobustError);
  expect(isRobustError(caught)).toBe(true);
  const code: RobustErrorCode = (caught as RobustError).code;
  expect(code).toBe('UNKNOWN_OPTION');
});
