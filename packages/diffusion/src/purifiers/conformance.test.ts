import * as tf from '@tensorflow/tfjs';
import { describePurifier } from '@robustjs/test-utils';
import { afterAll } from 'vitest';
import { images, lazyTinyUnet, useWasm } from '../../test/helpers';
import { linearSchedule } from '../schedule';
import { diffPure, gdmp, gns } from './factories';

useWasm();

const SIZE = 16;
const schedule = linearSchedule();
const tiny = lazyTinyUnet(SIZE);
const model = tiny.model;
afterAll(() => tiny.dispose());

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
