import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * What the addon reports about itself (see {@link NativeAddon.info}).
 *
 * @example
 * ```ts
 * const native = loadNative();
 * if (native.ok) console.log(native.addon.info()); // { version: '2.6.3', runtime: 'omp', isa: 'avx2', threads: 2, ... }
 * ```
 */
export interface NativeInfo {
  /** oneDNN version, e.g. `"2.6.3"`. */
  readonly version: string;
  /** oneDNN's CPU threading runtime: `omp` (Debian's build), `tbb` or `seq`. */
  readonly runtime: string;
  /** The instruction set oneDNN dispatches to, e.g. `avx2` or `avx512_core`. */
  readonly isa: string;
  /** Threads a large primitive runs on. */
  readonly threads: number;
  /** Problems below this many FLOPs run on one thread (default 8e6). */
  readonly parallelMinFlops: number;
  /** Primitives held in the LRU cache. */
  readonly cacheSize: number;
  /** The bound of the LRU cache (default 256). */
  readonly cacheCapacity: number;
  /** Cache lookups that found a primitive. */
  readonly cacheHits: number;
  /** Cache lookups that created a primitive. */
  readonly cacheMisses: number;
  /** Bytes held by the grow-only scratchpad and staging buffers. */
  readonly bufferBytes: number;
  /** Memory-format mode: 0 tfjs layouts only, 1 (default) weights in oneDNN's preferred layout, 2 everything. */
  readonly layout: number;
}

/**
 * The raw N-API addon: synchronous oneDNN calls on float32 arrays, written in place. Each compute
 * function returns the name of the oneDNN implementation that ran (e.g. `"jit:avx2"`) and throws a
 * `TypeError` / `RangeError` for a missing, non-Float32Array or too short array, or an `Error` when
 * oneDNN fails. Most users call {@link registerNativeKernels} instead.
 *
 * Shapes: activations NHWC, filters HWIO (`[KH,KW,Ci,Co]`, tfjs's layout). `params` of a convolution is
 * `[n, ih, iw, ic, kh, kw, oc, oh, ow, strideH, strideW, dilationH, dilationW, padTop, padLeft,
 * padBottom, padRight]` (dilation 1 = none, as in tfjs). Activation codes: 0 linear, 1 relu, 2 relu6,
 * 3 elu, 4 leakyrelu, 5 sigmoid, 6 prelu.
 *
 * @example
 * ```ts
 * const native = loadNative();
 * if (native.ok) {
 *   const a = new Float32Array([1, 2, 3, 4]); // [2,2]
 *   const out = new Float32Array(4);
 *   native.addon.matMul(a, a, null, null, out, [], [], 2, 2, 2, false, true, 0, 0, 0, 0); // out = a·aᵀ
 * }
 * ```
 */
