import { describe, expect, it } from 'vitest';
import { expectRobustError } from '@robustjs/test-utils';
import { assertNorm } from './assertNorm';

describe('assertNorm', () => {
  it('accepts linf and l2 and names the function, the valid values and the value got otherwise', () => {
    expect(() => assertNorm('linf', 'pgd')).not.toThrow();
    expect(() => assertNorm('l2', 'pgd')).not.toThrow();
    const e = expectRobustError(() => assertNorm('l1', 'pgd'));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toBe(`Option 'norm' passed to 'pgd' must be one of 'linf', 'l2', got "l1".`);
    expect(expectRobustError(() => assertNorm(undefined, 'apgd')).message).toMatch(/got undefined/);
    expect(expectRobustError(() => assertNorm('toString', 'apgd')).code).toBe('INVALID_ARGUMENT');
  });
});
