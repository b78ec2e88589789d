import * as tf from '@tensorflow/tfjs';
import { RobustError } from '@robustjs/core';
import { cpuIO, wasmIO, type BackendIO, type Info } from './kernels/backendIO';
import { nativeConcat, nativeSplitV } from './kernels/concat';
import { nativeConv2D, type NativeKernel } from './kernels/conv2D';
import { nativeConv2DBackpropFilter } from './kernels/conv2DBackpropFilter';
import { nativeConv2DBackpropInput } from './kernels/conv2DBackpropInput';
import { nativeAdd } from './kernels/elementwise';
import { nativeGaussianGram, nativeGaussianGramGrad } from './kernels/gaussianGram';
import { nativeGroupNorm, nativeGroupNormGrad } from './kernels/groupNorm';
import { nativeMatMul } from './kernels/matMul';
import { nativeReduce } from './kernels/reduce';
import { loadNative, type NativeAddon } from './loadNative';

/**
 * The tfjs backends whose tensors the native kernels can read in place.
 *
 * @example
 * ```ts
 * const backend: NativeBackendName = tf.getBackend() === 'cpu' ? 'cpu' : 'wasm';
 * ```
 */
export type NativeBackendName = 'wasm' | 'cpu';

/**
 * The kernels {@link registerNativeKernels} provides, in registration order.
 *
 * @example
 * ```ts
 * for (const name of NATIVE_KERNEL_NAMES) console.log(name, tf.getKernel(name, 'wasm') !== undefined);
 * ```
 */
export const NATIVE_KERNEL_NAMES = [
  'Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'BatchMatMul', '_FusedMatMul', 'RobustGroupNorm', 'RobustGroupNormGrad',
  'RobustGaussianGram', 'RobustGaussianGramGrad', 'Sum', 'Mean', 'Concat', 'SplitV', 'Add',
] as const;

/**
 * One of {@link NATIVE_KERNEL_NAMES}.
 *
 * @example
 * ```ts
 * const name: NativeKernelName = 'Conv2DBackpropFilter';
 * ```
 */
export type NativeKernelName = (typeof NATIVE_KERNEL_NAMES)[number];

/**
 * What {@link registerNativeKernels} did.
 *
 * @example
 * ```ts
 * const r: RegisterNativeResult = registerNativeKernels('wasm');
 * if (!r.ok) console.warn(r.reason);
 * ```
 */
export interface RegisterNativeResult {
  /** Whether the native kernels are now registered for the backend. */
  readonly ok: boolean;
  /** Why not (absent when `ok`). */
  readonly reason?: string;
  /** The kernels now provided natively (empty when not `ok`). */
  readonly kernels: string[];
}

/**
 * Options of {@link registerNativeKernels}.
 *
 * @example
 * ```ts
 * registerNativeKernels('wasm', { threads: 1 }); // a machine shared with other jobs
 * ```
 */
export interface RegisterNativeOptions {
  /**
   * oneDNN threads; default: `OMP_NUM_THREADS` if set, else every core of the machine. On a machine
   * shared with other busy processes, 1 avoids OpenMP threads waiting on each other.
   */
  readonly threads?: number;
  /** The addon file, passed to {@link loadNative}; default: the package's build. */
  readonly path?: string;
}

/**
 * Per-kernel call counts since registration (see {@link nativeKernelStats}).
 *
 * @example
 * ```ts
 * const counts: NativeKernelCounts | undefined = nativeKernelStats('wasm').Conv2D;
 * ```
 */
export interface NativeKernelCounts {
  /** Calls computed by oneDNN. */
  native: number;
  /** Calls handed to the previous kernel because the configuration is not supported natively. */
  fallback: number;
  /** Calls where the addon threw and the previous kernel computed the result instead. */
  errors: number;
  /** The last such error message. */
  lastError?: string;
}

interface Installed {
  /** What was registered before, restored by unregisterNativeKernels (undefined: nothing was). */
  readonly previous: Map<string, tf.KernelConfig | undefined>;
  readonly stats: Map<string, NativeKernelCounts>;
}

const installed = new Map<NativeBackendName, Installed>();

const IO: Record<NativeBackendName, BackendIO> = { wasm: wasmIO, cpu: cpuIO };

