import { expectRobustError } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { readClassifyOptions } from './readClassifyOptions';

describe('readClassifyOptions', () => {
  it('reads the seed and keepImages (default false)', () => {
    expect(readClassifyOptions({ seed: 3 }, 'd.classify')).toEqual({ seed: 3, keepImages: false });
    expect(readClassifyOptions({ seed: 1, keepImages: true }, 'd.classify')).toEqual({ seed: 1, keepImages: true });
  });

  it('rejects a missing, fractional or zero seed, a non-boolean keepImages, unknown keys and non-objects', () => {
    expect(expectRobustError(() => readClassifyOptions({}, 'd.classify')).message).toContain("'seed'");
    expect(expectRobustError(() => readClassifyOptions({ seed: 0 }, 'd.classify')).code).toBe('OUT_OF_RANGE');
    expectRobustError(() => readClassifyOptions({ seed: 1.5 }, 'd.classify'));
    expectRobustError(() => readClassifyOptions({ seed: 1, keepImages: 'yes' }, 'd.classify'));
    expect(expectRobustError(() => readClassifyOptions({ seed: 1, sead: 2 }, 'd.classify')).code).toBe('UNKNOWN_OPTION');
    expectRobustError(() => readClassifyOptions(null, 'd.classify'));
    expectRobustError(() => readClassifyOptions(undefined, 'd.classify'));
  });
});
