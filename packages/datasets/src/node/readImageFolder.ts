import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { RobustError, assert, assertNumber, describeValue, resolveOptions } from '@robustjs/core';
import type { Dataset, DatasetShape } from '../types';
import { decodeImage, type DecodedImage } from './decodeImage';
import { assertInside, readFileChecked, realPathChecked } from './files';

/** Options of {@link readImageFolder}. */
export interface ReadImageFolderOptions {
  /** Channels of the result: 1 (grey; colour images are converted with BT.601 luma) or 3 (RGB); default: 1 when every image is grey, else 3. */
  readonly channels?: 1 | 3;
  /** The class sub-folders to read, in label order; default every sub-folder, sorted by name. */
  readonly classes?: readonly string[];
  /** The largest image accepted, in pixels, checked before decoding; default 16,777,216 (4096×4096). */
  readonly maxPixels?: number;
  /** The most files and folders walked below `root`, checked while walking; default 1,000,000. */
  readonly maxEntries?: number;
}

const DEFAULTS = { channels: undefined as 1 | 3 | undefined, classes: undefined as readonly string[] | undefined, maxPixels: 4096 * 4096, maxEntries: 1_000_000 };

/** The deepest folder nesting walked below a class folder. */
const MAX_DEPTH = 64;

const FN = 'readImageFolder';
const ESCAPE_FIX = 'Every image must lie inside the folder: copy it in instead of linking to it from outside.';

/**
 * Reads a folder of labelled images, one sub-folder per class (`root/cat/001.png`, `root/dog/a.jpg`),
 * as in torchvision's `ImageFolder`. PNG and JPEG are decoded with the pure-JS `pngjs` and `jpeg-js`,
 * chosen by content, not by extension. Sub-folders of a class folder are read too; names starting with
 * `.` are skipped, and so are plain files directly in `root`. All images must have the same size
 * (nothing is resized) and alpha is dropped. JPEG decoding is strict: a damaged file is an error, not a
 * partial image.
 *
 * The walk is bounded: a symbolic link back to a folder it is already inside (a loop such as
 * `root/cat/loop -> ..`) is an error, and so are folders nested more than 64 deep below a class folder
 * and more than `maxEntries` files and folders in all.
 *
 * @param root - the folder holding one sub-folder per class.
 * @param options - `channels` (default: 1 if every image is grey, else 3), `classes` (default: every
 *   sub-folder, sorted), `maxPixels` (default 4096×4096), `maxEntries` (default 1,000,000).
 * @returns a {@link Dataset} `[N,H,W,C]`, images ordered by class then path, labels the index of each
 *   class in `classNames`, `source` `"folder:<real root>"`.
 * @throws {@link @robustjs/core!index.RobustError} naming the file: `CORRUPT_FILE` for a file that is not a decodable PNG or
 *   JPEG, `SHAPE_MISMATCH` for an image whose size differs from the first, `INVALID_ARGUMENT` for a path
 *   (a symbolic link or a `classes` entry) that escapes `root` or a symbolic link loop, `OUT_OF_RANGE` for an image over
 *   `maxPixels`, a tree deeper than 64 folders or more than `maxEntries` entries, `EMPTY_INPUT` for no classes or an empty class folder, `NOT_FOUND` for a missing folder.
 * @example
 * ```ts
 * const ds = await readImageFolder('./my-images'); // my-images/<class>/<file>.png
 * console.log(ds.classNames, ds.shape);
 * ```
 */
export async function readImageFolder(root: string, options?: ReadImageFolderOptions): Promise<Dataset> {
  const o = resolveOptions(FN, DEFAULTS, options);
  assert(typeof root === 'string' && root.length > 0, 'INVALID_ARGUMENT', () =>
    `Argument 'root' passed to '${FN}' must be a folder path, got ${describeValue(root)}.`);
  assert(o.channels === undefined || o.channels === 1 || o.channels === 3, 'INVALID_ARGUMENT', () =>
    `Option 'channels' passed to '${FN}' must be 1 or 3, got ${describeValue(o.channels)}.`);
  assertNumber(o.maxPixels, 'maxPixels', FN, { integer: true, min: 1 });
  assertNumber(o.maxEntries, 'maxEntries', FN, { integer: true, min: 1 });
  const realRoot = await realPathChecked(root, FN, () => `Folder '${root}' passed to '${FN}' does not exist. Check the path.`);
  assert((await stat(realRoot)).isDirectory(), 'INVALID_ARGUMENT', () =>
    `Argument 'root' passed to '${FN}' must be a folder with one sub-folder per class, got the file '${root}'.`);

  const classNames = o.classes === undefined ? await listClassFolders(realRoot) : checkClasses(o.classes, realRoot);
  assert(classNames.length > 0, 'EMPTY_INPUT', () =>
    `Folder '${root}' passed to '${FN}' has no class sub-folders. Put each class's images in its own sub-folder (root/<class>/<image>.png).`);

  const files: { path: string; label: number }[] = [];
  const walked = { entries: 0, max: o.maxEntries };
  for (const [label, name] of classNames.entries()) {
    const shown = join(root, name);
    const dir = await realPathChecked(join(realRoot, name), FN, () => `Class folder '${shown}' passed to '${FN}' does not exist.`);
    assertInside(realRoot, dir, shown, FN, ESCAPE_FIX);
    const before = files.length;
    await walk(realRoot, dir, shown, (path) => files.push({ path, label }), new Set([realRoot, dir]), walked);
    assert(files.length > before, 'EMPTY_INPUT', () =>
      `Class folder '${shown}' read by '${FN}' holds no images. Add images or leave the class out with the 'classes' option.`);
  }

  let first: { path: string; image: DecodedImage } | undefined;
  const decoded: DecodedImage[] = [];
  for (const { path } of files) {
    const image = decodeImage(await readFileChecked(path, FN), `'${path}' read by '${FN}'`, o.maxPixels);
    if (first === undefined) first = { path, image };
    else if (image.width !== first.image.width || image.height !== first.image.height) {
      throw new RobustError('SHAPE_MISMATCH',
        `Image file '${path}' read by '${FN}' is ${image.width}×${image.height}, but '${first.path}' is ` +
          `${first.image.width}×${first.image.height}; every image of a dataset must have one size. Resize them beforehand.`);
    }
    decoded.push(image);
  }
  const { width, height } = (first as { image: DecodedImage }).image;
  const channels = o.channels ?? (decoded.every((d) => d.grey) ? 1 : 3);
  const n = decoded.length;
  const px = width * height;
  const images = new Uint8Array(n * px * channels);
  decoded.forEach((d, i) => {
    if (channels === 3) images.set(d.rgb, i * px * 3);
    else {
      for (let p = 0; p < px; p++) {
        const r = d.rgb[3 * p] as number;
        const g = d.rgb[3 * p + 1] as number;
        const b = d.rgb[3 * p + 2] as number;
        images[i * px + p] = d.grey ? r : Math.round(0.299 * r + 0.587 * g + 0.114 * b);
      }
    }
  });
  const labels = classNames.length <= 256 ? new Uint8Array(n) : new Int32Array(n);
  files.forEach((f, i) => (labels[i] = f.label));
  return Object.freeze({
    images,
    labels,
    shape: Object.freeze([n, height, width, channels]) as DatasetShape,
    classNames: Object.freeze([...classNames]),
    source: `folder:${realRoot}`,
  });
}

