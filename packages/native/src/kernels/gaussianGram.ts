import type { NativeAddon } from '../loadNative';
import type { BackendIO, Info } from './backendIO';
import { allFloat32 } from './convParams';
import type { NativeKernel } from './conv2D';

/** [n, m] of a supported call (gram [n,m], xx [n], yy [m], sigma scalar, all float32), or undefined. */
function dims(gram: Info, xx: Info, yy: Info, sigma: Info): [number, number] | undefined {
  if (gram.shape.length !== 2 || !allFloat32(gram, xx, yy, sigma)) return undefined;
  const [n, m] = gram.shape as [number, number];
  if (n * m === 0 || xx.shape.join() !== `${n}` || yy.shape.join() !== `${m}` || sigma.shape.length !== 0) return undefined;
  return [n, m];
}

/**
 * `RobustGaussianGram` (core's `gaussianGram` op): `K = exp(−max(xx_i + yy_j − 2·gram_ij, 0)/σ)` in one pass on
 * every core. Unsupported (→ undefined): other ranks or dtypes, an empty matrix.
 */
export function nativeGaussianGram(addon: NativeAddon, io: BackendIO): NativeKernel {
  return ({ inputs, backend }) => {
    const { gram, xx, yy, sigma } = inputs as { gram: Info; xx: Info; yy: Info; sigma: Info };
    const d = dims(gram, xx, yy, sigma);
    if (d === undefined) return undefined;
    return io.run(backend, [gram, xx, yy, sigma], [...d], (v, k) => addon.gaussianGramForward(v[0]!, v[1]!, v[2]!, v[3]!, k, d));
  };
}

/** `RobustGaussianGramGrad`: inputs gram, xx, yy, sigma, k (the forward output), dk → [dGram, dxx, dyy, dSigma]. */
export function nativeGaussianGramGrad(addon: NativeAddon, io: BackendIO): NativeKernel {
  return ({ inputs, backend }) => {
    const { gram, xx, yy, sigma, k, dk } = inputs as { gram: Info; xx: Info; yy: Info; sigma: Info; k: Info; dk: Info };
    const d = dims(gram, xx, yy, sigma);
    if (d === undefined || !allFloat32(k, dk) || k.shape.join() !== gram.shape.join() || dk.shape.join() !== gram.shape.join()) return undefined;
    return io.runMany(backend, [gram, xx, yy, sigma, k, dk], [[...d], [d[0]], [d[1]], []], (v, o) =>
      addon.gaussianGramBackward(v[0]!, v[1]!, v[2]!, v[3]!, v[4]!, v[5]!, o[0]!, o[1]!, o[2]!, o[3]!, d));
  };
}
