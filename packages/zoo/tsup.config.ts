import { packageConfig } from '../../tsup.shared';

// `shims: true` gives the CJS build an `import.meta.url`, which `modelsDir()` uses to find `models/`.
export default packageConfig({ index: 'src/index.ts', node: 'src/node.ts' }, { shims: true });
