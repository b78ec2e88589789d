import * as tf from '@tensorflow/tfjs';
import { addClampedNoise, dadAdaptiveAttack, dadDefense as buildDad, type DadObjective } from '@robustjs/dad';
import type { Images } from '@robustjs/core';
import { toTensors } from '@robustjs/datasets';
import { CliError } from '../errors';
import { progressBar } from '../progress';
import { intOption, oneOf, resolveDefenseOptions } from './options';
import { argmax, stepSizeOf } from './pgdEot';
import type { DefenseAdapter } from './types';

const DEFAULTS = Object.freeze({
  objective: 'all' as DadObjective | 'both' | 'all',
  threshold: 'auto' as 'auto' | 'manifest' | 'calibrate',
  fpr: 0.01,
  calibrationImages: 1000,
  calibrationBatches: 100,
  noiseStd: 0.25,
});

const OBJECTIVE_TEXT: Readonly<Record<DadObjective, string>> = {
  detect: 'ascend MMD + 0.01·CE',
  evade: 'ascend CE − 100·MMD',
  threshold: 'threshold-aware: ascend CE − 100·MMD while MMD > 0.9·θ, else CE; the most misclassifying iterate that passes',
};

/**
 * DAD (Zhang et al., ICML 2025): the MMD-OPT batch detector routes each batch; flagged batches are denoised. Attacked
 * with DAD's adaptive PGD+EOT through detector, denoiser and classifier, by default with all three objectives (worst
 * case per image). Options (defaults): `objective` `'all'` (`'detect'`: ascend MMD + 0.01·CE; `'evade'`: CE − 100·MMD;
 * `'threshold'`: CE − 100·MMD while MMD > 0.9·θ, CE alone below, keeping the most misclassifying iterate that passes
 * the detector; `'both'`: detect and evade, the paper's pair),
 * `threshold` `'auto'` (the manifest's θ when the batch size matches its calibration, else recalibrated at the
 * protocol's batch size on held-out test images; `'manifest'` / `'calibrate'` force one), `fpr` 0.01,
 * `calibrationImages` 1000, `calibrationBatches` 100, `noiseStd` 0.25.
 */
export const dadDefenseAdapter: DefenseAdapter = {
  name: 'dad',
  defaults: DEFAULTS,
  async create(spec, context, where) {
    const { options: o, label } = resolveDefenseOptions(spec, DEFAULTS, where);
    const objective = oneOf(o.objective, 'objective', where, ['detect', 'evade', 'threshold', 'both', 'all'] as const);
    const thresholdMode = oneOf(o.threshold, 'threshold', where, ['auto', 'manifest', 'calibrate'] as const);
    const calibrationImages = intOption(o.calibrationImages, 'calibrationImages', where, 2);
    const calibrationBatches = intOption(o.calibrationBatches, 'calibrationBatches', where, 1);
    if (calibrationImages > 2000) throw new CliError(`protocol: '${where}.calibrationImages' must be ≤ 2000, got ${calibrationImages}.`);
    if (typeof o.fpr !== 'number' || !(o.fpr > 0 && o.fpr < 1)) throw new CliError(`protocol: '${where}.fpr' must be in (0,1), got ${JSON.stringify(o.fpr)}.`);
    if (typeof o.noiseStd !== 'number' || !(o.noiseStd >= 0)) throw new CliError(`protocol: '${where}.noiseStd' must be a number ≥ 0.`);
    const { protocol } = context;
    const batchSize = protocol.batchSize;
    if (protocol.images % batchSize !== 0) {
      throw new CliError(`protocol: DAD routes whole batches and its threshold depends on the batch size: 'images' (${protocol.images}) must be a multiple of 'batchSize' (${batchSize}).`);
    }
    const parts = await context.dad();
    const useManifest = thresholdMode === 'manifest' || (thresholdMode === 'auto' && parts.threshold.batchSize === batchSize);
    let threshold = parts.threshold.value;
    let thresholdFrom = `manifest (${parts.dir}): fpr ${parts.threshold.fpr} at batch size ${parts.threshold.batchSize}`;
    if (!useManifest) {
      threshold = await context.shared(`dad-threshold:${batchSize}:${o.fpr}:${calibrationImages}:${calibrationBatches}`, async () => {
        const bar = progressBar(context.progress, `DAD threshold (${calibrationBatches} clean batches of ${batchSize})`, 1, 'step');
        const { x } = toTensors(context.dataset, context.heldOut('dad', calibrationImages));
        try {
          return parts.detector.calibrate(x, { fpr: o.fpr as number, batchSize, batches: calibrationBatches, seed: protocol.seed });
        } finally {
          x.dispose();
          bar.update(1);
          bar.done();
        }
      });
      thresholdFrom = `recalibrated at batch size ${batchSize}: the ${Math.ceil((1 - (o.fpr as number)) * calibrationBatches)}-th of ${calibrationBatches} clean-batch statistics (fpr ${o.fpr}) from ${calibrationImages} held-out test images`;
    }
    const noiseStd = o.noiseStd as number;
    const defense = buildDad({ classifier: context.classifier, detector: parts.detector, denoiser: parts.denoiser, threshold, minBatchSize: Math.min(batchSize, protocol.images), noiseStd });
    const objectives: DadObjective[] = objective === 'all' ? ['detect', 'evade', 'threshold'] : objective === 'both' ? ['detect', 'evade'] : [objective];
    return {
      label: label ?? 'DAD',
      base: 'Undefended',
      settings: Object.freeze({ method: 'DAD (MMD-OPT batch detector → denoiser)', threshold, thresholdFrom, noiseStd, objectives, batchSize }),
      attackDescription: `DAD's adaptive PGD+EOT through detector, denoiser and classifier (${objectives.map((b) => OBJECTIVE_TEXT[b]).join('; ')}${objectives.length > 1 ? '; worst case per image' : ''})`,
      classify(x: Images, seed: number, keepPurified: boolean) {
        const route = defense.route(x);
        const predictions = tf.tidy(() => argmax(defense.branch(x, route.flagged, seed)));
        const base = { predictions, mmd: route.statistic, flagged: route.flagged };
        if (!keepPurified) return base;
        const purified = route.flagged
          ? tf.tidy(() => tf.clipByValue(parts.denoiser.apply(addClampedNoise(x, { std: noiseStd, seed })), 0, 1) as tf.Tensor4D)
          : tf.clone(x);
        return { ...base, purified };
      },
      attack(x, y, attack, seed, onProgress) {
        return objectives.map((obj, i) => {
          const xAdv = dadAdaptiveAttack(defense, x, y, {
            objective: obj, norm: attack.norm, eps: attack.eps, stepSize: stepSizeOf(attack), steps: attack.steps, eot: attack.eot,
            randomStart: attack.randomStart, seed: seed + i,
          });
          onProgress?.(Math.round((x.shape[0] * (i + 1)) / objectives.length));
          return xAdv;
        });
      },
      dispose() {},
    };
  },
};