async function listClassFolders(realRoot: string): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(realRoot, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory() || (entry.isSymbolicLink() && (await stat(join(realRoot, entry.name)).catch(() => undefined))?.isDirectory())) {
      names.push(entry.name);
    }
  }
  return names.sort();
}

function checkClasses(classes: unknown, realRoot: string): string[] {
  assert(Array.isArray(classes) && classes.every((c) => typeof c === 'string' && c.length > 0), 'INVALID_ARGUMENT', () =>
    `Option 'classes' passed to '${FN}' must be an array of sub-folder names, got ${describeValue(classes)}.`);
  assert(new Set(classes).size === classes.length, 'INVALID_ARGUMENT', () =>
    `Option 'classes' passed to '${FN}' names a folder twice: ${describeValue(classes)}.`);
  for (const name of classes as string[]) {
    const plain = name !== '.' && name !== '..' && !/[/\\]/.test(name) && !isAbsolute(name);
    if (!plain) {
      throw new RobustError('INVALID_ARGUMENT',
        `Path '${name}' in option 'classes' passed to '${FN}' escapes the root '${realRoot}' (or names a nested path): ` +
          'each class must be the name of a direct sub-folder, without / or \\ or ..');
    }
  }
  return [...(classes as string[])];
}

/**
 * Calls `visit` for every file below `dir` (sorted, depth first), skipping names that start with `.`.
 * `ancestors` holds the real paths of the root and of every folder from the class folder down to `dir`;
 * `walked` counts entries across the whole walk.
 */
async function walk(
  realRoot: string, dir: string, shownDir: string, visit: (path: string) => void,
  ancestors: Set<string>, walked: { entries: number; readonly max: number },
): Promise<void> {
  const entries = (await readdir(dir)).filter((name) => !name.startsWith('.')).sort();
  for (const name of entries) {
    const shown = join(shownDir, name);
    walked.entries += 1;
    assert(walked.entries <= walked.max, 'OUT_OF_RANGE', () =>
      `Folder '${realRoot}' read by '${FN}' holds more than maxEntries ${walked.max} files and folders (reached at '${shown}'). ` +
        'Pass a larger maxEntries, or point it at a smaller folder.');
    const real = await realPathChecked(join(dir, name), FN, () =>
      `File '${shown}' found by '${FN}' is a broken symbolic link. Remove it or fix its target.`);
    assertInside(realRoot, real, shown, FN, ESCAPE_FIX);
    const info = await stat(real);
    if (info.isDirectory()) {
      assert(!ancestors.has(real), 'INVALID_ARGUMENT', () =>
        `Folder '${shown}' found by '${FN}' is a symbolic link back to '${real}', a folder it is already inside; ` +
          'walking it would never end. Remove the link.');
      // ancestors holds the root and the class folder besides the folders below it.
      assert(ancestors.size - 2 < MAX_DEPTH, 'OUT_OF_RANGE', () =>
        `Folder '${shown}' found by '${FN}' is more than ${MAX_DEPTH} folders deep below its class folder. ` +
          'Flatten the image folder.');
      ancestors.add(real);
      await walk(realRoot, real, shown, visit, ancestors, walked);
      ancestors.delete(real);
    }
    else if (info.isFile()) visit(shown);
    else {
      throw new RobustError('CORRUPT_FILE',
        `Path '${shown}' found by '${FN}' is neither a file nor a folder (a socket, device or pipe). Remove it from the image folder.`);
    }
  }
}
