export { expectNoLeak, expectNoLeakAsync } from './expectNoLeak';
export { describeEachBackend, availableBackends } from './describeEachBackend';
export { expectClose, relativeError } from './expectClose';
