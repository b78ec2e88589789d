// Fuzz targets of @robustjs/datasets: IDX, CIFAR-10 binary, PNG, JPEG (the decoder readImageFolder
// uses) and gzip.
import { gzipSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { gunzip, parseIdx, readCifar10, readIdx } from '@robustjs/datasets';
import { decodeImage } from '../../packages/datasets/src/node/decodeImage';
import { digest, defaultGenerate, type Target } from '../lib/target';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** Rewrites the CRC of every whole chunk, so mutations reach the decoder past pngjs's CRC check. */
function fixPngCrcs(b: Uint8Array): Uint8Array {
  const out = b.slice();
  const view = new DataView(out.buffer);
  for (let at = 8; at + 12 <= out.length; ) {
    const len = view.getUint32(at);
    if (at + 12 + len > out.length) break;
    let c = 0xffffffff;
    for (let i = at + 4; i < at + 8 + len; i++)
      c = (CRC_TABLE[(c ^ (out[i] as number)) & 0xff] as number) ^ (c >>> 8);
    view.setUint32(at + 8 + len, (c ^ 0xffffffff) >>> 0);
    at += 12 + len;
  }
  return out;
}

/** An IDX file: magic 00 00 <type> <ndims>, big-endian dims, then data. */
export function idxFile(dims: readonly number[], type: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

const ramp = (n: number, k = 7): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (i * k) % 256);

export const idx: Target = {
  name: 'idx',
  async seeds() {
    const size: Record<number, number> = { 8: 1, 9: 1, 11: 2, 12: 4, 13: 4, 14: 8 };
    return [
      [idxFile([3, 4, 4], 8, ramp(48))],
      [idxFile([2, 5, 3, 3], 8, ramp(90))],
      [
        idxFile(
          [10],
          8,
          ramp(10, 1).map((v) => v % 10),
        ),
      ],
      ...[9, 11, 12, 13, 14].map((t) => [idxFile([2, 3], t, ramp(6 * (size[t] ?? 1)))]),
      [idxFile([1, 28, 28], 8, ramp(784))],
    ];
  },
  fields: (b) =>
    Array.from({ length: Math.min(6, b[3] ?? 0) + 1 }, (_, i) => (i === 0 ? 2 : 4 * i)),
  async run([bytes]) {
    const a = parseIdx(bytes as Uint8Array, 'fuzz.idx');
    const out: unknown[] = [a.dims, a.data];
    const n = a.dims[0] ?? 0;
    if ((a.dims.length === 3 || a.dims.length === 4) && bytes?.[2] === 8 && n <= 100_000) {
      const labels = idxFile(
        [n],
        8,
        Uint8Array.from({ length: n }, (_, i) => i % 10),
      );
      const ds = readIdx(bytes as Uint8Array, labels, { source: 'fuzz' });
      out.push(ds.shape, ds.images, ds.labels);
    }
    return digest(out);
  },
};

/** `n` CIFAR-10 records. */
function cifarFile(n: number): Uint8Array {
  const out = new Uint8Array(n * 3073);
  for (let i = 0; i < n; i++) {
    out[i * 3073] = (i * 3) % 10;
    out.set(ramp(3072, 3 + i), i * 3073 + 1);
  }
  return out;
}

export const cifar: Target = {
  name: 'cifar',
  async seeds() {
    return [[cifarFile(1)], [cifarFile(2)], [cifarFile(3)]];
  },
  fields: () => [0, 3073, 6146],
  async run(parts) {
    const ds = readCifar10(parts.length === 1 ? (parts[0] as Uint8Array) : parts, {
      source: 'fuzz',
    });
    return digest([ds.shape, ds.images, ds.labels]);
  },
};

function png(w: number, h: number, colorType: 0 | 2 | 4 | 6, bitDepth: 8 | 16): Uint8Array {
  const p = new pngjs.PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++)
    p.data.set([(i * 37) % 256, (i * 11) % 256, (i * 5) % 256, 200 + (i % 56)], 4 * i);
  return new Uint8Array(pngjs.PNG.sync.write(p, { colorType, bitDepth, inputHasAlpha: true }));
}

