import * as tf from '@tensorflow/tfjs';

/** `dy` reshaped to x's rank with 1 on the reduced axes, and the number of elements each output reduces. */
function expanded(dy: tf.Tensor, x: tf.Tensor, axis: number | number[] | undefined): { dy: tf.Tensor; reduceSize: number } {
  // tfjs passes axis = null for "all axes" (its `sum(x)`), which parseAxisParam reads as every axis
  const axes = tf.util.parseAxisParam(axis as number | number[], x.shape);
  const shape = x.shape.slice();
  let reduceSize = 1;
  for (const a of axes) {
    reduceSize *= shape[a]!;
    shape[a] = 1;
  }
  return { dy: tf.reshape(dy, shape), reduceSize };
}

/** `t` as float32 (no Cast kernel when it already is). */
const float32 = (t: tf.Tensor): tf.Tensor => (t.dtype === 'float32' ? t : tf.cast(t, 'float32'));

/**
 * The gradient of a reduction that broadcasts dy back to x's shape (÷ the reduced size for `Mean`). These configs are
 * registered only together with wasm's block-copy `Tile` (registerWasmKernels, which restores tfjs's own on
 * unregister), so on wasm they broadcast dy with one `Tile`; on any other backend they keep tfjs's formula, dy times a
 * `ones(x.shape)` built in JavaScript and copied to the backend (three passes over x's size, ~4 ms for a 1024×1024
 * kernel matrix on wasm). Values are identical: dy·1 = dy, and (dy·1)/size = dy/size.
 */
function broadcastGradConfig(kernelName: 'Sum' | 'Mean'): tf.GradConfig {
  const mean = kernelName === 'Mean';
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      const { axis } = attrs as unknown as { axis: number | number[] };
      return {
        x: () => {
          const e = expanded(dy as tf.Tensor, x, axis);
          if (tf.getBackend() !== 'wasm') {
            const product = tf.mul(e.dy, tf.ones(x.shape, 'float32'));
            return mean ? tf.div(product, e.reduceSize) : product;
          }
          return tf.broadcastTo(mean ? tf.div(float32(e.dy), e.reduceSize) : float32(e.dy), x.shape);
        },
      };
    },
  };
}

/** Gradient of `Sum` (see {@link broadcastGradConfig}). */
export const sumGradConfig = broadcastGradConfig('Sum');

/** Gradient of `Mean`: dy divided by the reduced size before the broadcast (see {@link broadcastGradConfig}). */
export const meanGradConfig = broadcastGradConfig('Mean');
