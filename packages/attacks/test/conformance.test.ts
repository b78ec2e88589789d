import '@robustjs/core/register';
import type { Attack } from '@robustjs/core';
import { apgd, apgdT, autoAttack, bpda, cw, eot, fabT, fgsm, mma, pgd, square } from '../src/index';
import type { Classifier } from '@robustjs/core';
import * as tf from '@tensorflow/tfjs';
import { describeAttack, describeTargetedAttack } from './conformance';

const as = (fn: unknown): Attack<never> => fn as Attack<never>;

describeAttack('fgsm', as(fgsm), { eps: 0.05 });
describeAttack('pgd linf', as(pgd), { eps: 0.05, stepSize: 0.02, steps: 5, norm: 'linf' });
describeAttack('pgd l2', as(pgd), { eps: 0.5, stepSize: 0.2, steps: 5, norm: 'l2' });
describeAttack('pgd no random start', as(pgd), { eps: 0.05, stepSize: 0.02, steps: 3, randomStart: false });
describeAttack('mma', as(mma), { eps: 0.05, stepSize: 0.02, steps: 3, k: 2 });
// EOT and BPDA wrap the model, so they enter the suite as PGD on the wrapped model.
const noisy = (m: Classifier) => eot((x, seed) => m(tf.clipByValue(tf.add(x, tf.randomNormal(x.shape, 0, 0.05, 'float32', seed)), 0, 1) as tf.Tensor4D), { samples: 3, seed: 7 });
describeAttack('pgd + eot', as((m: Classifier, x: tf.Tensor4D, y: tf.Tensor1D, o: object) => pgd(noisy(m), x, y, o)), { eps: 0.05, stepSize: 0.02, steps: 3 });
const quantised = (m: Classifier): Classifier => (x) => m(bpda((v) => tf.div(tf.round(tf.mul(v, 8)), 8) as tf.Tensor4D)(x));
describeAttack('pgd + bpda', as((m: Classifier, x: tf.Tensor4D, y: tf.Tensor1D, o: object) => pgd(quantised(m), x, y, o)), { eps: 0.05, stepSize: 0.02, steps: 3 });

describeTargetedAttack('pgd linf', as(pgd), { eps: 0.5, stepSize: 0.05, steps: 30, norm: 'linf' });
describeTargetedAttack('pgd l2', as(pgd), { eps: 1.0, stepSize: 0.1, steps: 30, norm: 'l2' });

describeAttack('apgd-ce linf', as(apgd), { eps: 0.05, steps: 8, loss: 'ce' });
describeAttack('apgd-dlr l2', as(apgd), { eps: 0.5, steps: 8, norm: 'l2', loss: 'dlr', restarts: 2 });
describeAttack('apgd-t linf', as(apgdT), { eps: 0.05, steps: 6, numTargets: 3 });
describeAttack('square', as(square), { eps: 0.05, queries: 20, seed: 4 });
describeAttack('square l2', as(square), { eps: 0.5, norm: 'l2', queries: 20, seed: 4 });
// C&W-l2 has no 'norm' option (it is l2 only): the suite's norm is dropped before the call.
const cwL2 = as((m: Classifier, x: tf.Tensor4D, y: tf.Tensor1D, { norm: _norm, ...o }: { norm?: string }) => cw(m, x, y, o));
describeAttack('cw l2 (eps-bounded)', cwL2, { eps: 0.5, norm: 'l2', steps: 10, binarySearchSteps: 2 });
describeTargetedAttack('cw l2', cwL2, { eps: 1.0, norm: 'l2', steps: 100 });
describeAttack('fab-t linf (eps-bounded)', as(fabT), { eps: 0.05, steps: 5, numTargets: 3 });
describeAttack('fab-t l2 (eps-bounded, restarts)', as(fabT), { eps: 0.5, norm: 'l2', steps: 5, numTargets: 2, restarts: 2, seed: 3 });
describeAttack('autoAttack standard', as(autoAttack), { eps: 0.05, steps: 5, queries: 10, seed: 2 });
describeAttack('autoAttack standard l2', as(autoAttack), { eps: 0.5, norm: 'l2', steps: 5, queries: 10, seed: 2 });
describeAttack('autoAttack rand l2', as(autoAttack), { eps: 0.5, norm: 'l2', version: 'rand', steps: 5, seed: 2 });
