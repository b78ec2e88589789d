import { assert } from '@robustjs/core';
import type { TorchParam } from '@robustjs/core';
import type { DdpmppConfig } from './ddpmppConfig';

/** One entry of NCSN++'s `all_modules` list (internal), in the reference's order. */
export type DdpmppModule =
  | { readonly kind: 'dense'; readonly cin: number; readonly cout: number }
  | { readonly kind: 'conv'; readonly cin: number; readonly cout: number }
  | {
      readonly kind: 'res';
      readonly cin: number;
      readonly cout: number;
      readonly resample: 'none' | 'up' | 'down';
    }
  | { readonly kind: 'attn'; readonly ch: number }
  | { readonly kind: 'norm'; readonly ch: number };

/** GroupNorm groups of the reference: `min(channels // 4, 32)`. */
export function ddpmppGroups(ch: number): number {
  return Math.min(Math.floor(ch / 4), 32);
}

/**
 * The `all_modules` list of `NCSNpp.__init__` for a BigGAN / no-progressive / positional config
 * (internal): the same loops, so that index i here is `all_modules.<i>` in a checkpoint.
 *
 * @param c - a resolved config.
 * @param fn - the public function, for messages.
 * @returns the modules in order.
 * @throws RobustError `INVALID_ARGUMENT` when a channel count does not split into its GroupNorm
 *   groups (`min(ch // 4, 32)`), as PyTorch would refuse.
 */
export function ddpmppModules(c: DdpmppConfig, fn: string): DdpmppModule[] {
  const { nf, chMult, numResBlocks } = c;
  const levels = chMult.length;
  const temb = 4 * nf;
  const mods: DdpmppModule[] = [];
  if (c.conditional)
    mods.push({ kind: 'dense', cin: nf, cout: temb }, { kind: 'dense', cin: temb, cout: temb });
  mods.push({ kind: 'conv', cin: c.channels, cout: nf });
  const hsC = [nf];
  let inCh = nf;
  for (let level = 0; level < levels; level++) {
    const res = c.imageSize >> level;
    for (let b = 0; b < numResBlocks; b++) {
      const out = nf * chMult[level]!;
      mods.push({ kind: 'res', cin: inCh, cout: out, resample: 'none' });
      inCh = out;
      if (c.attnResolutions.includes(res)) mods.push({ kind: 'attn', ch: inCh });
      hsC.push(inCh);
    }
    if (level !== levels - 1) {
      mods.push({ kind: 'res', cin: inCh, cout: inCh, resample: 'down' });
      hsC.push(inCh);
    }
  }
  inCh = hsC[hsC.length - 1]!;
  mods.push(
    { kind: 'res', cin: inCh, cout: inCh, resample: 'none' },
    { kind: 'attn', ch: inCh },
    { kind: 'res', cin: inCh, cout: inCh, resample: 'none' },
  );
  for (let level = levels - 1; level >= 0; level--) {
    for (let b = 0; b < numResBlocks + 1; b++) {
      const out = nf * chMult[level]!;
      mods.push({ kind: 'res', cin: inCh + hsC.pop()!, cout: out, resample: 'none' });
      inCh = out;
    }
    if (c.attnResolutions.includes(c.imageSize >> level)) mods.push({ kind: 'attn', ch: inCh });
    if (level !== 0) mods.push({ kind: 'res', cin: inCh, cout: inCh, resample: 'up' });
  }
  mods.push({ kind: 'norm', ch: inCh }, { kind: 'conv', cin: inCh, cout: c.channels });
  for (const m of mods) {
    const chs =
      m.kind === 'res' ? [m.cin, m.cout] : m.kind === 'attn' || m.kind === 'norm' ? [m.ch] : [];
    for (const ch of chs) {
      const g = ddpmppGroups(ch);
      assert(
        g >= 1 && ch % g === 0,
        'INVALID_ARGUMENT',
        () =>
          `The config passed to '${fn}' needs a GroupNorm over ${ch} channels in ${g} groups ` +
          '(min(ch // 4, 32)), which do not divide them. Choose nf and chMult so that every ' +
          'channel count (also the concatenations of the up path) splits evenly.',
      );
    }
  }
  return mods;
}

const conv = (name: string, cin: number, cout: number, k: number): TorchParam[] => [
  { name: `${name}.weight`, shape: [cout, cin, k, k], layout: 'oihw' },
  { name: `${name}.bias`, shape: [cout], layout: 'plain' },
];
const dense = (name: string, cin: number, cout: number): TorchParam[] => [
  { name: `${name}.weight`, shape: [cout, cin], layout: 'linear' },
  { name: `${name}.bias`, shape: [cout], layout: 'plain' },
];
const norm = (name: string, ch: number): TorchParam[] => [
  { name: `${name}.weight`, shape: [ch], layout: 'plain' },
  { name: `${name}.bias`, shape: [ch], layout: 'plain' },
];
// NIN's W is [in, out] and is applied as x·W: already tfjs's layout.
const nin = (name: string, ch: number): TorchParam[] => [
  { name: `${name}.W`, shape: [ch, ch], layout: 'plain' },
  { name: `${name}.b`, shape: [ch], layout: 'plain' },
];

/** The tensors of one module, in PyTorch's registration (state-dict) order (internal). */
export function moduleParams(m: DdpmppModule, i: number, c: DdpmppConfig): TorchParam[] {
  const p = `all_modules.${i}`;
  switch (m.kind) {
    case 'dense':
      return dense(p, m.cin, m.cout);
    case 'conv':
      return conv(p, m.cin, m.cout, 3);
    case 'norm':
      return norm(p, m.ch);
    case 'attn':
      return [
        ...norm(`${p}.GroupNorm_0`, m.ch),
        ...[0, 1, 2, 3].flatMap((j) => nin(`${p}.NIN_${j}`, m.ch)),
      ];
    case 'res':
      return [
        ...norm(`${p}.GroupNorm_0`, m.cin),
        ...conv(`${p}.Conv_0`, m.cin, m.cout, 3),
        ...(c.conditional ? dense(`${p}.Dense_0`, 4 * c.nf, m.cout) : []),
        ...norm(`${p}.GroupNorm_1`, m.cout),
        ...conv(`${p}.Conv_1`, m.cout, m.cout, 3),
        ...(m.cin !== m.cout || m.resample !== 'none' ? conv(`${p}.Conv_2`, m.cin, m.cout, 1) : []),
      ];
  }
}
