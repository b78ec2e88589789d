// Type tests of MmdDetector.asDetector (run by `npm run typecheck`): images by default,
// features by type argument.
import type * as tf from '@tensorflow/tfjs';
import type { Detector, Images } from '@robustjs/core';
import { expectTypeOf } from 'vitest';
import type { MmdDetector } from './MmdDetector';

declare const detector: MmdDetector;
declare const images: Images;
declare const features: tf.Tensor2D;

expectTypeOf(detector.asDetector()).toEqualTypeOf<Detector<Images>>();
expectTypeOf(detector.asDetector<tf.Tensor2D>()).toEqualTypeOf<Detector<tf.Tensor2D>>();
expectTypeOf(detector.asDetector<tf.Tensor2D>().score(features)).toEqualTypeOf<tf.Tensor1D>();
const [record] = detector.asDetector().predict(images);
expectTypeOf(record?.isAdversarial).toEqualTypeOf<boolean | undefined>();

// @ts-expect-error a feature view does not take images [N,H,W,C]
detector.asDetector<tf.Tensor2D>().score(images);
// @ts-expect-error the default (image) view does not take feature matrices [N,D]
detector.asDetector().calibrate(features);
