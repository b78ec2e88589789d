import * as tf from '@tensorflow/tfjs';
import { seedStream } from '@robustjs/core';
import { diffPure, gns, linearSchedule } from '@robustjs/diffusion';
import { describeDefense, expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { handmadeEpsilon, handmadePurifier } from '@robustjs/test-utils';
import { gaussianEpsilon, images, linearClassifier, useWasm } from '../test/helpers';
import { calibrate, type SsniCalibration } from './calibration';
import { ssniAttackModel } from './ssniAttackModel';
import { ssniDefense } from './ssniDefense';
import { ssniPurifier } from './ssniPurifier';
import { timestepPurifier } from './timestepPurifier';

useWasm();

const schedule = linearSchedule();
const gauss = gaussianEpsilon(schedule, 0, 0.5);

function calibrationFor(model: Parameters<typeof calibrate>[0]): SsniCalibration {
  const ref = images(16, 8, 11);
  const c = calibrate(model, schedule, ref, { steps: 4, seed: 2 });
  ref.dispose();
  return c;
}
const labels = (): tf.Tensor1D => tf.tensor1d([0, 1, 2], 'int32');

/** SSNI-N around a purifier written here: a hand-made NoisePredictor and a hand-written DDIM sampler. */
function handmadeSsni() {
  const { model } = handmadeEpsilon(schedule);
  const { purify } = handmadePurifier(model, schedule, 3);
  const ssni = ssniPurifier(timestepPurifier(purify, { tStar: 20, T: 1000 }), model, calibrationFor(model), { process: schedule, bias: 2 });
  return { ssni, purify, model };
}

// THE ACCEPTANCE TEST: a user's own purifier, calibrated and wrapped as a Defense, passes the conformance suite
describeDefense('SSNI-N around a hand-written DDIM purifier and NoisePredictor', () => {
  const { ssni } = handmadeSsni();
  return { defense: ssniDefense(linearClassifier(8).classifier, ssni), x: images(3, 8, 12), y: labels() };
});

describeDefense('SSNI-N around DiffPure (5-step surrogate)', () => {
  const ssni = ssniPurifier(diffPure(gauss, schedule, { t: 20, steps: 6 }), gauss, calibrationFor(gauss), { bias: 2 });
  return { defense: ssniDefense(linearClassifier(8).classifier, ssni, { surrogateSteps: [5] }), x: images(3, 8, 12), y: labels() };
});

describeDefense('SSNI-L around GNS (2 vote runs)', () => {
  const ssni = ssniPurifier(gns(gauss, schedule, { stages: [10, 20], steps: [2, 2] }), gauss, calibrationFor(gauss), { rule: 'ssni-l', bias: 1 });
  return { defense: ssniDefense(linearClassifier(8).classifier, ssni, { runs: 2 }), x: images(3, 8, 12), y: labels() };
});

describe('ssniDefense', () => {
  it("classifies exactly as the CLI's ssni adapter did for the same seed, and its surface is the CLI's attack model", () => {
    const calibration = calibrationFor(gauss);
    const { classifier, dispose } = linearClassifier(8);
    const ssni = ssniPurifier(diffPure(gauss, schedule, { t: 20, steps: 6 }), gauss, calibration, { bias: 2, extraSteps: 1 });
    const attackSsni = ssniPurifier(diffPure(gauss, schedule, { t: 20, steps: 10 }), gauss, calibration, { bias: 2, extraSteps: 1 });
    const x = images(4, 8, 12);
    const seed = 17;
    // the CLI (packages/cli/src/defenses/ssni.ts + voteClassify): norms, ts, then per run the seed next() + 1
    const cli = (runs: number) => {
      const ts = ssni.timesteps(ssni.norms(x));
      const seeds = seedStream(seed);
      let votes: tf.Tensor2D | undefined;
      let logits: Float32Array | undefined;
      let first: Float32Array | undefined;
      for (let r = 0; r < runs; r++) {
        const s = seeds.next() + 1;
        const next = tf.tidy(() => {
          const p = ssni.runner.purify(x, { t: (k: number) => ts[k]!, seed: s });
          if (r === 0) first = Float32Array.from(p.dataSync());
          const l = classifier(p);
          if (r === 0) logits = Float32Array.from(l.dataSync());
          const oneHot = tf.oneHot(tf.argMax(l, 1) as tf.Tensor1D, l.shape[1]) as tf.Tensor2D;
          return votes === undefined ? oneHot : (tf.add(votes, oneHot) as tf.Tensor2D);
        });
        votes?.dispose();
        votes = next;
      }
      const counts = Array.from(votes!.dataSync());
      const predictions = Array.from(tf.tidy(() => tf.argMax(votes!, 1).dataSync()));
      votes!.dispose();
      return { counts, predictions, logits: logits!, first: first!, timesteps: Array.from(ts[0]!) };
    };
    const one = ssniDefense(classifier, ssni, { surrogate: attackSsni, surrogateSteps: [3] });
    const a = expectNoLeak(() => {
      const out = one.classify(x, { seed, keepImages: true });
      const r = { logits: Float32Array.from(out.logits.dataSync()), images: Float32Array.from(out.images!.dataSync()), info: out.info };
      tf.dispose([out.logits, out.images!]);
      return r;
    });
    const c1 = cli(1);
    expect(a.logits).toEqual(c1.logits);
    expect(a.images).toEqual(c1.first);
    expect(a.info.timesteps).toEqual(c1.timesteps);
    expect(a.info.norms).toEqual(Array.from(ssni.norms(x)));

    const voted = ssniDefense(classifier, ssni, { runs: 3 });
    const out = voted.classify(x, { seed });
    const c3 = cli(3);
    expect(out.logits.dtype).toBe('float32');
    expect(Array.from(out.logits.dataSync())).toEqual(c3.counts);
    expect(Array.from(tf.tidy(() => tf.argMax(out.logits, 1).dataSync()))).toEqual(c3.predictions);
    out.logits.dispose();

    // surface.model(x, s) = ssniAttackModel(classifier, attackSsni, { surrogateSteps, gradient, eotSamples: 1 })(x, s)
    const cliModel = ssniAttackModel(classifier, attackSsni, { surrogateSteps: [3], gradient: 'full', eotSamples: 1, seed: 99 });
    for (const s of [1, 12345]) {
      const mine = tf.tidy(() => Array.from(one.surface.model(x, s).dataSync()));
      const theirs = tf.tidy(() => Array.from(cliModel(x, s).dataSync()));
      expect(mine).toEqual(theirs);
    }
    expect(one.surface.gradient).toBe('surrogate');
    expect(one.surface.description).toBe('full backprop through a 3-step DiffPure surrogate chain, EPS norms and t(x) recomputed on every iterate (no gradient through t(x))');
    tf.dispose(x);
    dispose();
  });

  it('labels, describes and classifies the attack surface by how the surrogate relates to the defense', () => {
    const calibration = calibrationFor(gauss);
    const { classifier, dispose } = linearClassifier(8);
    const ssni = ssniPurifier(diffPure(gauss, schedule, { t: 20, steps: 4 }), gauss, calibration, { bias: 2 });
    const full = ssniDefense(classifier, ssni, { settings: { dataset: 'toy' } });
    expect(full.label).toBe('DiffPure + SSNI-N');
    expect(full.surface.gradient).toBe('exact'); // default surrogate steps = the defense's K + b
    expect(full.surface.description).toBe("full backprop through a 6-step DiffPure chain (the defense's own), EPS norms and t(x) recomputed on every iterate (no gradient through t(x))");
    expect(full.surface.recommendedAttacks).toEqual([{ name: 'pgd-eot' }]);
    expect(full.surface).toMatchObject({ randomized: true, minBatchSize: 1 });
    expect(Object.keys(full.surface.terms)).toEqual(['epsNorm', 'epsNormBpda']);
    const d = full.describe();
    expect(d).toMatchObject({ label: 'DiffPure + SSNI-N', kind: 'ssni', modifies: 'DiffPure' });
    expect(d.settings).toMatchObject({
      dataset: 'toy', rule: 'ssni-n', tau: calibration.std, bias: 2, extraSteps: 2, epsSteps: 4, stages: [20], steps: [6], runs: 1,
      surrogateSteps: [6], gradient: 'full', calibration: { mean: calibration.mean, std: calibration.std, min: calibration.min, max: calibration.max },
    });
    expect(ssniDefense(classifier, ssni, { surrogateSteps: [4] }).surface.gradient).toBe('surrogate');
    const bpda = ssniDefense(classifier, ssni, { gradient: 'bpda', label: 'mine', baseLabel: 'DP', modifies: 'DP (t* 20)' });
    expect(bpda.surface.gradient).toBe('bpda');
    expect(bpda.surface.description).toMatch(/^BPDA \(identity backward\) around a 6-step DP/);
    expect(bpda.describe()).toMatchObject({ label: 'mine', modifies: 'DP (t* 20)' });
    const l = ssniDefense(classifier, ssniPurifier(gns(gauss, schedule, { stages: [10, 20], steps: [2, 2] }), gauss, calibration, { rule: 'ssni-l' }));
    expect(l.label).toBe('GNS + SSNI-L');
    dispose();
  });

  it('runs a plain timestep purifier with one stage, no extra steps and t(x) as an int32 [N] tensor, gradients through it', () => {
    const { model } = handmadeEpsilon(schedule);
    const { purify } = handmadePurifier(model, schedule, 3);
    const seen: { dtype: string; shape: number[]; values: number[] }[] = [];
    const spy = timestepPurifier((x, t, o) => {
      const tt = t as tf.Tensor1D;
      seen.push({ dtype: tt.dtype, shape: tt.shape, values: Array.from(tt.dataSync()) });
      return purify(x, t, o);
    }, { tStar: 20, T: 1000, name: 'spy' });
    const ssni = ssniPurifier(spy, model, calibrationFor(model), { process: schedule, bias: 2 });
    expect(ssni.settings).toMatchObject({ extraSteps: 0, stages: [20], steps: [] });
    expect(ssni.runner).toBe(ssni.base);
    const x = images(3, 8, 12);
    const { classifier, dispose } = linearClassifier(8);
    const defense = ssniDefense(classifier, ssni);
    expect(defense.label).toBe('Purifier + SSNI-N');
    expect(defense.surface.gradient).toBe('exact');
    expect(defense.surface.description).toBe("full backprop through the Purifier 'spy' (the defense's own), EPS norms and t(x) recomputed on every iterate (no gradient through t(x))");
    expect(defense.describe().settings).toMatchObject({ extraSteps: 0, stages: [20], steps: [], surrogateSteps: null });
    const out = expectNoLeak(() => {
      const o = defense.classify(x, { seed: 2 });
      const info = o.info;
      o.logits.dispose();
      return info;
    });
    expect(seen.at(-1)).toEqual({ dtype: 'int32', shape: [3], values: out.timesteps });
    expect(out.timesteps.every((t) => t >= 0 && t <= 21)).toBe(true);
    expect(ssniDefense(classifier, ssni, { gradient: 'bpda' }).surface.gradient).toBe('bpda');
    tf.dispose(x);
    dispose();
  });

  it('rejects bad input with a RobustError before any model call', () => {
    const { model } = handmadeEpsilon(schedule);
    const { purify } = handmadePurifier(model, schedule, 3);
    const calibration = calibrationFor(model);
    const { classifier, dispose } = linearClassifier(8);
    const x = images(2, 8, 12);
    let calls = 0;
    const counting = (u: tf.Tensor4D, t: tf.Tensor1D): tf.Tensor4D => {
      calls++;
      return model(u, t);
    };
    const plain = timestepPurifier(purify, { tStar: 20, T: 1000 });
    const ssni = ssniPurifier(plain, counting, calibration, { process: schedule });
    // a purifier returning the wrong shape: caught at call time, naming the purifier
    const cropping = timestepPurifier((u: tf.Tensor4D) => tf.slice(u, [0, 0, 0, 0], [-1, 4, 4, -1]), { tStar: 20, T: 1000, name: 'cropper' });
    const bad = ssniDefense(classifier, ssniPurifier(cropping, model, calibration, { process: schedule }));
    const before = tf.memory().numTensors;
    const shape = expectRobustError(() => bad.classify(x, { seed: 1, keepImages: true }));
    expect(tf.memory().numTensors).toBe(before);
    expect(shape.code).toBe('SHAPE_MISMATCH');
    expect(shape.message).toMatch(/purifier 'cropper'.*\[2,8,8,1\].*got a float32 tensor of shape \[2,4,4,1\]/);
    expect(expectRobustError(() => timestepPurifier(() => 3 as never, { tStar: 20, T: 1000, name: 'three' }).purify(x)).message)
      .toMatch(/'three'.*got 3/);
    calls = 0;
    // extra steps around a plain purifier, a missing process, surrogate steps / checkpoint around it
    const extra = expectRobustError(() => ssniPurifier(plain, counting, calibration, { process: schedule, extraSteps: 2 }));
    expect(extra.code).toBe('INVALID_ARGUMENT');
    expect(extra.message).toMatch(/'extraSteps'.*must be 0 around the plain timestep purifier 'handmadeDdim'.*got 2/);
    expect(expectRobustError(() => ssniPurifier(plain, counting, calibration)).message).toMatch(/'process'.*required/);
    expect(expectRobustError(() => ssniDefense(classifier, ssni, { surrogateSteps: [3] })).message).toMatch(/'surrogateSteps'.*left unset/);
    expect(expectRobustError(() => ssniDefense(classifier, ssni, { gradient: 'checkpoint' })).message).toMatch(/'full' or 'bpda'/);
    // options of ssniDefense
    expect(expectRobustError(() => ssniDefense(classifier, ssni, { rums: 2 } as never)).code).toBe('UNKNOWN_OPTION');
    expect(expectRobustError(() => ssniDefense(classifier, ssni, { runs: 0 })).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => ssniDefense(classifier, ssni, { runs: 1.5 })).code).toBe('INVALID_ARGUMENT');
    expect(expectRobustError(() => ssniDefense('h' as never, ssni)).message).toMatch(/'classifier' passed to 'ssniDefense' must be a function.*got "h"/);
    expect(expectRobustError(() => ssniDefense(classifier, plain as never)).message).toMatch(/'ssni'.*SsniPurifier/);
    expect(expectRobustError(() => ssniDefense(classifier, ssni, { gradient: 'exact' as never })).message).toMatch(/'gradient'.*'full', 'checkpoint', 'bpda'/);
    expect(expectRobustError(() => ssniDefense(classifier, ssni, { settings: { f: () => 1 } as never })).message).toMatch(/'settings'.*JSON/);
    const dp = ssniPurifier(diffPure(counting, schedule, { t: 20, steps: 4 }), counting, calibration);
    expect(expectRobustError(() => ssniDefense(classifier, dp, { surrogateSteps: [2, 2] })).code).toBe('SHAPE_MISMATCH');
    expect(expectRobustError(() => ssniDefense(classifier, dp, { surrogateSteps: [0] })).code).toBe('OUT_OF_RANGE');
    // classify's input
    const defense = ssniDefense(classifier, ssni);
    expect(expectRobustError(() => defense.classify(x, { seed: 0 })).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => defense.classify(x, { seed: 1, keep: true } as never)).code).toBe('UNKNOWN_OPTION');
    const big = tf.mul(x, 2) as tf.Tensor4D;
    expect(expectRobustError(() => defense.classify(big, { seed: 1 })).code).toBe('OUT_OF_RANGE');
    const other = images(2, 6);
    expect(expectRobustError(() => defense.classify(other, { seed: 1 })).code).toBe('SHAPE_MISMATCH');
    expect(calls).toBe(0);
    const wrongLogits = ssniDefense(((u: tf.Tensor4D) => tf.reshape(u, [-1])) as never, ssni);
    const b2 = tf.memory().numTensors;
    expect(expectRobustError(() => wrongLogits.classify(x, { seed: 1, keepImages: true })).message).toMatch(/logits \[N,K\] = \[2,K\].*got shape \[128\]/);
    expect(tf.memory().numTensors).toBe(b2);
    tf.dispose([x, big, other]);
    dispose();
  });
});
