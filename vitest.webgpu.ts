// The webgpu test run: `ROBUSTJS_BACKEND=webgpu npm test` runs these suites on tfjs's webgpu
// backend in Node (Dawn, the npm package `webgpu`; over SwiftShader where there is no GPU) instead
// of the whole test set, and each conformance suite also checks that webgpu agrees with wasm
// (tolerances: WEBGPU_TOLERANCE in
// @robustjs/test-utils). vitest.webgpu.setup.ts initialises the backend; useWasm() and
//   describeEachBackend() then select webgpu.

/** Whether this vitest run is the webgpu run. */
export const WEBGPU_RUN = process.env.ROBUSTJS_BACKEND === 'webgpu';

/**
 * The webgpu run's files: attacks, purifiers, defenses, detectors, an attack on a defense (SSNI's
 * EPS-aware attack), the UNet, MMD, and the backend itself. DiffAttack and Diff-PGD through a
 * DiffPure chain are not here: each of their conformance tests runs for minutes on SwiftShader.
 */
export const WEBGPU_SUITES: readonly string[] = [
  'packages/core/src/backend/nodeWebgpu.test.ts',
  'packages/attacks/test/conformance.test.ts',
  'packages/diffusion/src/unet/unetBackends.test.ts',
  'packages/diffusion/src/purifiers/conformance.test.ts',
  'packages/diffusion/src/purifierDefense.test.ts',
  'packages/ssni/src/conformance.test.ts',
  'packages/ssni/src/ssniDefense.test.ts',
  'packages/ssni/src/epsAwareAttack.test.ts',
  'packages/dad/src/dadAsDefense.test.ts',
  'packages/dad/src/dadAlwaysDenoise.test.ts',
  'packages/mmd/src/conformance.test.ts',
];

/**
 * Of those files, the conformance suites only (describeAttack, describeDefense, describeDetector,
 * describePurifier, expectAttackConforms' tests) and this run's own tests: a file's other unit
 * tests compare with values computed on wasm or cpu, and run in the normal run.
 */
export const WEBGPU_TESTS = new RegExp([
  'conformance', 'is seeded, and leaks nothing', 'UNet \\(tiny', 'webgpu in Node',
  'describeAdapter', 'fails clearly when webgpu',
].join('|'));