const BODIES: Record<NativeKernelName, (addon: NativeAddon, io: BackendIO) => NativeKernel> = {
  Conv2D: nativeConv2D,
  FusedConv2D: nativeConv2D,
  Conv2DBackpropInput: nativeConv2DBackpropInput,
  Conv2DBackpropFilter: nativeConv2DBackpropFilter,
  BatchMatMul: nativeMatMul,
  _FusedMatMul: nativeMatMul,
  RobustGroupNorm: nativeGroupNorm,
  RobustGroupNormGrad: nativeGroupNormGrad,
  RobustGaussianGram: nativeGaussianGram,
  RobustGaussianGramGrad: nativeGaussianGramGrad,
  Sum: (addon, io) => nativeReduce(addon, io, false),
  Mean: (addon, io) => nativeReduce(addon, io, true),
  Concat: nativeConcat,
  SplitV: nativeSplitV,
  Add: nativeAdd,
};

function kernelFunc(name: string, backendName: NativeBackendName, body: NativeKernel, previous: tf.KernelConfig | undefined, counts: NativeKernelCounts): tf.KernelFunc {
  const fallback = (args: Parameters<tf.KernelFunc>[0]): Info | Info[] => {
    if (previous === undefined) {
      throw new RobustError(
        'KERNEL_UNSUPPORTED',
        `Kernel '${name}' on backend '${backendName}': this configuration is not supported by @robustjs/native and no other '${name}' kernel was registered for '${backendName}' (on wasm, call registerWasmKernels() from @robustjs/core before registerNativeKernels('wasm')).`,
      );
    }
    return previous.kernelFunc(args) as Info | Info[];
  };
  return (args) => {
    let out: Info | Info[] | undefined;
    try {
      out = body(args as Parameters<NativeKernel>[0]);
    } catch (e) {
      counts.errors++;
      counts.lastError = e instanceof Error ? e.message : String(e);
      return fallback(args);
    }
    if (out === undefined) {
      counts.fallback++;
      return fallback(args);
    }
    counts.native++;
    return out;
  };
}

/**
 * Registers oneDNN implementations of `Conv2D`, `FusedConv2D`, `Conv2DBackpropInput`,
 * `Conv2DBackpropFilter`, `BatchMatMul` and `_FusedMatMul` for the `wasm` or `cpu` backend, so plain tfjs
 * code (`tf.conv2d`, `tf.matMul`, `tf.fused.*`, their gradients, tfjs-layers) runs on oneDNN on every
 * core; and the fused group normalization (+ SiLU) kernels `RobustGroupNorm` / `RobustGroupNormGrad` that
 * `@robustjs/core`'s `groupNorm` op uses when they are registered, and the fused Gaussian kernel matrix
 * `RobustGaussianGram` / `RobustGaussianGramGrad` of its `gaussianGram` op (OpenMP C++, AVX2 when the CPU has it); and
 * `Sum` / `Mean` over the innermost axes of float32 tensors of 4,096 elements or more (every core, accumulated in
 * double over fixed blocks: the same numbers for any thread count), and `Sum` over other axes (one strided pass, bit
 * for bit the backend's own); and `Concat` / `SplitV` of float32 tensors along any axis (one copying pass; tfjs's
 * own kernels copy row by row from JavaScript); and `Add` of float32 tensors with any broadcast (one pass, bit for
 * bit the same). The kernels compute in place on the backend's memory (on wasm, views into the wasm heap; on
 * cpu, the typed arrays), NHWC float32 only. Any other configuration (NCHW, int32, a bias or prelu
 * slopes that broadcast unusually, an empty tensor) is handed to the kernel that was registered before,
 * which is kept, with its `setupFunc` and `disposeFunc`, and restored by {@link unregisterNativeKernels}.
 *
 * On wasm, call `registerWasmKernels()` from `@robustjs/core` first (it supplies the
 * `Conv2DBackpropFilter` the stock wasm backend lacks, used as the fallback). Idempotent per backend.
 *
 * @param backendName - `'wasm'` or `'cpu'`; its tfjs backend module must be imported.
 * @param options - `threads` (default: `OMP_NUM_THREADS`, else every core), `path` of the addon file
 *   (default: this package's build).
 * @returns `{ ok: true, kernels }` with the names of {@link NATIVE_KERNEL_NAMES}, or `{ ok: false, reason, kernels: [] }` when
 *   the addon is unavailable (see {@link loadNative}) or the backend is not loaded; never throws for these.
 * @throws `RobustError` (from `@robustjs/core`) with code `INVALID_ARGUMENT` when `backendName` is not `'wasm'` or `'cpu'`, or
 *   `threads` is not a positive integer.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-wasm';
 * registerWasmKernels(); // from @robustjs/core
 * const native = registerNativeKernels('wasm');
 * if (!native.ok) console.warn(native.reason);
 * await tf.setBackend('wasm');
 * ```
 */
