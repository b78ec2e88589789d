import * as tf from '@tensorflow/tfjs';
import { describePurifier } from '@robustjs/test-utils';
import { afterAll } from 'vitest';
import { images, useWasm } from '../../test/helpers';
import { linearSchedule } from '../schedule';
import { createUnet, type Unet } from '../unet/unet';
import { diffPure, gdmp, gns } from './factories';

useWasm();

const SIZE = 16;
const schedule = linearSchedule();
let unet: Unet | undefined;
/** A tiny 16×16 UNet with a non-zero output layer, made on first use (after the backend is set). */
const model = (): Unet => {
  if (unet === undefined) {
    unet = createUnet({ preset: 'tiny', seed: 11, config: { imageSize: SIZE } });
    const w = unet.namedVariables.get('out.conv.w')!;
    w.assign(tf.randomNormal(w.shape, 0, 0.05, 'float32', 12));
  }
  return unet;
};
afterAll(() => unet?.dispose());

const x = (): tf.Tensor4D => images(3, SIZE, 21);

describePurifier('DiffPure (DDPM, 3 steps)', () => ({
  purifier: diffPure(model().predict, schedule, { t: 20, steps: 3 }), x: x(), randomized: true, differentiable: true,
}));
describePurifier('DiffPure (VP-SDE Euler–Maruyama, 3 steps)', () => ({
  purifier: diffPure(model().predict, schedule, { t: 20, steps: 3, solver: 'sde' }), x: x(), randomized: true, differentiable: true,
}));
describePurifier('DiffPure (DDIM η = 0, checkpointed gradient)', () => ({
  purifier: diffPure(model().predict, schedule, { t: 20, steps: 3, eta: 0, gradient: 'checkpoint' }), x: x(), randomized: true, differentiable: true,
}));
describePurifier('DiffPure (BPDA gradient)', () => ({
  purifier: diffPure(model().predict, schedule, { t: 20, steps: 3, gradient: 'bpda' }), x: x(), randomized: true, differentiable: true,
}));
describePurifier('GDMP (guided, 2 iterations)', () => ({
  purifier: gdmp(model().predict, schedule, { t: 10, steps: 2, iterations: 2 }), x: x(), randomized: true, differentiable: true,
}));
describePurifier('GNS (2 stages)', () => ({
  purifier: gns(model().predict, schedule, { stages: [5, 10], steps: [1, 2] }), x: x(), randomized: true, differentiable: true,
}));
