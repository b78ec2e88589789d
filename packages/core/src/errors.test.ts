import { describe, expect, it } from 'vitest';
import { RobustError, describeValue, isRobustError } from './errors.js';

describe('describeValue', () => {
  it('formats shapes, strings and scalars', () => {
    expect(describeValue([32, 32, 3])).toBe('[32,32,3]');
    expect(describeValue('a')).toBe('"a"');
    expect(describeValue(null)).toBe('null');
    expect(describeValue({ a: 1 })).toBe('{"a":1}');
  });

  it('returns a short string for 3000 nested arrays instead of overflowing the stack', () => {
    const deep = JSON.parse('['.repeat(3000) + ']'.repeat(3000)) as unknown;
    const s = describeValue(deep);
    expect(s.startsWith('[[[[')).toBe(true);
    expect(s.length).toBeLessThanOrEqual(100);
  });

  it('returns a short string for 100,000 nested objects', () => {
    const deep = JSON.parse('{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000)) as unknown;
    const s = describeValue(deep);
    expect(s.startsWith('{"a":{"a":')).toBe(true);
    expect(s.length).toBeLessThanOrEqual(100);
  });

  it('formats cyclic arrays and objects without throwing', () => {
    const arr: unknown[] = [1];
    arr.push(arr);
    expect(describeValue(arr)).toBe('[1,[circular]]');
    const obj: Record<string, unknown> = { a: 1 };
    obj.self = obj;
    expect(describeValue(obj)).toBe('{"a":1,"self":[circular]}');
  });

  it('cuts long strings and wide arrays', () => {
    expect(describeValue('x'.repeat(1000)).length).toBeLessThanOrEqual(100);
    expect(describeValue(Array.from({ length: 20 }, (_, i) => i))).toBe('[0,1,2,3,4,5,6,7,…]');
  });
});

describe('isRobustError', () => {
  it('recognises this copy\'s RobustError and one from another copy of core, nothing else', () => {
    expect(isRobustError(new RobustError('OUT_OF_RANGE', "Argument 'eps' …"))).toBe(true);
    // another copy of @robustjs/core: a different class with the same name and codes
    class OtherCopy extends Error {
      readonly code = 'NOT_FOUND';
      constructor(message: string) {
        super(message);
        this.name = 'RobustError';
      }
    }
    const foreign: unknown = new OtherCopy("'loadDad' cannot read 'x'");
    expect(foreign instanceof RobustError).toBe(false);
    expect(isRobustError(foreign)).toBe(true);
    expect(isRobustError(new Error('RobustError'))).toBe(false);
    const unknownCode = Object.assign(new Error('m'), { name: 'RobustError', code: 'NOPE' });
    expect(isRobustError(unknownCode)).toBe(false);
    expect(isRobustError({ name: 'RobustError', code: 'IO_ERROR' })).toBe(false);
    for (const v of [null, undefined, 'RobustError', 42]) expect(isRobustError(v)).toBe(false);
  });
});
