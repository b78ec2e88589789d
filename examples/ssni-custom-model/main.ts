/**
 * Plugging SSNI into another diffusion model: the noise predictor below is written here, not taken from
 * @robustjs/diffusion's UNet. It is the exact epsilon-predictor of Gaussian data u0 ~ N(μ, s²I) (diffusion range):
 *
 *   for u_t = sqrt(ᾱ_t)·u0 + sqrt(1 − ᾱ_t)·z,   E[z | u_t] = sqrt(1 − ᾱ_t)·(u_t − sqrt(ᾱ_t)·μ) / (ᾱ_t·s² + 1 − ᾱ_t)
 *
 * SSNI only needs that function and its noise schedule. The script calibrates on clean samples, then prints the
 * EPS norms and the per-sample timesteps SSNI-N and SSNI-L give to clean and to perturbed inputs, and purifies.
 * Then it wraps a sampler written here too as SSNI's base and evaluates it with `evaluateDefense`.
 *
 *   npm run example:ssni
 */
import * as tf from '@tensorflow/tfjs';
import { evaluateDefense, evaluationData, pgdEotAttack } from '@robustjs/attacks';
import { initBackend } from '@robustjs/core';
import type { Classifier, Images, Labels, NoisePredictor, Timesteps } from '@robustjs/core';
import { diffPure, linearSchedule } from '@robustjs/diffusion';
import { calibrate, ssniDefense, ssniPurifier, timestepPurifier } from '@robustjs/ssni';

const MU = 0; // data mean in [−1,1]
const S = 0.3; // data standard deviation in [−1,1]
const SIZE = 16; // images [N,16,16,1]

const backend = await initBackend();
const schedule = linearSchedule(); // β 1e-4 … 2e-2, T = 1000
const alphaBar = tf.tensor1d(Float32Array.from(schedule.alphasCumprod));

/** Your model: (xt [N,H,W,C] in [−1,1], t [N] discrete indices) → predicted noise [N,H,W,C]. */
const gaussianEpsilon: NoisePredictor = (u, t) => tf.tidy(() => {
  const ab = tf.reshape(tf.gather(alphaBar, tf.cast(t, 'int32')), [-1, 1, 1, 1]); // [N,1,1,1]
  const scale = tf.div(tf.sqrt(tf.sub(1, ab)), tf.add(tf.mul(ab, S * S), tf.sub(1, ab)));
  return tf.mul(tf.sub(u, tf.mul(tf.sqrt(ab), MU)), scale) as tf.Tensor4D;
});

/** Clean data: samples of N(μ, s²I) mapped to [0,1] (clipped). */
const sample = (n: number, seed: number): tf.Tensor4D => tf.tidy(() =>
  tf.clipByValue(tf.div(tf.add(tf.randomNormal([n, SIZE, SIZE, 1], MU, S, 'float32', seed), 1), 2), 0, 1) as tf.Tensor4D);

const reference = sample(500, 1);
const calibration = calibrate(gaussianEpsilon, schedule, reference, { steps: 20, seed: 121, modelId: 'gaussian-exact' });
reference.dispose();

const clean = sample(6, 2);
const perturbed = tf.tidy(() => { // an l_inf perturbation of 8/255-style size: ±0.1 per pixel (a stand-in attack)
  const sign = tf.sign(tf.randomNormal(clean.shape, 0, 1, 'float32', 3));
  return tf.clipByValue(tf.add(clean, tf.mul(sign, 0.1)), 0, 1) as tf.Tensor4D;
});
const batch = tf.concat([clean, perturbed]) as tf.Tensor4D; // [12,16,16,1]: 6 clean, then the same 6 perturbed

const base = diffPure(gaussianEpsilon, schedule, { t: 100, steps: 20 });
const ssniN = ssniPurifier(base, gaussianEpsilon, calibration, { rule: 'ssni-n', tau: calibration.std, bias: 5 });
const ssniL = ssniPurifier(base, gaussianEpsilon, calibration, { rule: 'ssni-l', bias: 5 });
const n = ssniN.purifyWithInfo(batch, { seed: 4 });
const l = ssniL.purifyWithInfo(batch, { seed: 4 });
const mse = tf.tidy(() => Array.from(tf.mean(tf.squaredDifference(n.images, batch), [1, 2, 3]).dataSync()));