export interface NativeAddon {
  /** What oneDNN runs with: version, threading runtime, ISA, threads, cache and buffer use. */
  info(): NativeInfo;
  /** Sets the oneDNN (OpenMP) thread count for later calls; returns the count in force. */
  setNumThreads(threads: number): number;
  /** Problems below `flops` FLOPs run on one thread (default 8e6; 0 = always every thread). */
  setParallelMinFlops(flops: number): void;
  /** Bounds the primitive cache (default 256 entries). */
  setCacheCapacity(capacity: number): void;
  /** Selects the memory-format mode (see {@link NativeInfo.layout}); for measurements. */
  setLayout(layout: 0 | 1 | 2): void;
  /** Drops every cached primitive and frees the scratch buffers. */
  clearCache(): void;
  /**
   * Convolution forward `y = act(conv(x, filter) + bias)`: x `[n,ih,iw,ic]`, filter `[kh,kw,ic,oc]`,
   * bias `[oc]` or null, y `[n,oh,ow,oc]`; `preluAlpha` holds `preluSize` (1 or oc) slopes for activation 6.
   */
  conv2dForward(
    x: Float32Array,
    filter: Float32Array,
    bias: Float32Array | null,
    preluAlpha: Float32Array | null,
    y: Float32Array,
    params: readonly number[],
    activation: number,
    leakyAlpha: number,
    preluSize: number,
  ): string;
  /** Convolution input gradient: dy `[n,oh,ow,oc]`, filter `[kh,kw,ic,oc]` → dx `[n,ih,iw,ic]`. */
  conv2dBackwardData(dy: Float32Array, filter: Float32Array, dx: Float32Array, params: readonly number[]): string;
  /** Convolution filter gradient: x `[n,ih,iw,ic]`, dy `[n,oh,ow,oc]` → dw `[kh,kw,ic,oc]`. */
  conv2dBackwardWeights(x: Float32Array, dy: Float32Array, dw: Float32Array, params: readonly number[]): string;
  /**
   * Batched product `out = act(op(a)·op(b) + bias)`: a `[...batchA, m, k]` (`[..., k, m]` when
   * transposed), b `[...batchB, k, n]` (`[..., n, k]` when transposed), batch dims of equal count that
   * broadcast (equal or 1), out `[...broadcast, m, n]`; `biasSize` / `preluSize` are 0 (none), 1 or n.
   */
  matMul(
    a: Float32Array,
    b: Float32Array,
    bias: Float32Array | null,
    preluAlpha: Float32Array | null,
    out: Float32Array,
    batchA: readonly number[],
    batchB: readonly number[],
    m: number,
    k: number,
    n: number,
    transposeA: boolean,
    transposeB: boolean,
    activation: number,
    leakyAlpha: number,
    biasSize: number,
    preluSize: number,
  ): string;
  /**
   * Group normalization (+ SiLU when `silu`) of x `[n, hw, c]` into y, per image and group of `c/groups`
   * channels; `dims = [n, hw, c, groups]`.
   */
  groupNormForward(x: Float32Array, gamma: Float32Array, beta: Float32Array, y: Float32Array, dims: readonly number[], eps: number, silu: boolean): void;
  /** Its gradient: dy → dx `[n, hw, c]` and dParams `[2c]` (dgamma, then dbeta). */
  groupNormBackward(
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    dy: Float32Array,
    dx: Float32Array,
    dParams: Float32Array,
    dims: readonly number[],
    eps: number,
    silu: boolean,
  ): void;
  /** `K = exp(−max(xx_i + yy_j − 2·G_ij, 0)/σ)`: G `[n·m]`, xx `[n]`, yy `[m]`, sigma `[1]` → K; `dims = [n, m]`. */
  gaussianGramForward(gram: Float32Array, xx: Float32Array, yy: Float32Array, sigma: Float32Array, k: Float32Array, dims: readonly number[]): void;
  /** Its gradient from K and dK: → dG `[n·m]`, dxx `[n]`, dyy `[m]`, dSigma `[1]`. */
  gaussianGramBackward(
    gram: Float32Array,
    xx: Float32Array,
    yy: Float32Array,
    sigma: Float32Array,
    k: Float32Array,
    dk: Float32Array,
    dGram: Float32Array,
    dxx: Float32Array,
    dyy: Float32Array,
    dSigma: Float32Array,
    dims: readonly number[],
  ): void;
  /** Row sums (or means when `mean`) of x `[rows·len]` → out `[rows]`, in double over fixed blocks; `dims = [rows, len]`. */
  rowReduce(x: Float32Array, out: Float32Array, dims: readonly number[], mean: boolean): void;
  /** `out[r, :] = parts[0][r, :] ‖ parts[1][r, :] ‖ …`: part i `[rows·widths[i]]`, out `[rows·Σ widths]` (a copy). */
  concatColumns(parts: readonly Float32Array[], out: Float32Array, rows: number, widths: readonly number[]): void;
  /** The inverse: part i gets the i-th block of `widths[i]` columns of each row of x `[rows·Σ widths]`. */
  splitColumns(x: Float32Array, parts: readonly Float32Array[], rows: number, widths: readonly number[]): void;
  /**
   * `out = a + b` over `dims` (out row-major), each operand read at `Σ index_j · strides_j` (stride 0 along a
   * broadcast dimension); one float addition per element.
   */
  broadcastAdd(
    a: Float32Array,
    b: Float32Array,
    out: Float32Array,
    dims: readonly number[],
    aStrides: readonly number[],
    bStrides: readonly number[],
  ): void;
  /**
   * `out` (row-major over `keptDims`) = the sum, from 0 in row-major order over `sumDims`, of x at
   * `Σ kept index · keptStrides + Σ summed index · sumStrides`; accumulated in float, in double when `inDouble`.
   */
  stridedSum(
    x: Float32Array,
    out: Float32Array,
    keptDims: readonly number[],
    keptStrides: readonly number[],
    sumDims: readonly number[],
    sumStrides: readonly number[],
    inDouble: boolean,
  ): void;
}

/**
 * The result of {@link loadNative}: the addon and the file it came from, or why it is not available.
 *
 * @example
 * ```ts
 * const r: LoadNativeResult = loadNative();
 * console.log(r.ok ? `oneDNN from ${r.path}` : r.reason);
 * ```
 */
