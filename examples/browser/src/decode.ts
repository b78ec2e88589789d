import { RobustError } from '@robustjs/core';
import { gunzip, parseIdx } from '@robustjs/datasets';

/** Images decoded from the files a person picked or dropped. */
export interface DecodedImages {
  /** N images of 28×28 pixels in [0,1], row-major, `[N,28,28,1]`. */
  readonly pixels: Float32Array;
  /** N. */
  readonly count: number;
  /** Labels when an IDX labels file came with the images (same count), else undefined. */
  readonly labels?: Int32Array;
}

const SIZE = 28;
const startsWith = (b: Uint8Array, magic: readonly number[]): boolean =>
  magic.every((v, i) => b[i] === v);
const PNG = [0x89, 0x50, 0x4e, 0x47];
const JPEG = [0xff, 0xd8, 0xff];
const GZIP = [0x1f, 0x8b];

function bad(message: string): never {
  throw new RobustError('INVALID_ARGUMENT', message);
}

async function decodePicture(file: File, bytes: Uint8Array): Promise<Float32Array> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]));
  } catch {
    return bad(
      `'${file.name}' looks like a PNG/JPEG file but cannot be decoded. Pick an intact image.`,
    );
  }
  if (bitmap.width !== SIZE || bitmap.height !== SIZE) {
    const got = `${bitmap.width}×${bitmap.height}`;
    bitmap.close();
    return bad(
      `'${file.name}' is ${got} pixels; the models take 28×28 grayscale images. ` +
        'Resize it to 28×28 first (nothing is resized here).',
    );
  }
  const canvas = new OffscreenCanvas(SIZE, SIZE);
  const ctx = canvas.getContext('2d') as OffscreenCanvasRenderingContext2D;
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const rgba = ctx.getImageData(0, 0, SIZE, SIZE).data;
  const out = new Float32Array(SIZE * SIZE);
  for (let i = 0; i < out.length; i++) {
    const [r, g, b] = [rgba[4 * i] as number, rgba[4 * i + 1] as number, rgba[4 * i + 2] as number];
    if (Math.max(r, g, b) - Math.min(r, g, b) > 8) {
      return bad(
        `'${file.name}' has colour (pixel ${i % SIZE},${Math.floor(
          i / SIZE,
        )} is rgb(${r},${g},${b})); ` +
          'the models take grayscale Fashion-MNIST images. Convert it to grayscale first.',
      );
    }
    out[i] = r / 255;
  }
  return out;
}

/**
 * Decodes picked or dropped files: PNG / JPEG images of 28×28 grayscale pixels, or IDX files (raw or gzip):
 * an images file `[N,28,28]` and optionally its labels file `[N]`. Anything else is refused with a message
 * naming the file; nothing is resized or converted silently.
 */
export async function decodeFiles(files: readonly File[]): Promise<DecodedImages> {
  if (files.length === 0) bad('No file was given. Pick or drop PNG/JPEG images or an IDX file.');
  const images: Float32Array[] = [];
  let labels: Int32Array | undefined;
  for (const file of files) {
    let bytes: Uint8Array<ArrayBuffer> = new Uint8Array(await file.arrayBuffer());
    if (startsWith(bytes, PNG) || startsWith(bytes, JPEG)) {
      images.push(await decodePicture(file, bytes));
      continue;
    }
    if (startsWith(bytes, GZIP))
      bytes = (await gunzip(bytes, file.name)) as Uint8Array<ArrayBuffer>;
    if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08) {
      bad(
        `'${file.name}' is neither a PNG/JPEG image nor an IDX file (unsigned bytes). ` +
          'Pick 28×28 grayscale PNG/JPEG images or a Fashion-MNIST IDX file.',
      );
    }
    const idx = parseIdx(bytes, file.name);
    if (idx.dims.length === 1) {
      labels = Int32Array.from(idx.data);
      continue;
    }
    if (idx.dims.length !== 3 || idx.dims[1] !== SIZE || idx.dims[2] !== SIZE) {
      bad(
        `'${file.name}' holds images of shape [${idx.dims.join(
          ',',
        )}]; the models take [N,28,28]. ` + 'Pick a Fashion-MNIST (or MNIST) IDX images file.',
      );
    }
    const n = idx.dims[0] as number;
    for (let k = 0; k < n; k++) {
      images.push(
        Float32Array.from(
          idx.data.subarray(k * SIZE * SIZE, (k + 1) * SIZE * SIZE),
          (v) => v / 255,
        ),
      );
    }
  }
  if (images.length === 0) bad('The files hold labels but no images. Add the IDX images file.');
  if (labels !== undefined && labels.length !== images.length) {
    bad(
      `The labels file holds ${labels.length} labels for ${images.length} images. Pick matching files.`,
    );
  }
  const pixels = new Float32Array(images.length * SIZE * SIZE);
  images.forEach((im, k) => pixels.set(im, k * SIZE * SIZE));
  return { pixels, count: images.length, ...(labels !== undefined ? { labels } : {}) };
}
