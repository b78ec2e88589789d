// A direct (one output element per invocation) BatchMatMul for tfjs's webgpu backend on software
// adapters: tfjs 4.22 multiplies through shared-memory tiles with a workgroup barrier per tile,
// which SwiftShader runs as coroutine switches (see webgpuConv2d.ts). Float32, batch dimensions
// equal or 1; anything else, and every GPU, keeps tfjs's kernel.
import * as tf from '@tensorflow/tfjs';

/** What tfjs-backend-webgpu 4.x's backend offers kernels (the WebGPUProgram contract). */
interface WebGpuRunner {
  runWebGPUProgram(program: object, inputs: tf.TensorInfo[], dtype: tf.DataType,
    uniforms?: Array<{ type: string; data: number[] }>): tf.TensorInfo;
  disposeData(dataId: object): void;
}

/** Largest workgroup count per dispatch dimension that WebGPU guarantees. */
const MAX_GROUPS = 65535;

/** `out[b,i,j] = Σ_k A[b,i,k]·B[b,k,j]` (operands optionally transposed), output `[batch,M,N]`. */
class DirectMatMulProgram {
  readonly variableNames = ['A', 'B'];
  readonly uniforms = 'dimInner : i32,';
  readonly workgroupSize: [number, number, number] = [64, 1, 1];
  readonly size = true;
  readonly dispatchLayout = { x: [0, 1, 2] };
  readonly outputShape: number[];
  readonly dispatch: [number, number, number];
  readonly shaderKey: string;

  constructor(outShape: [number, number, number], readonly transposeA: boolean,
    readonly transposeB: boolean) {
    this.outputShape = outShape;
    const groups = Math.ceil((outShape[0] * outShape[1] * outShape[2]) / 64);
    const side = Math.ceil(Math.sqrt(groups));
    this.dispatch = groups <= MAX_GROUPS ? [groups, 1, 1] : [side, side, 1];
    this.shaderKey = `robustjs_matmul_direct_${transposeA}_${transposeB}`;
  }

  getUserCode(): string {
    const a = this.transposeA ? 'getA(batchA, k, row)' : 'getA(batchA, row, k)';
    const b = this.transposeB ? 'getB(batchB, col, k)' : 'getB(batchB, k, col)';
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let coords = getCoordsFromIndex(index);
          let row = coords[1];
          let col = coords[2];
          let batchA = select(coords[0], 0, uniforms.aShape[0] == 1);
          let batchB = select(coords[0], 0, uniforms.bShape[0] == 1);
          var acc : f32 = 0.0;
          for (var k = 0; k < uniforms.dimInner; k = k + 1) {
            acc = acc + ${a} * ${b};
          }
          setOutputAtIndex(index, acc);
        }
      }
    `;
  }
}

/**
 * The webgpu `BatchMatMul` kernel with the direct program; returns `undefined` for what it does not
 * handle (the caller then runs tfjs's kernel).
 */
export function directBatchMatMul(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): tf.TensorInfo | undefined {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const attrs = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
  const { transposeA, transposeB } = attrs;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) {
    return undefined;
  }
  const batchShapeA = a.shape.slice(0, -2);
  const batchShapeB = b.shape.slice(0, -2);
  const batchA = batchShapeA.reduce((p, d) => p * d, 1);
  const batchB = batchShapeB.reduce((p, d) => p * d, 1);
  const [a0, a1] = a.shape.slice(-2) as [number, number];
  const [b0, b1] = b.shape.slice(-2) as [number, number];
  const [m, kA] = transposeA ? [a1, a0] : [a0, a1];
  const [kB, n] = transposeB ? [b1, b0] : [b0, b1];
  // Equal batch shapes, or one side without batch (all ones): other broadcasts stay with tfjs.
  const same = batchShapeA.length === batchShapeB.length &&
    batchShapeA.every((d, i) => d === batchShapeB[i]);
  if (kA !== kB || !(same || batchA === 1 || batchB === 1)) return undefined;
  const batchShape = batchA >= batchB ? batchShapeA : batchShapeB;
  // The webgpu backend instance, reached through the kernel's arguments: this file's adapter
  // boundary.
  const backend = args.backend as unknown as WebGpuRunner;
  const reshape = tf.getKernel('Reshape', 'webgpu');
  if (reshape === undefined) return undefined;
  const reshaped = (x: tf.TensorInfo, shape: number[]): tf.TensorInfo =>
    reshape.kernelFunc({ inputs: { x }, backend: args.backend as tf.KernelBackend,
      attrs: { shape } }) as tf.TensorInfo;
  // Reshapes share the data (a reference each, dropped by disposeData).
  const a3 = reshaped(a, [batchA, a0, a1]);
  const b3 = reshaped(b, [batchB, b0, b1]);
  const program = new DirectMatMulProgram([Math.max(batchA, batchB), m, n], transposeA, transposeB);
  const inner = [{ type: 'int32', data: [kA] }];
  const out3 = backend.runWebGPUProgram(program, [a3, b3], 'float32', inner);
  const out = reshaped(out3, [...batchShape, m, n]);
  for (const t of [a3, b3, out3]) backend.disposeData(t.dataId);
  return out;
}

let installed = false;

/**
 * Puts {@link directBatchMatMul} in front of tfjs's webgpu `BatchMatMul` kernel (kept for what it
 * does not handle). Called by initBackend for a software WebGPU adapter only. Idempotent.
 */
export function installDirectBatchMatMul(): void {
  if (installed) return;
  const stock = tf.getKernel('BatchMatMul', 'webgpu');
  if (stock === undefined) return;
  tf.unregisterKernel('BatchMatMul', 'webgpu');
  tf.registerKernel({
    ...stock,
    kernelFunc: (args) => directBatchMatMul(args) ?? (stock.kernelFunc(args) as tf.TensorInfo),
  });
  installed = true;
}
