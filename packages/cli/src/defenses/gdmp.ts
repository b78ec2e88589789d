import { gdmp, type GradientMode } from '@robustjs/diffusion';
import { CliError } from '../errors';
import type { DefenseSpec } from '../protocol';
import { diffusionDefense, type DiffusionSetup } from './diffusionDefense';
import { intOption, oneOf, resolveDefenseOptions } from './options';
import type { DefenseAdapter, RunContext } from './types';

const DEFAULTS = Object.freeze({ t: 36, iterations: 2, steps: 12, surrogateSteps: 2, guidance: true, surrogateGuidance: false, gradient: 'full' as GradientMode });

/** Builds GDMP's setup (iterations × (noise to t*−1, guided DDPM steps)) from a protocol entry (internal). */
export async function gdmpSetup(spec: DefenseSpec, context: RunContext, where: string): Promise<{ setup: DiffusionSetup; label: string | undefined }> {
  const { options: o, label } = resolveDefenseOptions(spec, DEFAULTS, where);
  const t = intOption(o.t, 't', where, 1);
  const iterations = intOption(o.iterations, 'iterations', where);
  const steps = intOption(o.steps, 'steps', where);
  const surrogateSteps = intOption(o.surrogateSteps, 'surrogateSteps', where);
  const gradient = oneOf(o.gradient, 'gradient', where, ['full', 'checkpoint', 'bpda'] as const);
  if (typeof o.guidance !== 'boolean') throw new CliError(`protocol: '${where}.guidance' must be true or false.`);
  if (typeof o.surrogateGuidance !== 'boolean') throw new CliError(`protocol: '${where}.surrogateGuidance' must be true or false.`);
  const unet = await context.unet();
  const purifier = gdmp(unet.predict, context.schedule, { t, iterations, steps, ...(o.guidance ? {} : { guidance: null }) });
  return {
    label,
    setup: {
      label: 'GDMP', purifier, surrogateSteps: new Array<number>(iterations).fill(surrogateSteps), gradient, runs: 1,
      // the guidance term scales with the step variance, which a few respaced steps make large: the surrogate drops it
      // (the SSNI / Lee & Kim attack surrogates are unguided DDPM chains, PAPERS.md §2.6c) unless asked
      surrogateBase: o.guidance && !o.surrogateGuidance ? purifier.with({ guidance: null }) : purifier,
      surrogateNote: o.guidance && !o.surrogateGuidance ? 'without guidance' : '',
      settings: Object.freeze({ method: 'GDMP (MSE guidance)', t, iterations, defenseSteps: steps, surrogateSteps, guidance: o.guidance, surrogateGuidance: o.surrogateGuidance, gradient }),
    },
  };
}

/**
 * GDMP (Wang et al. 2022), reduced. Options (defaults): `t` 36, `iterations` 2, `steps` 12, `surrogateSteps` 2,
 * `guidance` true, `surrogateGuidance` false (the attack's short surrogate chain is unguided), `gradient` `'full'`.
 */
export const gdmpDefense: DefenseAdapter = {
  name: 'gdmp',
  defaults: DEFAULTS,
  async create(spec, context, where) {
    const { setup, label } = await gdmpSetup(spec, context, where);
    return diffusionDefense(setup, context, label);
  },
};
