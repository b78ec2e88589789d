import * as tf from '@tensorflow/tfjs';
import { crossEntropy } from '@robustjs/attacks';
import type { Classifier, Images, Labels } from '@robustjs/core';
import { MMD2_ESTIMATORS, type Kernel } from '@robustjs/mmd';

/** The two terms of DAD's denoiser loss and their weighted sum, scalars. */
export interface DenoiserLossTerms {
  /** `MMD²_b(X_C, g(X_noisy)) + alpha·CE`. */
  readonly loss: tf.Scalar;
  /** `MMD²_b(X_C, g(X_noisy))` with the frozen MMD-OPT kernel. */
  readonly mmd: tf.Scalar;
  /** Mean cross-entropy of the frozen classifier on `g(X_noisy)` against the clean labels. */
  readonly ce: tf.Scalar;
}

/**
 * DAD's denoiser loss (Zhang et al., ICML 2025, [arXiv:2503.02169](https://arxiv.org/abs/2503.02169); `train.py::train_denoiser`) on one aligned batch, from the already
 * denoised batch: `L = MMD²_b(X_C, denoised) + alpha · CE(h(denoised), Y_C)`, where `denoised = g(X_noisy)`.
 * Not tidy (call it inside `tf.tidy` or an optimizer's `minimize`); differentiable with respect to `denoised`.
 *
 * @param clean - the clean batch X_C `[B,H,W,C]` in [0,1].
 * @param labels - Y_C `[B]` int32.
 * @param denoised - g(X_noisy) `[B,H,W,C]`.
 * @param parts - `kernel`: the frozen MMD-OPT kernel (e.g. a `DeepKernel`); `classifier`: the frozen h.
 * @param alpha - the CE weight (DAD: 0.01).
 * @returns the loss and its two terms.
 * @example
 * ```ts
 * const { loss } = tf.tidy(() => denoiserLoss(xClean, y, g.apply(xNoisy), { kernel, classifier }, 0.01));
 * ```
 */
export function denoiserLoss(
  clean: Images,
  labels: Labels,
  denoised: tf.Tensor4D,
  parts: { readonly kernel: Kernel; readonly classifier: Classifier },
  alpha: number,
): DenoiserLossTerms {
  const { kernel, classifier } = parts;
  const ec = kernel.embed(clean);
  const ed = kernel.embed(denoised);
  const mmd = MMD2_ESTIMATORS.biased(kernel.matrix(ec, ec), kernel.matrix(ed, ed), kernel.matrix(ec, ed));
  const ce = tf.mean(crossEntropy(classifier(denoised), labels)) as tf.Scalar;
  return { loss: tf.add(mmd, tf.mul(ce, alpha)) as tf.Scalar, mmd, ce };
}
