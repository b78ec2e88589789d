// Type tests (run by `npm run typecheck`): one type for EPS norms across the SSNI API.
import type * as tf from '@tensorflow/tfjs';
import { expectTypeOf } from 'vitest';
import type { EpsNorms } from './epsNorm';
import { epsNorm } from './epsNorm';
import type { ssniTimesteps } from './reweight';
import type { SsniAttackModel } from './ssniAttackModel';
import type { SsniInfo, SsniPurifier } from './ssniTypes';

expectTypeOf(epsNorm).returns.toEqualTypeOf<EpsNorms>();
expectTypeOf<EpsNorms>().toEqualTypeOf<Float32Array>();
expectTypeOf<SsniInfo['norms']>().toEqualTypeOf<EpsNorms>();
expectTypeOf<ReturnType<SsniPurifier['norms']>>().toEqualTypeOf<EpsNorms>();
expectTypeOf<NonNullable<SsniPurifier['last']>['norms']>().toEqualTypeOf<EpsNorms>();
expectTypeOf<NonNullable<SsniAttackModel['last']>['norms']>().toEqualTypeOf<EpsNorms>();
expectTypeOf<EpsNorms>().toMatchTypeOf<Parameters<typeof ssniTimesteps>[0]>();

declare const norms: EpsNorms;
// @ts-expect-error EPS norms are host values, not a tensor to dispose
norms.dispose();
// @ts-expect-error nor a tensor to pass where one is expected
const t: tf.Tensor = norms;
void t;
