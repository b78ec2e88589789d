// Fuzz target of readImageFolder: random directory trees (class folders, images valid and damaged,
// non-images, symbolic links in and out of the tree and into loops, deep nesting), one per input.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { readImageFolder } from '@robustjs/datasets/node';
import { mutateBytes } from '../lib/mutate';
import type { Rng } from '../lib/rng';
import { digest, text, utf8, type Target, type TargetContext } from '../lib/target';

/** One entry of a tree: a folder, a file (base64 bytes) or a symbolic link (target as written). */
type Entry = { d: string } | { f: string; b64: string } | { l: string; to: string };

function png(grey: number | undefined, seed: number): Uint8Array {
  const p = new pngjs.PNG({ width: 4, height: 4 });
  for (let i = 0; i < 16; i++) {
    const v = grey ?? (i * 13 + seed * 29) % 256;
    p.data.set(grey === undefined ? [v, 255 - v, (v * 7) % 256, 255] : [v, v, v, 255], 4 * i);
  }
  return new Uint8Array(pngjs.PNG.sync.write(p));
}

function jpg(seed: number): Uint8Array {
  const data = new Uint8Array(64);
  for (let i = 0; i < 16; i++) data.set([(i * 16 + seed) % 256, 80, 160, 255], 4 * i);
  return new Uint8Array(jpeg.encode({ data, width: 4, height: 4 }, 90).data);
}

/** The image outside the tree: uniform grey 123. A dataset holding it read outside its root. */
const OUTSIDE = png(123, 0);
const IMAGES = [png(undefined, 1), png(undefined, 2), png(77, 0), jpg(1), jpg(2)];
const NAMES = [
  'cat',
  'dog',
  'a b',
  'ünï',
  '__proto__',
  'constructor',
  '.hidden',
  'x'.repeat(60),
  '0',
];

function fileBytes(rng: Rng): Uint8Array {
  switch (rng.int(8)) {
    case 0:
      return utf8('not an image\n');
    case 1:
      return new Uint8Array(0);
    case 2:
      return mutateBytes(rng.pick(IMAGES), rng, IMAGES, [16, 20, 33]);
    case 3:
      return rng.bytes(rng.int(200));
    default:
      return rng.pick(IMAGES);
  }
}

/** A random tree: its entries in creation order, paths relative to the root. */
export function randomTree(rng: Rng): Entry[] {
  const out: Entry[] = [];
  const dirs: string[] = [''];
  const files: string[] = [];
  // a third of the trees hold only valid images, folders and harmless links (the accept path)
  const clean = rng.chance(1 / 3);
  for (let n = rng.int(5); n >= 0; n--) {
    const d = rng.pick(NAMES) + (rng.chance(0.5) ? '' : String(n));
    if (!dirs.includes(d)) {
      dirs.push(d);
      out.push({ d });
    }
  }
  for (let n = rng.int(rng.chance(0.1) ? 120 : 25); n > 0; n--) {
    const parent = rng.pick(dirs);
    const name = `${rng.pick(['img', 'p', '.dot', 'z', 'loop'])}${n}${rng.pick([
      '.png',
      '.jpg',
      '',
      '.txt',
    ])}`;
    const path = parent === '' ? name : `${parent}/${name}`;
    const k = rng.int(clean ? 8 : 10);
    if (k < 5) {
      const bytes = clean ? rng.pick(IMAGES) : fileBytes(rng);
      out.push({ f: path, b64: Buffer.from(bytes).toString('base64') });
      files.push(path);
    } else if (k < 7 && path.split('/').length < 80) {
      out.push({ d: path });
      dirs.push(path);
    } else if (clean) {
      const up = '../'.repeat(path.split('/').length - 1);
      if (files.length > 0) out.push({ l: path, to: `${up}${rng.pick(files)}` });
    } else {
      const up = '../'.repeat(path.split('/').length - 1);
      const to = rng.pick([
        '..',
        '.',
        '../..',
        '../../..',
        '@OUT',
        '@OUT/o.png',
        '@ROOT',
        'missing',
        `${up}${rng.pick(files.concat(dirs))}`,
        `/proc/self/root`,
        path.split('/').pop() as string,
      ]);
      out.push({ l: path, to });
    }
  }
  if (rng.chance(0.1)) {
    let p = rng.pick(dirs.filter((d) => d !== '')) ?? 'deep';
    if (!dirs.includes(p)) out.push({ d: p });
    for (let i = 60 + rng.int(10); i > 0; i--) {
      p = `${p}/d`;
      out.push({ d: p });
    }
    out.push({ f: `${p}/deep.png`, b64: Buffer.from(rng.pick(IMAGES)).toString('base64') });
  }
  if (rng.chance(0.03)) {
    const parent = rng.pick(dirs.filter((d) => d !== '')) ?? 'many';
    if (!dirs.includes(parent)) out.push({ d: parent });
    for (let i = 0; i < 520; i++) out.push({ f: `${parent}/e${i}`, b64: '' });
  }
  return out;
}

/** Writes a tree under `<tmp>/tree` (the outside image under `<tmp>/outside`); returns the root. */
function materialize(entries: readonly Entry[], ctx: TargetContext): string {
  const root = join(ctx.tmp, 'tree');
  const outside = join(ctx.tmp, 'outside');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root);
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, 'o.png'), OUTSIDE);
  for (const e of entries) {
    try {
      if ('d' in e) mkdirSync(join(root, e.d), { recursive: true });
      else if ('f' in e) {
        mkdirSync(dirname(join(root, e.f)), { recursive: true });
        writeFileSync(join(root, e.f), Buffer.from(e.b64, 'base64'));
      } else {
        mkdirSync(dirname(join(root, e.l)), { recursive: true });
        symlinkSync(e.to.replace('@OUT', outside).replace('@ROOT', root), join(root, e.l));
      }
    } catch {
      // a name taken twice or a path through a file: the tree simply lacks that entry
    }
  }
  return root;
}

export const imageFolder: Target = {
  name: 'imagefolder',
  async seeds() {
    return [];
  },
  generate(rng) {
    return [utf8(JSON.stringify(randomTree(rng)))];
  },
  size: ([spec]) =>
    (JSON.parse(text(spec as Uint8Array)) as Entry[]).reduce(
      (s, e) => s + ('b64' in e ? (e.b64.length * 3) / 4 : 64),
      0,
    ),
  prepare([spec], ctx) {
    materialize(JSON.parse(text(spec as Uint8Array)) as Entry[], ctx);
  },
  async run(_input, ctx) {
    const ds = await readImageFolder(join(ctx.tmp, 'tree'), { maxEntries: 500 });
    const per = ds.shape[1] * ds.shape[2] * ds.shape[3];
    for (let i = 0; i < ds.shape[0]; i++) {
      if (ds.images.subarray(i * per, (i + 1) * per).every((v) => v === 123)) {
        throw new Error('readImageFolder returned an image from outside its root');
      }
    }
    return digest([ds.shape, ds.images, ds.labels, ds.classNames]);
  },
};
