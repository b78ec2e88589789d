import * as tf from '@tensorflow/tfjs';
import { assert, assertNumber, type ChainStep, type Images } from '@robustjs/core';

/** Options of {@link chainGradient}. */
export interface ChainGradientOptions {
  /** Steps per segment S ≥ 1; must divide the chain length L. */
  readonly segment: number;
  /**
   * The loss on the chain's last state u_L `[N,H,W,C]` (diffusion range) → a scalar (e.g. summed
   * CE).
   */
  readonly final: (uL: tf.Tensor4D) => tf.Scalar;
  /**
   * Clean images `[N,H,W,C]` in [0,1] for the deviated-reconstruction term, whose states r_k run
   * through the same steps (same noise); omit (with `deviation` 0) for the final loss alone.
   */
  readonly reference?: Images;
  /** Weight α of the term α · Σ_{k=1..L} Σ_n mean_pixels (u_k − r_k)²; default 0. */
  readonly deviation?: number;
}

/**
 * The exact gradient, with respect to the images x, of `J(x) = final(u_L) + α Σ_{k=1..L} Σ_n
 * mean((u_k − r_k)²)`, u₀ = 2x − 1, `u_{k+1} = steps[k](u_k, u₀)`, by segment-wise
 * forwarding-backwarding (DiffAttack, Kang et al., NeurIPS 2023):
 *
 * 1. Forward the chain off the tape, keeping only the segment boundaries u₀, u_S, u_{2S}, … (and
 *    r's).
 * 2. For the last segment j: recompute u_{jS+1..(j+1)S} from u_{jS} on the tape, and take the
 *    gradient of `final(u_L)` + its deviation terms with respect to u_{jS} (and the guide u₀ when a
 *    step reads it).
 * 3. For each earlier segment: the same with `final` replaced by ⟨g_{(j+1)S}, u_{(j+1)S}⟩, where g
 *    is the gradient handed back by the segment after it (a vector-Jacobian product), so the chain
 *    rule is exact.
 * 4. dJ/dx = 2 (g₀ + Σ guide gradients).
 *
 * Memory: the tape holds one segment (S steps) at a time, plus ⌈L/S⌉ boundary states; the cost is
 * about one extra forward pass. With S = L it is plain backpropagation.
 *
 * @param x - images `[N,H,W,C]` in [0,1].
 * @param steps - the chain (`surface.diffusion.chain(N, seed)`), deterministic steps on the
 *   diffusion range.
 * @param options - {@link ChainGradientOptions}.
 * @returns dJ/dx `[N,H,W,C]` (the caller disposes it).
 * @throws RobustError `INVALID_ARGUMENT` when `segment` is not an integer ≥ 1 that divides L (the
 *   message lists the divisors), or for a negative `deviation` or `deviation` > 0 without
 *   `reference`, before any work.
 * @example
 * ```ts
 * const toImage = (u: tf.Tensor4D) => tf.clipByValue(tf.mul(tf.add(u, 1), 0.5), 0, 1);
 * const g = chainGradient(x, defense.surface.diffusion!.chain(x.shape[0], 1), {
 *   segment: 2,
 *   final: (u) => tf.sum(crossEntropy(classifier(toImage(u)), y)),
 * }); // [N,H,W,C]
 * ```
 */
