import { diffPure, type GradientMode } from '@robustjs/diffusion';
import type { DefenseSpec } from '../protocol';
import { diffusionDefense, type DiffusionSetup } from './diffusionDefense';
import { intOption, oneOf, resolveDefenseOptions } from './options';
import type { DefenseAdapter, RunContext } from './types';

const DEFAULTS = Object.freeze({ t: 100, steps: 10, surrogateSteps: 5, gradient: 'full' as GradientMode });

/** Builds DiffPure's setup (DDPM discretisation, noise to t*−1, `steps` η = 1 steps) from a protocol entry (internal). */
export async function diffPureSetup(spec: DefenseSpec, context: RunContext, where: string): Promise<{ setup: DiffusionSetup; label: string | undefined }> {
  const { options: o, label } = resolveDefenseOptions(spec, DEFAULTS, where);
  const t = intOption(o.t, 't', where, 1);
  const steps = intOption(o.steps, 'steps', where);
  const surrogateSteps = intOption(o.surrogateSteps, 'surrogateSteps', where);
  const gradient = oneOf(o.gradient, 'gradient', where, ['full', 'checkpoint', 'bpda'] as const);
  const unet = await context.unet();
  const purifier = diffPure(unet.predict, context.schedule, { t, steps });
  return {
    label,
    setup: { label: 'DiffPure', purifier, surrogateBase: purifier, surrogateNote: '', surrogateSteps: [surrogateSteps], gradient, runs: 1,
      settings: Object.freeze({ method: 'DiffPure (DDPM, η = 1)', t, defenseSteps: steps, surrogateSteps, gradient }) },
  };
}

/** DiffPure (Nie et al. 2022, DDPM form of Lee & Kim 2023). Options (defaults): `t` 100, `steps` 10, `surrogateSteps` 5, `gradient` `'full'`. */
export const diffPureDefense: DefenseAdapter = {
  name: 'diffpure',
  defaults: DEFAULTS,
  async create(spec, context, where) {
    const { setup, label } = await diffPureSetup(spec, context, where);
    return diffusionDefense(setup, context, label);
  },
};