/** Offsets of the IHDR size, bit depth, colour type, interlace and of every chunk length. */
function pngFields(b: Uint8Array): number[] {
  const out = [16, 20, 24, 25, 26, 27, 28];
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let at = 8; at + 8 <= b.length && out.length < 40; ) {
    out.push(at);
    at += 12 + view.getUint32(at);
  }
  return out;
}

/** Decodes with the 4096×4096 default pixel cap of readImageFolder. */
const decode = (bytes: Uint8Array, name: string): string => {
  const img = decodeImage(bytes, name, 4096 * 4096);
  return digest([img.width, img.height, img.grey, img.rgb]);
};

export const pngTarget: Target = {
  name: 'png',
  async seeds() {
    return [
      [png(1, 1, 6, 8)],
      [png(8, 8, 2, 8)],
      [png(16, 9, 0, 8)],
      [png(5, 7, 4, 8)],
      [png(6, 6, 6, 16)],
      [png(32, 32, 2, 8)],
      [png(3, 12, 0, 16)],
    ];
  },
  fields: (b) => pngFields(b),
  generate(rng, seeds) {
    const input = defaultGenerate(this, rng, seeds);
    return rng.chance(0.6) ? [fixPngCrcs(input[0] as Uint8Array)] : input;
  },
  async run([bytes]) {
    return decode(bytes as Uint8Array, "'fuzz.png' (readImageFolder)");
  },
};

function jpg(w: number, h: number, grey: boolean, quality: number): Uint8Array {
  const data = new Uint8Array(w * h * 4);
  for (let p = 0; p < w * h; p++) {
    const v = (p * 9) % 256;
    data.set(grey ? [v, v, v, 255] : [v, 255 - v, (v * 3) % 256, 255], p * 4);
  }
  return new Uint8Array(jpeg.encode({ data, width: w, height: h }, quality).data);
}

/** Offsets of every marker's segment length and of the frame's height and width. */
function jpegFields(b: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 2; i + 4 < b.length && out.length < 40; i++) {
    if (b[i] !== 0xff || b[i + 1] === 0 || b[i + 1] === 0xff) continue;
    out.push(i + 2);
    if (b[i + 1] === 0xc0 || b[i + 1] === 0xc2) out.push(i + 5, i + 7, i + 9);
  }
  return out;
}

export const jpegTarget: Target = {
  name: 'jpeg',
  async seeds() {
    return [
      [jpg(8, 8, false, 90)],
      [jpg(16, 16, true, 50)],
      [jpg(24, 17, false, 95)],
      [jpg(1, 1, false, 75)],
      [jpg(33, 9, true, 30)],
    ];
  },
  fields: (b) => jpegFields(b),
  async run([bytes]) {
    return decode(bytes as Uint8Array, "'fuzz.jpg' (readImageFolder)");
  },
};

/** The output cap the gzip target passes to gunzip. */
export const GZIP_FUZZ_CAP = 16 * 2 ** 20;

export const gzip: Target = {
  name: 'gzip',
  async seeds() {
    const u = (b: Buffer) => new Uint8Array(b);
    const twice = Buffer.concat([
      gzipSync(Buffer.from('first member\n')),
      gzipSync(Buffer.from('second\n')),
    ]);
    return [
      [u(gzipSync(Buffer.from('hello, robustjs\n'.repeat(40))))],
      [u(gzipSync(Buffer.alloc(200_000)))],
      [u(gzipSync(Buffer.from(ramp(3000, 13)), { level: 1 }))],
      [u(gzipSync(Buffer.alloc(0)))],
      [u(twice)],
      [u(gzipSync(Buffer.from(idxFile([2, 4, 4], 8, ramp(32)))))],
    ];
  },
  fields: (b) => [3, 4, 8, 9, Math.max(0, b.length - 4), Math.max(0, b.length - 8)],
  async run([bytes]) {
    const out = await gunzip(bytes as Uint8Array, 'fuzz.gz', GZIP_FUZZ_CAP);
    if (out.length > GZIP_FUZZ_CAP)
      throw new Error(`gunzip returned ${out.length} bytes, over its cap`);
    return digest(out);
  },
};
