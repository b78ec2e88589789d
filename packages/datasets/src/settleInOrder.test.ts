import { describe, expect, it } from 'vitest';
import { settleInOrder } from './settleInOrder';

const later = <T>(ms: number, fn: () => T) => new Promise<T>((resolve, reject) => setTimeout(() => {
  try {
    resolve(fn());
  } catch (e) {
    reject(e);
  }
}, ms));

describe('settleInOrder', () => {
  it('resolves to the values in argument order', async () => {
    await expect(settleInOrder<[number, string]>([later(20, () => 1), later(1, () => 'b')])).resolves.toEqual([1, 'b']);
  });

  it('throws the first rejection in argument order, not the first in time', async () => {
    const first = later(30, () => { throw new Error('first argument'); });
    const second = later(1, () => { throw new Error('second argument'); });
    await expect(settleInOrder([first, second])).rejects.toThrow('first argument');
  });
});
