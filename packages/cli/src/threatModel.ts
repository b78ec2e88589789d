/*
 * The ε ranges that make sense for a protocol's data set: pixels lie in [0,1], so an l_inf budget
 * above 1 allows any image, and so does an l2 budget above the diameter of [0,1]^d, sqrt(H·W·C).
 */

/** The data sets a protocol can name. */
export type ProtocolDataset = 'fashion-mnist' | 'cifar10';

/** The image shape `[H,W,C]` of each protocol data set. */
export const DATASET_SHAPES: Readonly<Record<ProtocolDataset, readonly [number, number, number]>> =
  Object.freeze({
    'fashion-mnist': Object.freeze([28, 28, 1] as const),
    cifar10: Object.freeze([32, 32, 3] as const),
  });

/** The data sets' names in reports. */
export const DATASET_NAMES: Readonly<Record<ProtocolDataset, string>> =
  Object.freeze({ 'fashion-mnist': 'Fashion-MNIST', cifar10: 'CIFAR-10' });

/**
 * The largest meaningful ε of a threat model on a data set: 1 for `'linf'` (pixels in [0,1]) and
 * `sqrt(H·W·C)` for `'l2'` (the largest distance between two images in [0,1]; 28 for
 * Fashion-MNIST).
 *
 * @param norm - `'linf'` or `'l2'`.
 * @param dataset - the protocol's data set; default `'fashion-mnist'`.
 * @returns the bound; ε must lie in (0, bound].
 * @example
 * ```ts
 * epsBound('l2'); // 28 (Fashion-MNIST: sqrt(28·28·1))
 * ```
 */
export function epsBound(
  norm: 'linf' | 'l2',
  dataset: keyof typeof DATASET_SHAPES = 'fashion-mnist',
): number {
  const [h, w, c] = DATASET_SHAPES[dataset];
  return norm === 'linf' ? 1 : Math.sqrt(h * w * c);
}

/**
 * What is wrong with ε for a threat model, as the end of a sentence ("must be in (0, 1] for
 * l_inf …, got 2."), or `undefined` when it is in range.
 *
 * @param eps - the budget.
 * @param norm - `'linf'` or `'l2'`.
 * @param got - how to print what came (e.g. the flag's text).
 * @param dataset - the protocol's data set; default `'fashion-mnist'`.
 * @returns the problem with the fix, or `undefined`.
 * @example
 * ```ts
 * epsProblem(2, 'linf', '2'); // "must be in (0, 1] for l_inf (pixels lie in [0,1]) …, got 2."
 * ```
 */
export function epsProblem(
  eps: number,
  norm: 'linf' | 'l2',
  got: string,
  dataset: keyof typeof DATASET_SHAPES = 'fashion-mnist',
): string | undefined {
  const bound = epsBound(norm, dataset);
  if (Number.isFinite(eps) && eps > 0 && eps <= bound) return undefined;
  if (norm === 'linf') {
    return (
      `must be in (0, 1] for l_inf (pixels lie in [0,1]), got ${got}. Typical budgets: ` +
      '8/255 ≈ 0.031 (CIFAR-10), 0.1 or 0.3 (Fashion-MNIST); for an l2 budget pass norm l2.'
    );
  }
  const [h, w, c] = DATASET_SHAPES[dataset];
  const b = round(bound);
  return (
    `must be in (0, ${b}] for l2 on ${dataset} (${h}×${w}×${c} images in [0,1] are at most ` +
    `sqrt(${h * w * c}) = ${b} apart), got ${got}. Typical l2 budgets: 0.5 to 3.`
  );
}

function round(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}
