import { RobustError as CoreRobustError } from '@robustjs/core';
import { expect, it } from 'vitest';
import { parseIdx, RobustError, isRobustError, type RobustErrorCode } from './index';

it("re-exports core's RobustError, so a datasets user catches its errors without importing core", () => {
  expect(RobustError).toBe(CoreRobustError);
  let caught: unknown;
  try {
    parseIdx(new Uint8Array([1, 2]));
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(RobustError);
  expect(isRobustError(caught)).toBe(true);
  const code: RobustErrorCode = (caught as RobustError).code;
  expect(code).toBe('CORRUPT_FILE');
});
