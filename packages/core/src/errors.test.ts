import { describe, expect, it } from 'vitest';
import { describeValue } from './errors.js';

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
