export { expectNoLeak, expectNoLeakAsync } from './expectNoLeak';
export { describeEachBackend, availableBackends } from './describeEachBackend';
export { expectClose, relativeError } from './expectClose';
export { readmeExample, runReadmeExample } from './readmeExample';
export { expectRobustError, expectRobustErrorAsync } from './robustError';
export { useWasm } from './useWasm';
export { describeDefense } from './describeDefense';
export type { DefenseFixture } from './describeDefense';