export type LoadNativeResult =
  | { readonly ok: true; readonly addon: NativeAddon; readonly path: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Options of {@link loadNative}.
 *
 * @example
 * ```ts
 * loadNative({ path: '/opt/robustjs/robustjs_native.node' });
 * ```
 */
export interface LoadNativeOptions {
  /** Path of the `.node` file; default `$ROBUSTJS_NATIVE_PATH`, else the package's `build/Release/robustjs_native.node`. */
  readonly path?: string;
}

/**
 * How to build the addon, in a project that installed the package (npm reruns its install script) and in a robustjs
 * checkout (the workspace script, which fails loudly).
 */
const BUILD_HINT =
  'install g++, make, python3 and oneDNN (Debian/Ubuntu: `apt-get install -y g++ make python3 libdnnl-dev`), then ' +
  'build it with `npm rebuild @robustjs/native --foreground-scripts` (in a robustjs checkout: ' +
  '`npm run build:addon -w @robustjs/native`)';

const loaded = new Map<string, NativeAddon>();

/** OpenMP spin-wait iterations before a waiting thread sleeps (unless OMP_WAIT_POLICY / GOMP_SPINCOUNT are set). */
const GOMP_SPINCOUNT = '10000';

function defaultPath(): string {
  const fromEnv = process.env.ROBUSTJS_NATIVE_PATH;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  // src/loadNative.ts and dist/*.js both sit one level below the package root.
  return fileURLToPath(new URL('../build/Release/robustjs_native.node', import.meta.url));
}

function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0] ?? m;
}

/**
 * Loads the oneDNN addon. Never throws: when the addon cannot be used the result says why: the
 * environment switch `ROBUSTJS_NATIVE=0`, a missing `.node` file (not built), a missing oneDNN runtime
 * (`libdnnl.so.2`), or any other load error. A loaded addon is kept for the life of the process.
 *
 * Debian's oneDNN runs on OpenMP; unless `OMP_NUM_THREADS` is set, the addon uses every core. Unless
 * `OMP_WAIT_POLICY` or `GOMP_SPINCOUNT` is set, the OpenMP threads spin 10,000 iterations before sleeping
 * (libgomp's default spins about 30 times longer, which doubles call times when another process keeps a
 * core busy).
 *
 * @param options - `path`: the `.node` file (default `$ROBUSTJS_NATIVE_PATH`, else
 *   `build/Release/robustjs_native.node` in this package).
 * @returns `{ ok: true, addon, path }`, or `{ ok: false, reason }` with a reason that names the fix.
 * @throws never.
 * @example
 * ```ts
 * const native = loadNative();
 * if (native.ok) console.log(native.addon.info().isa);
 * else console.warn(native.reason);
 * ```
 */
export function loadNative(options: LoadNativeOptions = {}): LoadNativeResult {
  try {
    if (process.env.ROBUSTJS_NATIVE === '0') {
      return { ok: false, reason: '@robustjs/native is switched off by ROBUSTJS_NATIVE=0; unset it to use the oneDNN kernels' };
    }
    const path = options.path ?? defaultPath();
    const cached = loaded.get(path);
    if (cached !== undefined) return { ok: true, addon: cached, path };
    if (!existsSync(path)) {
      return { ok: false, reason: `the @robustjs/native addon ${path} does not exist (it was not built); ${BUILD_HINT}` };
    }
    let addon: NativeAddon;
    // libgomp reads its spin policy once, when the addon pulls it in. Its default (spin about 300k
    // iterations after every parallel region) doubles call times when another process holds a core;
    // passive waiting loses a third of the two-thread gain on an idle machine; 10k spins keeps the gain
    // and costs little under contention (measured: bench/README.md). Set for the load only.
    const spin = process.env.OMP_WAIT_POLICY === undefined && process.env.GOMP_SPINCOUNT === undefined;
    if (spin) process.env.GOMP_SPINCOUNT = GOMP_SPINCOUNT;
    try {
      addon = createRequire(import.meta.url)(path) as NativeAddon;
    } catch (e) {
      const msg = firstLine(e);
      if (/libdnnl/.test(msg)) {
        return { ok: false, reason: `the @robustjs/native addon ${path} cannot load the oneDNN runtime (${msg}); install it with \`apt-get install -y libdnnl2\` (or libdnnl-dev)` };
      }
      return { ok: false, reason: `the @robustjs/native addon ${path} failed to load (${msg}); rebuild it: ${BUILD_HINT}` };
    } finally {
      if (spin) delete process.env.GOMP_SPINCOUNT;
    }
    if (typeof addon.conv2dForward !== 'function' || typeof addon.matMul !== 'function') {
      return { ok: false, reason: `${path} is not the @robustjs/native addon (conv2dForward/matMul missing); rebuild it: ${BUILD_HINT}` };
    }
    loaded.set(path, addon);
    return { ok: true, addon, path };
  } catch (e) {
    return { ok: false, reason: `@robustjs/native could not be loaded: ${firstLine(e)}` };
  }
}
