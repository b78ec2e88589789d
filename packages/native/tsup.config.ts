import { packageConfig } from '../../tsup.shared';

// `shims` gives the CJS build an `import.meta.url`, which loadNative uses to find build/Release.
export default packageConfig({ index: 'src/index.ts' }, { shims: true, platform: 'node' });
