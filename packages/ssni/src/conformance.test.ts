import { diffPure, gdmp, gns, linearSchedule } from '@robustjs/diffusion';
import { describePurifier } from '@robustjs/test-utils';
import { afterAll } from 'vitest';
import { handmadeEpsilon, handmadePurifier } from '@robustjs/test-utils';
import { gaussianEpsilon, images, useWasm } from '../test/helpers';
import { calibrate, type SsniCalibration } from './calibration';
import { ssniPurifier } from './ssniPurifier';
import { timestepPurifier } from './timestepPurifier';

useWasm();

const schedule = linearSchedule();
const gauss = gaussianEpsilon(schedule, 0, 0.5);
const disposers: (() => void)[] = [];
afterAll(() => disposers.forEach((d) => d()));

function calibrationFor(model: Parameters<typeof calibrate>[0]): SsniCalibration {
  const ref = images(16, 8, 11);
  const c = calibrate(model, schedule, ref, { steps: 4, seed: 2 });
  ref.dispose();
  return c;
}

/** A hand-made NoisePredictor and a hand-written 3-step DDIM sampler wrapped by timestepPurifier (t* = 20). */
function handmade(gradient: 'full' | 'bpda' = 'full') {
  const eps = handmadeEpsilon(schedule);
  const ddim = handmadePurifier(eps.model, schedule, 3);
  disposers.push(eps.dispose, ddim.dispose);
  return { model: eps.model, plain: timestepPurifier(ddim.purify, { tStar: 20, T: 1000, gradient }) };
}

const x = () => images(3, 8, 12);

describePurifier('SSNI-N around DiffPure (DDPM)', () => ({
  purifier: ssniPurifier(diffPure(gauss, schedule, { t: 20, steps: 4 }), gauss, calibrationFor(gauss), { bias: 2 }),
  x: x(), randomized: true, differentiable: true,
}));
describePurifier('SSNI-N around DiffPure (VP-SDE)', () => ({
  purifier: ssniPurifier(diffPure(gauss, schedule, { t: 20, steps: 3, solver: 'sde' }), gauss, calibrationFor(gauss), { bias: 2 }),
  x: x(), randomized: true, differentiable: true,
}));
describePurifier('SSNI-N around GDMP', () => ({
  purifier: ssniPurifier(gdmp(gauss, schedule, { t: 10, steps: 2, iterations: 2 }), gauss, calibrationFor(gauss), { bias: 1 }),
  x: x(), randomized: true, differentiable: true,
}));
describePurifier('SSNI-L around GNS', () => ({
  purifier: ssniPurifier(gns(gauss, schedule, { stages: [10, 20], steps: [2, 2] }), gauss, calibrationFor(gauss), { rule: 'ssni-l', bias: 1 }),
  x: x(), randomized: true, differentiable: true,
}));
describePurifier('SSNI-N around a hand-made timestepPurifier', () => {
  const { model, plain } = handmade();
  return { purifier: ssniPurifier(plain, model, calibrationFor(model), { process: schedule, bias: 2 }), x: x(), randomized: true, differentiable: true };
});
describePurifier('timestepPurifier around a hand-written DDIM (full gradient)', () => ({
  purifier: handmade().plain, x: x(), randomized: true, differentiable: true,
}));
describePurifier('timestepPurifier around a hand-written DDIM (BPDA gradient)', () => ({
  purifier: handmade('bpda').plain, x: x(), randomized: true, differentiable: true,
}));
