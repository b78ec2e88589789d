import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { caught, jpegBytes, pngBytes } from '../../test/fixtures';
import { readImageFolder } from './readImageFolder';

const base = mkdtempSync(join(tmpdir(), 'robustjs-folder-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let count = 0;

/** Makes a fresh folder from { 'class/file': bytes } and returns its path. */
function folder(files: Record<string, Uint8Array | string>): string {
  const root = join(base, `f${count++}`);
  mkdirSync(root);
  for (const [rel, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), bytes);
  }
  return root;
}

const red = pngBytes(3, 2, (x, y) => [200, 10 * x, 10 * y, 255]);
const blue = pngBytes(3, 2, () => [0, 0, 250, 128]);
const grey = (v: number) => pngBytes(3, 2, (x) => [v + x, v + x, v + x, 255]);

describe('readImageFolder', () => {
  it('reads one sub-folder per class, sorted, as RGB [N,H,W,3] (alpha dropped), skipping hidden and top-level files', async () => {
    const root = folder({ 'red/1.png': red, 'red/2.png': red, 'blue/x.png': blue, 'blue/.DS_Store': 'junk', 'README.txt': 'about', '.hidden/a.png': red });
    const ds = await readImageFolder(root);
    expect(ds.classNames).toEqual(['blue', 'red']);
    expect(ds.shape).toEqual([3, 2, 3, 3]);
    expect(Array.from(ds.labels)).toEqual([0, 1, 1]);
    expect(Array.from(ds.images.subarray(0, 3))).toEqual([0, 0, 250]);
    const at = 18 + (1 * 3 + 2) * 3; // image 1, row 1, column 2
    expect(Array.from(ds.images.subarray(at, at + 3))).toEqual([200, 20, 10]);
    expect(ds.source).toMatch(/^folder:\//);
  });

  it('gives one channel when every image is grey, reads sub-folders and JPEGs', async () => {
    const root = folder({ 'a/x.png': grey(10), 'a/deeper/y.png': grey(20), 'b/z.jpg': jpegBytes(3, 2, true) });
    const ds = await readImageFolder(root);
    expect(ds.shape).toEqual([3, 2, 3, 1]);
    expect(Array.from(ds.images.subarray(0, 6))).toEqual([20, 21, 22, 20, 21, 22]); // a/deeper/y.png sorts before a/x.png
    expect(Array.from(ds.labels)).toEqual([0, 0, 1]);
    const jpegPixels = Array.from(ds.images.subarray(12, 18));
    [0, 9, 18, 27, 36, 45].forEach((v, i) => expect(Math.abs((jpegPixels[i] as number) - v)).toBeLessThan(12));
  });

  it('converts to grey with channels: 1 and keeps the classes option order', async () => {
    const root = folder({ 'r/x.png': red, 'g/y.png': grey(50) });
    const ds = await readImageFolder(root, { channels: 1, classes: ['r', 'g'] });
    expect(ds.classNames).toEqual(['r', 'g']);
    expect(ds.images[0]).toBe(Math.round(0.299 * 200));
    expect(ds.images[6]).toBe(50);
  });

  it('rejects a non-image file in a class folder, naming it', async () => {
    const root = folder({ 'a/x.png': red, 'a/notes.txt': 'not an image' });
    const err = await caught(() => readImageFolder(root));
    expect(err.code).toBe('CORRUPT_FILE');
    expect(err.message).toContain(`Image file '${join(root, 'a/notes.txt')}' read by 'readImageFolder' is not a PNG or JPEG image (it starts with 6e 6f 74 20 61 6e 20 69)`);
  });

  it('rejects a damaged PNG or JPEG, naming it', async () => {
    const badPng = red.slice(0, red.length - 20);
    const badJpeg = jpegBytes(16, 16).slice(0, 200);
    const e1 = await caught(() => readImageFolder(folder({ 'a/x.png': badPng })));
    expect(e1.code).toBe('CORRUPT_FILE');
    expect(e1.message).toMatch(/Image file '.*a\/x.png' read by 'readImageFolder' is a truncated PNG: chunk 'IDAT'/);
    const e2 = await caught(() => readImageFolder(folder({ 'a/y.jpg': badJpeg })));
    expect(e2.message).toMatch(/Image file '.*a\/y.jpg' read by 'readImageFolder' is not a valid JPEG/);
  });

  it('rejects images of different sizes, naming both', async () => {
    const err = await caught(() => readImageFolder(folder({ 'a/x.png': red, 'b/y.png': pngBytes(4, 4, () => [0, 0, 0, 255]) })));
    expect(err.code).toBe('SHAPE_MISMATCH');
    expect(err.message).toMatch(/Image file '.*b\/y.png' read by 'readImageFolder' is 4×4, but '.*a\/x.png' is 3×2.*Resize/);
  });

  it('rejects a symbolic link that escapes the root, naming it', async () => {
    const outside = folder({ 'secret.png': red });
    const root = folder({ 'a/x.png': red });
    symlinkSync(join(outside, 'secret.png'), join(root, 'a', 'link.png'));
    const err = await caught(() => readImageFolder(root));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toMatch(/Path '.*a\/link.png' used by 'readImageFolder' resolves to '.*secret.png', which escapes the root/);
  });

  it("rejects a 'classes' entry that escapes the root", async () => {
    const root = folder({ 'a/x.png': red });
    const err = await caught(() => readImageFolder(root, { classes: ['a', '../f0'] }));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toMatch(/Path '\.\.\/f0' in option 'classes' passed to 'readImageFolder' escapes the root/);
  });

  it('rejects an empty class folder, a folder without classes, a missing folder and oversized images', async () => {
    const root = folder({ 'a/x.png': red });
    mkdirSync(join(root, 'b'));
    expect((await caught(() => readImageFolder(root))).message).toMatch(/Class folder '.*\/b' read by 'readImageFolder' holds no images/);
    expect((await caught(() => readImageFolder(folder({ 'top.png': red })))).code).toBe('EMPTY_INPUT');
    expect((await caught(() => readImageFolder(join(base, 'missing')))).code).toBe('NOT_FOUND');
    const big = await caught(() => readImageFolder(folder({ 'a/x.png': red }), { maxPixels: 5 }));
    expect(big.code).toBe('OUT_OF_RANGE');
    expect(big.message).toMatch(/Image file '.*x.png' read by 'readImageFolder' is 3×2 = 6 pixels, more than maxPixels 5/);
  });

  it('rejects a symbolic link loop (root/cat/loop -> ..) by real path instead of walking forever', async () => {
    const root = folder({ 'cat/x.png': red });
    symlinkSync('..', join(root, 'cat', 'loop'));
    const outcome = await Promise.race([
      caught(() => readImageFolder(root)),
      new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 3000).unref()),
    ]);
    expect(outcome).not.toBe('hung');
    const err = outcome as Awaited<ReturnType<typeof caught>>;
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toMatch(/Folder '.*cat\/loop' found by 'readImageFolder' is a symbolic link back to '.*', a folder it is already inside/);
  });

  it('rejects a folder tree deeper than 64 levels', async () => {
    const root = folder({ [`a/${Array.from({ length: 70 }, () => 'd').join('/')}/x.png`]: red });
    const err = await caught(() => readImageFolder(root));
    expect(err.code).toBe('OUT_OF_RANGE');
    expect(err.message).toMatch(/more than 64 folders deep/);
  });

  it('stops walking after maxEntries files and folders', async () => {
    const root = folder({ 'a/1.png': red, 'a/2.png': red, 'a/3.png': red });
    expect((await readImageFolder(root, { maxEntries: 3 })).shape[0]).toBe(3);
    const err = await caught(() => readImageFolder(root, { maxEntries: 2 }));
    expect(err.code).toBe('OUT_OF_RANGE');
    expect(err.message).toMatch(/holds more than maxEntries 2 files and folders \(reached at '.*a\/3.png'\)/);
  });
});
