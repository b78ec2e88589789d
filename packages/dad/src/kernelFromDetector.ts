import { assert, describeValue, parseSafetensors } from '@robustjs/core';
import { DeepKernel, MmdDetector, type DeepKernelState } from '@robustjs/mmd';

/**
 * The trained MMD-OPT kernel of a fitted {@link MmdDetector}, as a new {@link DeepKernel} sharing the
 * detector's featurizer: what DAD's denoiser loss and adaptive attack use with a reference of their own
 * (the clean version of the batch) instead of the detector's fixed reference batch. Read through the
 * detector's public file format, so the two never drift apart.
 *
 * @param detector - a fitted detector.
 * @returns a new kernel with the detector's σ0, σ and ε; the caller disposes it (not the featurizer).
 * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` when `detector` is not an `MmdDetector` or not fitted.
 * @example
 * ```ts
 * const kernel = await kernelFromDetector(detector);
 * const k = kernel.apply(x, y); // [Nx,Ny]
 * kernel.dispose();
 * ```
 */
export async function kernelFromDetector(detector: MmdDetector): Promise<DeepKernel> {
  const fn = 'kernelFromDetector';
  assert(detector instanceof MmdDetector, 'INVALID_ARGUMENT', () =>
    `Argument 'detector' passed to '${fn}' must be a fitted MmdDetector, got ${describeValue(detector)}.`);
  const { metadata } = parseSafetensors(await detector.save(), 'detector');
  const state = JSON.parse(metadata['kernel'] as string) as DeepKernelState;
  return DeepKernel.fromState(state, detector.featurizer);
}
