import * as tf from '@tensorflow/tfjs';
import { assert, describeValue } from '../errors';

/** Options of {@link assertImages}. */
export interface AssertImagesOptions {
  /** Expected channel count C (1 for grey, 3 for RGB); unchecked when omitted. */
  readonly channels?: number;
  /** Expected batch size N; unchecked when omitted. */
  readonly batch?: number;
  /** Inclusive value range; default `[0, 1]`, the contract's image range. */
  readonly range?: readonly [number, number];
}

/**
 * Checks that `x` is a batch of images by the shared contract: a rank-4 `[N,H,W,C]`
 * float32 tensor, N ≥ 1, every value finite and inside [0,1].
 * Reads the tensor's min, max and non-finite count once (one small synchronous download).
 *
 * @param x - the candidate images `[N,H,W,C]`.
 * @param name - the argument's name, used in the message (e.g. `'x'`).
 * @param fn - the public function that received it (e.g. `'pgd'`).
 * @param options - optional expected `channels`, `batch`, and `range` (default `[0,1]`).
 * @throws {@link RobustError} `INVALID_ARGUMENT` (not a tensor, wrong rank or dtype),
 *   `EMPTY_INPUT` (N, H, W or C is 0), `SHAPE_MISMATCH` (channels/batch differ),
 *   `NOT_FINITE` (NaN or ±Inf), `OUT_OF_RANGE` (values outside the range).
 * @example
 * ```ts
 * assertImages(x, 'x', 'pgd', { channels: 1 });
 * ```
 */
export function assertImages(x: unknown, name: string, fn: string, options: AssertImagesOptions = {}): asserts x is tf.Tensor4D {
  const where = `Argument '${name}' passed to '${fn}'`;
  assert(x instanceof tf.Tensor, 'INVALID_ARGUMENT', () =>
    `${where} must be a tf.Tensor of images [N,H,W,C] in [0,1], got ${describeValue(x)}. Convert with tf.tensor4d(data, [n, h, w, c]).`);
  assert(!x.isDisposed, 'INVALID_ARGUMENT', () =>
    `${where} must be a live tensor, got one that was already disposed (shape ${describeValue(x.shape)}). ` +
      'Keep the input alive until the call returns: dispose it after, or create it outside the tf.tidy that freed it.');
  assert(x.rank === 4, 'INVALID_ARGUMENT', () =>
    `${where} must be a rank-4 [N,H,W,C] tensor, got rank ${x.rank} with shape ${describeValue(x.shape)}. ` +
      (x.rank === 3 ? 'For a single image use x.expandDims(0).' : 'Reshape it to [N,H,W,C].'));
  assert(x.dtype === 'float32', 'INVALID_ARGUMENT', () =>
    `${where} must have dtype float32, got ${x.dtype}. Convert with x.toFloat() and scale to [0,1] (e.g. divide uint8 pixels by 255).`);
  assert(x.size > 0, 'EMPTY_INPUT', () => `${where} must hold at least one image, got shape ${describeValue(x.shape)}.`);
  const [n, , , c] = x.shape;
  if (options.channels !== undefined) {
    assert(c === options.channels, 'SHAPE_MISMATCH', () =>
      `${where} must have ${options.channels} channel(s) in the last axis (NHWC layout), got shape ${describeValue(x.shape)}. ` +
        'If your data is NCHW, transpose it with x.transpose([0,2,3,1]).');
  }
  if (options.batch !== undefined) {
    assert(n === options.batch, 'SHAPE_MISMATCH', () =>
      `${where} must have batch size ${options.batch}, got ${n} (shape ${describeValue(x.shape)}).`);
  }
  const [lo, hi] = options.range ?? [0, 1];
  const stats = tf.tidy(() => {
    const finite = tf.isFinite(x);
    const nonFinite = tf.sub(tf.scalar(x.size, 'int32'), tf.sum(tf.cast(finite, 'int32'))).toFloat();
    const safe = tf.where(finite, x, tf.zerosLike(x));
    return tf.stack([nonFinite, tf.min(safe), tf.max(safe)]);
  });
  const [bad, min, max] = stats.dataSync() as Float32Array;
  stats.dispose();
  assert(bad === 0, 'NOT_FINITE', () =>
    `${where} must be finite, got ${bad} NaN or infinite value(s) in shape ${describeValue(x.shape)}. Check the preprocessing that produced it.`);
  assert((min as number) >= lo && (max as number) <= hi, 'OUT_OF_RANGE', () =>
    `${where} must have values in [${lo}, ${hi}], got min ${min} and max ${max}. ` +
      (lo === 0 && hi === 1 ? 'Scale pixels to [0,1] (divide 0..255 data by 255); normalisation belongs inside the model wrapper.' : 'Rescale the input.'));
}
