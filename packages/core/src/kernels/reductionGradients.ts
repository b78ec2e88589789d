import * as tf from '@tensorflow/tfjs';

/** Whether the reduction gradients below are in force (set by registerWasmKernels). */
let wasmTileInstalled = false;

/** Tells the gradients whether wasm's block-copy `Tile` (kernels/tile.ts) is registered. */
export function setWasmTileInstalled(on: boolean): void {
  wasmTileInstalled = on;
}

/** `dy` reshaped to x's rank with 1 on the reduced axes. */
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

/** The fast form applies on wasm with our Tile; elsewhere tfjs's own formula. */
const fast = (): boolean => wasmTileInstalled && tf.getBackend() === 'wasm';

/** `t` as float32 (no Cast kernel when it already is). */
const float32 = (t: tf.Tensor): tf.Tensor => (t.dtype === 'float32' ? t : tf.cast(t, 'float32'));

/**
 * Gradient of `Sum`: tfjs multiplies the reshaped dy by a materialised `ones(x.shape)` (built in JavaScript and
 * copied to the backend: three passes over x's size, ~4 ms for a 1024×1024 kernel matrix); on wasm this broadcasts
 * dy with one block-copy `Tile` instead. Values are identical (dy·1 = dy).
 */
export const sumGradConfig: tf.GradConfig = {
  kernelName: 'Sum',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    const { axis } = attrs as unknown as { axis: number | number[] };
    const e = expanded(dy as tf.Tensor, x, axis);
    const derX = fast() ? tf.broadcastTo(float32(e.dy), x.shape) : tf.mul(e.dy, tf.ones(x.shape, 'float32'));
    return { x: () => derX };
  },
};

/**
 * Gradient of `Mean`: as {@link sumGradConfig}, with dy divided by the reduced size before the broadcast (tfjs
 * divides each of the x.size products; the quotient is the same number, dy/size, either way).
 */
export const meanGradConfig: tf.GradConfig = {
  kernelName: 'Mean',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    const { axis } = attrs as unknown as { axis: number | number[] };
    return {
      x: () => {
        const e = expanded(dy as tf.Tensor, x, axis);
        return fast()
          ? tf.broadcastTo(tf.div(float32(e.dy), e.reduceSize), x.shape)
          : tf.div(tf.mul(e.dy, tf.ones(x.shape, 'float32')), e.reduceSize);
      },
    };
  },
};