export function registerNativeKernels(backendName: NativeBackendName, options: RegisterNativeOptions = {}): RegisterNativeResult {
  if (backendName !== 'wasm' && backendName !== 'cpu') {
    throw new RobustError(
      'INVALID_ARGUMENT',
      `Argument 'backendName' passed to 'registerNativeKernels' must be 'wasm' or 'cpu', got ${JSON.stringify(backendName)}.`,
    );
  }
  const { threads } = options;
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) {
    throw new RobustError('INVALID_ARGUMENT', `Option 'threads' passed to 'registerNativeKernels' must be a positive integer, got ${String(threads)}.`);
  }
  const loaded = loadNative(options.path === undefined ? {} : { path: options.path });
  if (!loaded.ok) return { ok: false, reason: loaded.reason, kernels: [] };
  if (threads !== undefined) loaded.addon.setNumThreads(threads);
  if (installed.has(backendName)) return { ok: true, kernels: [...NATIVE_KERNEL_NAMES] };
  if (tf.getKernel('Conv2D', backendName) === undefined) {
    const module = backendName === 'wasm' ? '@tensorflow/tfjs-backend-wasm' : '@tensorflow/tfjs-backend-cpu (or @tensorflow/tfjs)';
    return { ok: false, reason: `the '${backendName}' backend is not loaded (no Conv2D kernel registered for it); import '${module}' before registerNativeKernels('${backendName}')`, kernels: [] };
  }
  const state: Installed = { previous: new Map(), stats: new Map() };
  for (const name of NATIVE_KERNEL_NAMES) {
    const previous = tf.getKernel(name, backendName);
    state.previous.set(name, previous);
    const counts: NativeKernelCounts = { native: 0, fallback: 0, errors: 0 };
    state.stats.set(name, counts);
    if (previous !== undefined) tf.unregisterKernel(name, backendName);
    const config: tf.KernelConfig = {
      kernelName: name,
      backendName,
      kernelFunc: kernelFunc(name, backendName, BODIES[name](loaded.addon, IO[backendName]), previous, counts),
    };
    // The previous kernel's setup binds the wasm functions its kernelFunc calls (our fallback path).
    if (previous?.setupFunc !== undefined) config.setupFunc = previous.setupFunc;
    if (previous?.disposeFunc !== undefined) config.disposeFunc = previous.disposeFunc;
    tf.registerKernel(config);
  }
  installed.set(backendName, state);
  return { ok: true, kernels: [...NATIVE_KERNEL_NAMES] };
}

/**
 * Removes the native kernels from a backend and re-registers exactly the kernels that were registered
 * when {@link registerNativeKernels} ran (stock tfjs kernels, or core's wasm additions). Idempotent.
 *
 * @param backendName - `'wasm'` or `'cpu'`.
 * @returns whether native kernels were registered (and are now removed).
 * @throws never.
 * @example
 * ```ts
 * unregisterNativeKernels('wasm'); // back to the kernels registered before
 * ```
 */
export function unregisterNativeKernels(backendName: NativeBackendName): boolean {
  const state = installed.get(backendName);
  if (state === undefined) return false;
  for (const [name, previous] of state.previous) {
    tf.unregisterKernel(name, backendName);
    if (previous !== undefined) tf.registerKernel(previous);
  }
  installed.delete(backendName);
  return true;
}

/**
 * Call counts of each native kernel on a backend since it was registered: how often oneDNN ran, how
 * often a configuration went to the previous kernel, and any addon errors (also handed to the previous
 * kernel). Empty when the native kernels are not registered there.
 *
 * @param backendName - `'wasm'` or `'cpu'`.
 * @returns a fresh record from kernel name to {@link NativeKernelCounts}.
 * @throws never.
 * @example
 * ```ts
 * const { BatchMatMul } = nativeKernelStats('wasm');
 * console.log(BatchMatMul?.native, BatchMatMul?.fallback);
 * ```
 */
export function nativeKernelStats(backendName: NativeBackendName): Partial<Record<NativeKernelName, NativeKernelCounts>> {
  const out: Partial<Record<NativeKernelName, NativeKernelCounts>> = {};
  const state = installed.get(backendName);
  if (state === undefined) return out;
  for (const [name, counts] of state.stats) out[name as NativeKernelName] = { ...counts };
  return out;
}