export function chainGradient(
  x: Images,
  steps: readonly ChainStep[],
  options: ChainGradientOptions,
): Images {
  const fn = 'chainGradient';
  checkSegment(options.segment, steps.length, fn);
  const alpha = options.deviation ?? 0;
  assertNumber(alpha, 'deviation', fn, { min: 0 });
  assert(
    alpha === 0 || options.reference !== undefined,
    'INVALID_ARGUMENT',
    () => `'${fn}': option 'deviation' = ${alpha} > 0 needs option 'reference' (the clean images).`,
  );
  const S = options.segment;
  const L = steps.length;
  const useRef = alpha > 0;
  // [N,H,W,C] in [−1,1]
  const toState = (im: Images): tf.Tensor4D => tf.tidy(() => tf.sub(tf.mul(im, 2), 1));
  const u0 = toState(x);
  const r0 = useRef ? toState(options.reference as Images) : undefined;
  const bounds: tf.Tensor4D[] = [u0];
  const refBounds: tf.Tensor4D[] = r0 === undefined ? [] : [r0];
  // 1. forward off the tape, keeping the boundaries u_{jS}
  tf.tidy(() => {
    let u = u0;
    let r = r0;
    for (let k = 0; k < L; k++) {
      u = steps[k]!(u, u0);
      if (r !== undefined && r0 !== undefined) r = steps[k]!(r, r0);
      if ((k + 1) % S === 0 && k + 1 < L) {
        bounds.push(tf.keep(u));
        if (r !== undefined) refBounds.push(tf.keep(r));
      }
    }
  });
  let gOut: tf.Tensor4D | undefined; // dJ/du_{(j+1)S}
  let gGuide: tf.Tensor4D | undefined; // Σ dJ/d(guide)
  try {
    for (let j = L / S - 1; j >= 0; j--) {
      const seg = steps.slice(j * S, (j + 1) * S);
      const guided = seg.some((s) => s.usesGuide === true);
      const refs: tf.Tensor4D[] = [];
      if (useRef) {
        tf.tidy(() => {
          let r = refBounds[j]!;
          for (const s of seg) {
            r = s(r, r0 as tf.Tensor4D);
            refs.push(tf.keep(r));
          }
        });
      }
      const g = gOut;
      const last = j === L / S - 1;
      const objective = (u: tf.Tensor, guide?: tf.Tensor): tf.Scalar => {
        let cur = u as tf.Tensor4D;
        let total = tf.scalar(0);
        seg.forEach((s, i) => {
          cur = s(cur, (guide ?? u0) as tf.Tensor4D);
          if (useRef) {
            // Σ_n mean_pixels (u_k − r_k)²
            const dev = tf.sum(tf.mean(tf.squaredDifference(cur, refs[i]!), [1, 2, 3]));
            total = tf.add(total, tf.mul(alpha, dev));
          }
        });
        const tail = last ? options.final(cur) : tf.sum(tf.mul(g as tf.Tensor4D, cur));
        return tf.add(total, tail);
      };
      // a fresh tensor for the state input: for j = 0 the state and the guide are both u₀, and
      // tf.grads must see
      // them as two inputs to return their gradients apart
      const grads = tf.tidy(() => {
        const uIn = tf.clone(bounds[j]!);
        return guided
          ? tf.grads((u: tf.Tensor, guide: tf.Tensor) => objective(u, guide))([uIn, u0])
          : tf.grads((u: tf.Tensor) => objective(u))([uIn]);
      });
      tf.dispose(refs);
      gOut?.dispose();
      gOut = grads[0] as tf.Tensor4D;
      if (grads[1] !== undefined) {
        const sum = gGuide === undefined ? grads[1] : tf.add(gGuide, grads[1]);
        if (gGuide !== undefined) tf.dispose([gGuide, grads[1]]);
        gGuide = sum as tf.Tensor4D;
      }
    }
    const gu = gOut as tf.Tensor4D;
    return tf.tidy(() => tf.mul(2, gGuide === undefined ? gu : tf.add(gu, gGuide)) as Images);
  } finally {
    tf.dispose([...bounds, ...refBounds, gOut, gGuide]);
  }
}

/**
 * Checks that `segment` is an integer ≥ 1 dividing the chain length `length` (internal; also
 * DiffAttack's check).
 * @throws RobustError `INVALID_ARGUMENT` naming `fn`, with the valid segment lengths.
 */
export function checkSegment(segment: number, length: number, fn: string): void {
  assertNumber(segment, 'segment', fn, { integer: true, min: 1 });
  const divisors = Array.from({ length }, (_, i) => i + 1).filter((d) => length % d === 0);
  assert(
    length % segment === 0,
    'INVALID_ARGUMENT',
    () =>
      `Option 'segment' passed to '${fn}' must divide the chain's ${length} steps ` +
      `(noising + denoising steps of ` +
      `every stage), got ${segment}. Use one of ${divisors.join(', ')}.`,
  );
}
