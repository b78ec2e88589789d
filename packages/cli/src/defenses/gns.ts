import { gns, type GradientMode } from '@robustjs/diffusion';
import { CliError } from '../errors';
import type { DefenseSpec } from '../protocol';
import { diffusionDefense, type DiffusionSetup } from './diffusionDefense';
import { intList, intOption, oneOf, resolveDefenseOptions } from './options';
import type { DefenseAdapter, RunContext } from './types';

const DEFAULTS = Object.freeze({
  stages: [30, 50, 100] as readonly number[], steps: [3, 3, 5] as readonly number[] | number, runs: 3,
  surrogateSteps: [1, 1, 2] as readonly number[] | number, gradient: 'full' as GradientMode,
});

/** Builds GNS's setup (multi-stage DDPM purification, majority vote over runs) from a protocol entry (internal). */
export async function gnsSetup(spec: DefenseSpec, context: RunContext, where: string): Promise<{ setup: DiffusionSetup; label: string | undefined }> {
  const { options: o, label } = resolveDefenseOptions(spec, DEFAULTS, where);
  if (!Array.isArray(o.stages) || o.stages.length === 0) throw new CliError(`protocol: '${where}.stages' must be a non-empty array of t* values.`);
  const stages = intList(o.stages, 'stages', where, o.stages.length);
  const steps = intList(o.steps, 'steps', where, stages.length);
  const surrogateSteps = intList(o.surrogateSteps, 'surrogateSteps', where, stages.length);
  const runs = intOption(o.runs, 'runs', where);
  const gradient = oneOf(o.gradient, 'gradient', where, ['full', 'checkpoint', 'bpda'] as const);
  const unet = await context.unet();
  const purifier = gns(unet.predict, context.schedule, { stages, steps });
  return {
    label,
    setup: { label: 'GNS', purifier, surrogateBase: purifier, surrogateNote: '', surrogateSteps, gradient, runs,
      settings: Object.freeze({ method: 'GNS (multi-stage DDPM, majority vote)', stages, defenseSteps: steps, runs, surrogateSteps, gradient }) },
  };
}

/** GNS (Lee & Kim 2023), reduced. Options (defaults): `stages` [30,50,100], `steps` [3,3,5], `runs` 3, `surrogateSteps` [1,1,2], `gradient` `'full'`. */
export const gnsDefense: DefenseAdapter = {
  name: 'gns',
  defaults: DEFAULTS,
  async create(spec, context, where) {
    const { setup, label } = await gnsSetup(spec, context, where);
    return diffusionDefense(setup, context, label);
  },
};
