import { RobustError as CoreRobustError } from '@robustjs/core';
import { expect, it } from 'vitest';
import { isRobustError, RobustError, zooEntry, type RobustErrorCode } from './index';

it("re-exports core's RobustError, so a zoo user catches its errors without importing core", () => {
  expect(RobustError).toBe(CoreRobustError);
  let caught: unknown;
  try {
    zooEntry('resnet' as never);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(RobustError);
  expect(isRobustError(caught)).toBe(true);
  const code: RobustErrorCode = (caught as RobustError).code;
  expect(code).toBe('NOT_FOUND');
});
