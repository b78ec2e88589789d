import { PNG } from 'pngjs';
import { expect, it } from 'vitest';
import { encodePng, pngDataUri } from './png';

it('encodes grey images as PNGs that a decoder reads back, upscaled', () => {
  const pixels = Float32Array.from({ length: 6 }, (_, i) => i / 5); // [2,3,1]
  const png = encodePng(pixels, 3, 2, 1, 2);
  const decoded = PNG.sync.read(Buffer.from(png));
  expect([decoded.width, decoded.height]).toEqual([6, 4]);
  const red = Array.from({ length: 6 }, (_, x) => decoded.data[4 * x] as number); // first row, R channel
  expect(red).toEqual([0, 0, 51, 51, 102, 102]);
  expect(pngDataUri(png)).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
});
