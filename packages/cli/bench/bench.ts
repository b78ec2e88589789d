/**
 * Benchmark of the Defense layer: is a demo defense as fast through `Defense.classify` and `pgdEotAttack` (the path
 * `robustjs eval` takes) as the same computation written directly against the purifiers (the pre-`Defense` CLI code)?
 *
 *   npm run bench -w @robustjs/cli -- [--n 5] [--quick] [--only <substring>]
 *
 * Zoo models (CNN, UNet), 16 Fashion-MNIST test images (8 with --quick), the demo protocol's DiffPure (t* = 200, 10
 * steps, 3-step surrogate), DiffPure + SSNI-N (T_S = 5) and GNS (3-run vote). Per defense and path, one warm-up, then n
 * timed runs of "classify the clean batch + 2 PGD+EOT steps + classify the adversarial batch", the two paths
 * alternating run by run so that machine load hits both alike. stdout: one JSON line per defense with both medians and
 * their ratio (defense / direct; 1.00 = no overhead).
 */
import * as tf from '@tensorflow/tfjs';
import { eot, pgd, pgdEotAttack } from '@robustjs/attacks';
import { initBackend, seedStream, type Classifier, type Defense, type Images, type Labels } from '@robustjs/core';
import { toTensors } from '@robustjs/datasets';
import { loadFashionMnist } from '@robustjs/datasets/node';
import { diffPure, gns, linearSchedule, majorityVote, purifierDefense, type DiffusionPurifier } from '@robustjs/diffusion';
import { loadUnet } from '@robustjs/diffusion/node';
import { calibrate, ssniAttackModel, ssniDefense, ssniPurifier } from '@robustjs/ssni';
import { modelsDir, referenceClassifier } from '@robustjs/zoo/node';
import { emit, median, parseBenchFlags } from '@robustjs/test-utils/bench';
import { join } from 'node:path';

console.log = console.error;
console.info = console.error;

const { n, quick, only } = parseBenchFlags(process.argv.slice(2), { n: 5, quickN: 2 });
const images = quick ? 8 : 16;
const info = await initBackend();
process.stderr.write(`backend: ${info.name}\n`);
const classifier = await referenceClassifier();
const unet = await loadUnet(join(modelsDir(), 'unet', 'unet.safetensors'));
const schedule = linearSchedule();
const data = await loadFashionMnist({ split: 'test' });
const { x, y } = toTensors(data, Array.from({ length: images }, (_, i) => i)) as { x: Images; y: Labels };
const { x: held } = toTensors(data, Array.from({ length: 32 }, (_, i) => 9000 + i));
const calibration = calibrate(unet.predict, schedule, held, { steps: 5, seed: 0 });
held.dispose();

const attack = { eps: 0.1, steps: 2, stepSize: 0.05, norm: 'linf' as const, randomStart: true };
const argmax = (l: tf.Tensor2D): Int32Array => tf.tidy(() => Int32Array.from(tf.argMax(l, 1).dataSync()));

/** The direct path: classify, attack, classify, written against the purifier as the CLI did before `Defense`. */
function direct(classify: (xx: Images, seed: number) => Int32Array, model: (xx: Images, seed: number) => tf.Tensor2D): void {
  classify(x, 1);
  const target: Classifier = eot(model, { samples: 1, seed: 3 });
  const xAdv = pgd(target, x, y, { ...attack, seed: 3 });
  classify(xAdv, 2);
  xAdv.dispose();
}

/** The Defense path `evaluateDefense` takes. */
function viaDefense(defense: Defense): void {
  const a = pgdEotAttack({ steps: 2, stepSize: 0.05, eot: 1, chunkSize: images });
  tf.dispose(defense.classify(x, { seed: 1 }).logits);
  const [xAdv] = a.run(defense, x, y, { threat: { norm: 'linf', eps: 0.1 }, seed: 3 });
  tf.dispose(defense.classify(xAdv as Images, { seed: 2 }).logits);
  xAdv?.dispose();
}

const single = (p: { purify: (xx: Images, o: { seed: number }) => Images }) => (xx: Images, seed: number): Int32Array =>
  tf.tidy(() => argmax(classifier(p.purify(xx, { seed: seedStream(seed).nextSeed() }))));
const dp = diffPure(unet.predict, schedule, { t: 200, steps: 10 });
const dpSurrogate = dp.with({ steps: [3], gradient: 'full' });
const ssni = ssniPurifier(dp, unet.predict, calibration, { rule: 'ssni-n', extraSteps: 0 });
const ssniModel = ssniAttackModel(classifier, ssni, { surrogateSteps: [3] });
const g = gns(unet.predict, schedule, { stages: [30, 50, 100], steps: [2, 2, 4] });
const gSurrogate: DiffusionPurifier = g.with({ steps: [1, 1, 1], gradient: 'full' });

const workloads: { name: string; direct: () => void; defense: Defense }[] = [
  {
    name: 'diffpure-t200', defense: purifierDefense(classifier, dp, { surrogate: dpSurrogate }),
    direct: () => direct(single(dp), (xx, s) => classifier(dpSurrogate.purify(xx, { seed: s }))),
  },
  {
    name: 'diffpure-ssni-n', defense: ssniDefense(classifier, ssni, { surrogateSteps: [3] }),
    direct: () => direct((xx, seed) => {
      const ts = ssni.timesteps(ssni.norms(xx));
      return tf.tidy(() => argmax(classifier(ssni.runner.purify(xx, { t: (k) => ts[k]!, seed: seedStream(seed).nextSeed() }))));
    }, (xx, s) => ssniModel(xx, s)),
  },
  {
    name: 'gns-vote3', defense: purifierDefense(classifier, g, { runs: 3, surrogate: gSurrogate }),
    direct: () => direct((xx, seed) => {
      const { labels, votes } = majorityVote(classifier, g, xx, { runs: 3, seed });
      const out = Int32Array.from(labels.dataSync());
      tf.dispose([labels, votes]);
      return out;
    }, (xx, s) => classifier(gSurrogate.purify(xx, { seed: s }))),
  },
];

for (const w of workloads.filter((v) => only === undefined || v.name.includes(only))) {
  const times = { direct: [] as number[], defense: [] as number[] };
  const time = (run: () => void): number => {
    const t0 = performance.now();
    run();
    return performance.now() - t0;
  };
  time(w.direct);
  time(() => viaDefense(w.defense));
  for (let i = 0; i < n; i++) {
    times.direct.push(time(w.direct));
    times.defense.push(time(() => viaDefense(w.defense)));
    process.stderr.write('.');
  }
  const d = median(times.direct);
  const v = median(times.defense);
  emit({ workload: `${w.name}-b${images}`, backend: tf.getBackend(), direct_median_ms: Math.round(d), defense_median_ms: Math.round(v),
    ratio: Number((v / d).toFixed(3)), n });
}
tf.dispose([x, y]);
