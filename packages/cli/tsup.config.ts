import { packageConfig } from '../../tsup.shared';

export default packageConfig({ index: 'src/index.ts', bin: 'src/bin.ts' }, { platform: 'node', shims: true });
