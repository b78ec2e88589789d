// A direct (one output element per invocation) Conv2D for tfjs's webgpu backend on software
// adapters.
//
// tfjs-backend-webgpu 4.22 convolves through shared-memory tiles (im2col + tiled matmul, or
// Conv2DMMProgram), with a workgroup barrier per tile. SwiftShader runs a workgroup's invocations
// as coroutines that switch at every barrier, which makes those shaders about 1000× slower than a
// direct loop there. tfjs's own direct program (Conv2DNaiveProgram, behind
// WEBGPU_USE_NAIVE_CONV2D_DEBUG) does not compile in 4.22: it declares `fn main(index : i32)` but
// is dispatched as `main()`. This is that program with the entry point fixed, for NHWC without bias
// or activation (tf.conv2d); anything else, and every GPU, keeps tfjs's kernel.
import * as tf from '@tensorflow/tfjs';

/** What tfjs-backend-webgpu 4.x's backend offers kernels (the WebGPUProgram contract). */
interface WebGpuRunner {
  runWebGPUProgram(program: object, inputs: tf.TensorInfo[], dtype: tf.DataType,
    uniforms?: Array<{ type: string; data: number[] }>): tf.TensorInfo;
}

interface Conv2DAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** The direct convolution: output `[N,H',W',Co]`, workgroups 4×4×8 over (col, row, n·channel). */
class DirectConv2DProgram {
  readonly variableNames = ['x', 'W'];
  readonly uniforms =
    'filterDims: vec2<i32>, pads: vec2<i32>, strides: vec2<i32>, dilations: vec2<i32>,';
  readonly workgroupSize: [number, number, number] = [4, 4, 8];
  readonly dispatchLayout = { x: [2], y: [1], z: [0, 3] };
  readonly outputShape: number[];
  readonly dispatch: [number, number, number];
  readonly shaderKey = 'robustjs_conv2d_direct';

  constructor(outShape: number[]) {
    this.outputShape = outShape;
    const [n, h, w, c] = outShape as [number, number, number, number];
    this.dispatch = [Math.ceil(w / 4), Math.ceil(h / 4), Math.ceil((n * c) / 8)];
  }

  getUserCode(): string {
    return `
      fn readInp(batch : i32, row : i32, col : i32, chan : i32) -> f32 {
        if (coordsInBounds4D(vec4<i32>(batch, row, col, chan), uniforms.xShape)) {
          return getX(batch, row, col, chan);
        }
        return 0.0;
      }
      fn main() {
        let coords = getOutputCoords();
        let batch = coords[0];
        let outRow = coords[1];
        let outCol = coords[2];
        let outChannel = coords[3];
        if (!coordsInBounds4D(coords, uniforms.outShape)) {
          return;
        }
        var acc : f32 = 0.0;
        for (var row = 0; row < uniforms.filterDims[0]; row = row + 1) {
          let xRow = outRow * uniforms.strides[0] + uniforms.dilations[0] * row - uniforms.pads[0];
          for (var col = 0; col < uniforms.filterDims[1]; col = col + 1) {
            let xCol = outCol * uniforms.strides[1] + uniforms.dilations[1] * col
              - uniforms.pads[1];
            for (var xChannel = 0; xChannel < uniforms.xShape[3]; xChannel = xChannel + 1) {
              let w = getW(row, col, xChannel, outChannel);
              acc = acc + readInp(batch, xRow, xCol, xChannel) * w;
            }
          }
        }
        setOutputAtCoords(batch, outRow, outCol, outChannel, acc);
      }
    `;
  }
}

/**
 * The webgpu `Conv2D` kernel with the direct program for NHWC float32 input; returns `undefined`
 * for what it does not handle (the caller then runs tfjs's kernel).
 */
export function directConv2d(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): tf.TensorInfo | undefined {
  const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as Conv2DAttrs;
  const float = x.dtype === 'float32' && filter.dtype === 'float32';
  if (attrs.dataFormat !== 'NHWC' || !float) return undefined;
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number], attrs.strides, attrs.dilations, attrs.pad,
    attrs.dimRoundingMode, false, 'channelsLast');
  const uniforms = [
    { type: 'int32', data: [info.filterHeight, info.filterWidth] },
    { type: 'int32', data: [info.padInfo.top, info.padInfo.left] },
    { type: 'int32', data: [info.strideHeight, info.strideWidth] },
    { type: 'int32', data: [info.dilationHeight, info.dilationWidth] },
  ];
  // The webgpu backend instance, reached through the kernel's arguments: the adapter boundary of
  // this file.
  const backend = args.backend as unknown as WebGpuRunner;
  const program = new DirectConv2DProgram(info.outShape);
  return backend.runWebGPUProgram(program, [x, filter], 'float32', uniforms);
}

let installed = false;

/**
 * Puts {@link directConv2d} in front of tfjs's webgpu `Conv2D` kernel (kept for what it does not
 * handle). Called by initBackend for a software WebGPU adapter only (on GPUs tfjs's tiled kernel is
 * the fast one). Idempotent; the webgpu backend must be registered.
 */
export function installDirectConv2d(): void {
  if (installed) return;
  const stock = tf.getKernel('Conv2D', 'webgpu');
  if (stock === undefined) return;
  tf.unregisterKernel('Conv2D', 'webgpu');
  tf.registerKernel({
    ...stock,
    kernelFunc: (args) => directConv2d(args) ?? (stock.kernelFunc(args) as tf.TensorInfo),
  });
  installed = true;
}
