import type { Images } from '@robustjs/core';
import { calibrate, ssniAttackModel, ssniPurifier, type SsniCalibration } from '@robustjs/ssni';
import { toTensors } from '@robustjs/datasets';
import { CliError } from '../errors';
import type { DefenseSpec } from '../protocol';
import { progressBar } from '../progress';
import { describeSurrogate, voteClassify, type DiffusionSetup } from './diffusionDefense';
import { diffPureSetup } from './diffpure';
import { gdmpSetup } from './gdmp';
import { gnsSetup } from './gns';
import { intOption, oneOf, resolveDefenseOptions } from './options';
import { pgdEot } from './pgdEot';
import type { DefenseAdapter, RunContext } from './types';

const DEFAULTS = Object.freeze({
  rule: 'ssni-n' as 'ssni-n' | 'ssni-l',
  base: { name: 'diffpure' } as DefenseSpec,
  tau: null as number | null,
  bias: 5,
  extraSteps: null as number | null,
  epsSteps: 10,
  calibrationImages: 100,
});

const BASES: Readonly<Record<string, (spec: DefenseSpec, context: RunContext, where: string) => Promise<{ setup: DiffusionSetup }>>> = {
  diffpure: diffPureSetup,
  gdmp: gdmpSetup,
  gns: gnsSetup,
};

/** The clean reference statistics, computed once per run on held-out test images (shared by every SSNI row). */
async function sharedCalibration(context: RunContext, epsSteps: number, count: number): Promise<SsniCalibration> {
  return context.shared(`ssni-calibration:${epsSteps}:${count}`, async () => {
    const unet = await context.unet();
    const bar = progressBar(context.progress, `SSNI calibration (${count} held-out images, T_S = ${epsSteps})`, count);
    const { x } = toTensors(context.dataset, context.heldOut('ssni', count));
    try {
      const c = calibrate(unet.predict, context.schedule, x, { steps: epsSteps, seed: context.protocol.seed, modelId: 'robustjs-zoo-unet' });
      bar.update(count);
      bar.done();
      return c;
    } finally {
      x.dispose();
    }
  });
}

/**
 * SSNI (Sun et al., ICML 2025) around DiffPure, GDMP or GNS: per-sample timesteps from the EPS norm; attacked with SSNI's
 * adaptive PGD+EOT (norms recomputed on every iterate, backprop through the base's surrogate chain with those t).
 * Options (defaults): `rule` `'ssni-n'` (or `'ssni-l'`), `base` `{ name: 'diffpure' }` (any DiffPure/GDMP/GNS entry),
 * `tau` null (= the calibration's std), `bias` 5, `extraSteps` null (= round(b·K/t*), at least 0: the reference's +b steps
 * scaled to the respaced chain), `epsSteps` (T_S) 10, `calibrationImages` 100 (held-out test images).
 */
export const ssniDefense: DefenseAdapter = {
  name: 'ssni',
  defaults: DEFAULTS,
  async create(spec, context, where) {
    const { options: o, label } = resolveDefenseOptions(spec, DEFAULTS, where);
    const rule = oneOf(o.rule, 'rule', where, ['ssni-n', 'ssni-l'] as const);
    const baseSpec = o.base;
    if (typeof baseSpec !== 'object' || baseSpec === null || typeof baseSpec.name !== 'string' || BASES[baseSpec.name] === undefined) {
      throw new CliError(`protocol: '${where}.base' must be a DiffPure, GDMP or GNS entry like { "name": "diffpure" }, got ${JSON.stringify(baseSpec)}.`);
    }
    const { setup } = await (BASES[baseSpec.name] as (typeof BASES)[string])(baseSpec, context, `${where}.base`);
    const bias = intOption(o.bias, 'bias', where, 0);
    const epsSteps = intOption(o.epsSteps, 'epsSteps', where);
    const calibrationImages = intOption(o.calibrationImages, 'calibrationImages', where, 2);
    if (calibrationImages > 1000) throw new CliError(`protocol: '${where}.calibrationImages' must be ≤ 1000, got ${calibrationImages}.`);
    if (o.tau !== null && (typeof o.tau !== 'number' || !(o.tau > 0))) throw new CliError(`protocol: '${where}.tau' must be a number > 0 or null, got ${JSON.stringify(o.tau)}.`);
    const { stages, steps } = setup.purifier.settings;
    const extraSteps = o.extraSteps === null
      ? Math.max(...stages.map((t, k) => Math.round((bias * (steps[k] as number)) / Math.max(t, 1))))
      : intOption(o.extraSteps, 'extraSteps', where, 0);
    const unet = await context.unet();
    const calibration = await sharedCalibration(context, epsSteps, calibrationImages);
    const ssni = ssniPurifier(setup.purifier, unet.predict, calibration, {
      rule, bias, extraSteps, ...(o.tau === null ? {} : { tau: o.tau as number }),
    });
    // the attack's SSNI purifier: same calibration and rule around the chain the surrogate is made from
    const attackSsni = setup.surrogateBase === setup.purifier ? ssni : ssniPurifier(setup.surrogateBase, unet.predict, calibration, {
      rule, bias, extraSteps, ...(o.tau === null ? {} : { tau: o.tau as number }),
    });
    const { classifier } = context;
    const ruleLabel = rule === 'ssni-n' ? 'SSNI-N' : 'SSNI-L';
    return {
      label: label ?? `${setup.label} + ${ruleLabel}`,
      base: setup.label,
      settings: Object.freeze({
        ...setup.settings, method: `${setup.settings.method as string} + ${ruleLabel}`, rule, tau: ssni.settings.tau, bias, extraSteps,
        epsSteps, calibration: { images: calibrationImages, from: 'held-out test images', mean: calibration.mean, std: calibration.std, min: calibration.min, max: calibration.max },
      }),
      attackDescription: `${describeSurrogate(setup, 'adaptive PGD+EOT')}, EPS norms and t(x) recomputed on every iterate`,
      classify(x: Images, seed: number, keepPurified: boolean) {
        const norms = ssni.norms(x);
        const ts = ssni.timesteps(norms);
        const out = voteClassify(classifier, (xx, s) => ssni.runner.purify(xx, { t: (k: number) => ts[k] as Int32Array, seed: s }), x, setup.runs, seed, keepPurified);
        return { ...out, norms, timesteps: ts[0] as Int32Array };
      },
      attack(x, y, attack, seed, onProgress) {
        const model = ssniAttackModel(classifier, attackSsni, { surrogateSteps: [...setup.surrogateSteps], gradient: setup.gradient, eotSamples: 1, seed });
        return [pgdEot(model, true, x, y, attack, seed, context.protocol.chunkSize, onProgress)];
      },
      dispose() {},
    };
  },
};
