import { GROUP_NORM_DEFAULTS, type GroupNormAttrs } from '@robustjs/core';
import type { NativeAddon } from '../loadNative';
import type { BackendIO, Info } from './backendIO';
import { allFloat32 } from './convParams';
import type { NativeKernel } from './conv2D';

/** [n, h·w, c, groups] of a supported call, or undefined (→ the previous kernel). */
function dims(x: Info, gamma: Info, beta: Info, a: Partial<GroupNormAttrs>): [number, number, number, number] | undefined {
  if (x.shape.length !== 4 || !allFloat32(x, gamma, beta)) return undefined;
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const groups = a.groups ?? 0;
  if (n * h * w * c === 0 || !Number.isInteger(groups) || groups < 1 || c % groups !== 0) return undefined;
  if (gamma.shape.length !== 1 || gamma.shape[0] !== c || beta.shape.length !== 1 || beta.shape[0] !== c) return undefined;
  return [n, h * w, c, groups];
}

/**
 * `RobustGroupNorm` (core's `groupNorm` op): NHWC float32 group normalization with optional fused SiLU, one pass
 * per image on every core. Unsupported (→ undefined): another rank or dtype, an empty tensor, groups not dividing C.
 */
export function nativeGroupNorm(addon: NativeAddon, io: BackendIO): NativeKernel {
  return ({ inputs, backend, attrs }) => {
    const { x, gamma, beta } = inputs as { x: Info; gamma: Info; beta: Info };
    const a = (attrs ?? {}) as Partial<GroupNormAttrs>;
    const d = dims(x, gamma, beta, a);
    if (d === undefined) return undefined;
    return io.run(backend, [x, gamma, beta], [...x.shape], (v, y) => {
      addon.groupNormForward(v[0]!, v[1]!, v[2]!, y, d, a.eps ?? GROUP_NORM_DEFAULTS.eps, a.silu === true);
    });
  };
}

/** `RobustGroupNormGrad`: inputs x, gamma, beta, dy → [dx `[N,H,W,C]`, dParams `[2,C]` (dgamma; dbeta)]. */
export function nativeGroupNormGrad(addon: NativeAddon, io: BackendIO): NativeKernel {
  return ({ inputs, backend, attrs }) => {
    const { x, gamma, beta, dy } = inputs as { x: Info; gamma: Info; beta: Info; dy: Info };
    const a = (attrs ?? {}) as Partial<GroupNormAttrs>;
    const d = dims(x, gamma, beta, a);
    if (d === undefined || !allFloat32(dy) || dy.shape.join() !== x.shape.join()) return undefined;
    return io.runMany(backend, [x, gamma, beta, dy], [[...x.shape], [2, d[2]]], (v, [dx, dp]) => {
      addon.groupNormBackward(v[0]!, v[1]!, v[2]!, v[3]!, dx!, dp!, d, a.eps ?? GROUP_NORM_DEFAULTS.eps, a.silu === true);
    });
  };
}