const round = (v: number): number => Math.round(v * 1000) / 1000;
const rows = Array.from(n.norms, (e, i) => ({
  input: i < 6 ? `clean ${i}` : `perturbed ${i - 6}`,
  epsNorm: round(e),
  tSsniN: n.timesteps[0]![i],
  tSsniL: l.timesteps[0]![i],
  purifiedMse: round(mse[i]!),
}));
console.log(`backend: ${backend.name}; model: exact epsilon of N(${MU}, ${S}²) data, linear schedule T = 1000; DiffPure t* = 100, 20 steps`);
console.log('calibration:', JSON.stringify(calibration));
console.table(rows);
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const tClean = rows.slice(0, 6).map((r) => r.tSsniN!);
const tAdv = rows.slice(6).map((r) => r.tSsniN!);
console.log(`median SSNI-N t: clean ${median(tClean)}, perturbed ${median(tAdv)} (fixed DiffPure: 100 for every input)`);
if (!(median(tAdv) > median(tClean))) throw new Error('expected perturbed inputs to get more noise than clean ones');
tf.dispose([clean, perturbed, n.images, l.images]);

// Your own sampler too: a seeded DDIM purifier written here (diffuse each image to its own t, 4 deterministic steps
// back), wrapped as SSNI's base and evaluated by the one evaluator against an adaptive PGD+EOT attack.
const abTable = tf.tensor1d(Float32Array.from([1, ...schedule.alphasCumprod])); // index t → ᾱ_{t−1}, ᾱ(0) = 1
const myDdim = (x: Images, t: Timesteps | number, options: { seed?: number } = {}): Images => tf.tidy(() => {
  const tt = (typeof t === 'number' ? tf.fill([x.shape[0]], t, 'int32') : t) as tf.Tensor1D; // [N]
  const ab = (s: tf.Tensor1D): tf.Tensor4D => tf.reshape(tf.gather(abTable, s), [-1, 1, 1, 1]); // [N,1,1,1]
  const z = tf.randomNormal(x.shape, 0, 1, 'float32', options.seed);
  let u = tf.add(tf.mul(tf.sqrt(ab(tt)), tf.sub(tf.mul(x, 2), 1)), tf.mul(tf.sqrt(tf.sub(1, ab(tt))), z));
  for (let k = 4; k > 0; k--) {
    const now = tf.cast(tf.round(tf.mul(tf.cast(tt, 'float32'), k / 4)), 'int32') as tf.Tensor1D; // [N]
    const next = tf.cast(tf.round(tf.mul(tf.cast(tt, 'float32'), (k - 1) / 4)), 'int32') as tf.Tensor1D; // [N]
    const eps = gaussianEpsilon(u as tf.Tensor4D, tf.maximum(tf.sub(now, 1), 0) as tf.Tensor1D);
    const u0 = tf.div(tf.sub(u, tf.mul(tf.sqrt(tf.sub(1, ab(now))), eps)), tf.sqrt(ab(now)));
    u = tf.add(tf.mul(tf.sqrt(ab(next)), u0), tf.mul(tf.sqrt(tf.sub(1, ab(next))), eps));
  }
  return tf.clipByValue(tf.div(tf.add(u, 1), 2), 0, 1) as Images;
});
const mine = timestepPurifier(myDdim, { tStar: 100, T: schedule.T });
const ssniMine = ssniPurifier(mine, gaussianEpsilon, calibration, { rule: 'ssni-n', extraSteps: 0, process: schedule });
/** A stand-in classifier: is the image brighter than mid-grey? logits [N,2]. */
const classifier: Classifier = (x) => tf.tidy(() => {
  const m = tf.sub(tf.mean(x, [1, 2, 3]), 0.5); // [N]
  return tf.stack([tf.neg(m), m], 1).mul(40) as tf.Tensor2D;
});
const labels = tf.tidy(() => tf.argMax(classifier(batch), 1).toInt()) as Labels;
const defense = ssniDefense(classifier, ssniMine, { baseLabel: 'my DDIM' });
const result = await evaluateDefense(defense, evaluationData(batch, labels), {
  attacks: [pgdEotAttack({ steps: 5, eot: 2 })], threat: { norm: 'linf', eps: 0.02 }, batchSize: 6, seed: 1,
});
const pct = (p: { rate: number; ci95: readonly [number, number] }): string =>
  `${(100 * p.rate).toFixed(0)} % [${(100 * p.ci95[0]).toFixed(0)}, ${(100 * p.ci95[1]).toFixed(0)}]`;
console.log(`${result.defense.label}: clean ${pct(result.clean)}, robust ${pct(result.robust)} ` +
  `(${result.protocol.attacks[0]!.description}; l_inf eps 0.02; 12 inputs, 95 % Wilson intervals)`);
tf.dispose([batch, labels, alphaBar, abTable]);
