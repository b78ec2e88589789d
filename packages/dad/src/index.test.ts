import { RobustError as CoreRobustError } from '@robustjs/core';
import { expect, it } from 'vitest';
import { kernelFromDetector, RobustError, isRobustError, type RobustErrorCode } from './index';

it("re-exports core's RobustError, so a dad user catches its errors without importing core", async () => {
  expect(RobustError).toBe(CoreRobustError);
  const caught: unknown = await kernelFromDetector({} as never).catch((e: unknown) => e);
  expect(caught).toBeInstanceOf(RobustError);
  expect(isRobustError(caught)).toBe(true);
  const code: RobustErrorCode = (caught as RobustError).code;
  expect(code).toBe('INVALID_ARGUMENT');
});
