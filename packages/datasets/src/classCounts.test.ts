import { expect, it } from 'vitest';
import { caughtSync, tinyDataset } from '../test/fixtures';
import { classCounts } from './classCounts';

it('classCounts counts the images of each class, zeros included', () => {
  expect(classCounts(tinyDataset(7, 4, (i) => (i < 5 ? 0 : 2)))).toEqual([5, 0, 2, 0]);
  expect(caughtSync(() => classCounts({} as never)).message).toMatch(/Argument 'ds' passed to 'classCounts' must have 'images'/);
});
