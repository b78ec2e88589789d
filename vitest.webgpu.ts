// The webgpu test run: `ROBUSTJS_BACKEND=webgpu npm test` runs these suites on tfjs's webgpu
// backend in Node (Dawn, the npm package `webgpu`; over SwiftShader where there is no GPU) instead
// of the whole test set, and each conformance suite also checks that webgpu agrees with wasm
// (tolerances: WEBGPU_TOLERANCE in
// @robustjs/test-utils). vitest.webgpu.setup.ts initialises the backend; useWasm() and
//   describeEachBackend() then select webgpu.

/** Whether this vitest run is the webgpu run. */
export const WEBGPU_RUN = process.env.ROBUSTJS_BACKEND === 'webgpu';

/** The webgpu run's suites: attacks, purifiers, defenses, detectors, the UNet, MMD, the backend. */
export const WEBGPU_SUITES: readonly string[] = [
  'packages/core/src/backend/nodeWebgpu.test.ts',
  'packages/attacks/test/conformance.test.ts',
  'packages/diffusion/src/unet/unetBackends.test.ts',
  'packages/diffusion/src/purifiers/conformance.test.ts',
  'packages/ssni/src/conformance.test.ts',
  'packages/mmd/src/conformance.test.ts',
];
