/**
 * `@robustjs/native`: optional oneDNN kernels for TensorFlow.js through an N-API addon.
 *
 * {@link registerNativeKernels} puts oneDNN convolution (forward, input gradient, filter gradient, with
 * fused bias and activation) and batched matmul (either operand transposed, fused bias and activation)
 * under the tfjs kernel names of the `wasm` or `cpu` backend, computing in place on the backend's
 * memory on every core. User code keeps calling plain tfjs. {@link loadNative} reports, without
 * throwing, why the addon is unavailable (not built, no oneDNN runtime, `ROBUSTJS_NATIVE=0`).
 *
 * @packageDocumentation
 */
// core's error, re-exported so that a user of this package alone can catch it
export { RobustError, isRobustError } from '@robustjs/core';
export type { RobustErrorCode } from '@robustjs/core';
export { loadNative } from './loadNative';
export type { LoadNativeOptions, LoadNativeResult, NativeAddon, NativeInfo } from './loadNative';
export { loadEventLoop } from './loadEventLoop';
export type { EventLoopAddon, LoadEventLoopResult } from './loadEventLoop';
export { registerNativeKernels, unregisterNativeKernels, nativeKernelStats, NATIVE_KERNEL_NAMES } from './registerNativeKernels';
export type {
  NativeBackendName,
  NativeKernelName,
  NativeKernelCounts,
  RegisterNativeOptions,
  RegisterNativeResult,
} from './registerNativeKernels';
