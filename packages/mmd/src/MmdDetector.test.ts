import * as tf from '@tensorflow/tfjs';
import { encodeSafetensors, parseSafetensors, type Detector, type Images } from '@robustjs/core';
import { expectNoLeak } from '@robustjs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caught, caughtAsync, useWasm } from '../test/helpers';
import { MMD_DETECTOR_FORMAT_VERSION } from './detectorFile';
import { MmdDetector } from './MmdDetector';
import { MMD_DETECTOR_DEFAULTS } from './mmdDetectorConfig';

useWasm();

const D = 8;
const makePhi = (seed: number): tf.LayersModel =>
  tf.sequential({ layers: [tf.layers.dense({ inputShape: [D], units: 4, activation: 'tanh', kernelInitializer: tf.initializers.glorotNormal({ seed }) })] });
/** Clean data N(0, I); "adversarial" = clean + a small structured perturbation. */
const clean = (n: number, seed: number): tf.Tensor2D => tf.randomNormal([n, D], 0, 1, 'float32', seed);
const attack = (x: tf.Tensor2D): tf.Tensor2D => tf.tidy(() => tf.add(x, tf.mul(tf.sign(x), 0.6)) as tf.Tensor2D);

describe('MmdDetector', () => {
  let phi: tf.LayersModel;
  let detector: MmdDetector;
  let train: tf.Tensor2D;
  let adv: tf.Tensor2D;
  let pool: tf.Tensor2D;

  beforeAll(async () => {
    phi = makePhi(1);
    train = clean(200, 1);
    adv = attack(train);
    pool = clean(2000, 2);
    detector = new MmdDetector(phi, { referenceSize: 50, steps: 30, learningRate: 0.01 });
    const history = (await detector.fit(train, adv)).history;
    expect(history.length).toBe(30);
    detector.calibrate(pool, { fpr: 0.05, batches: 200 });
  });

  afterAll(() => {
    detector.dispose();
    phi.dispose();
    tf.dispose([train, adv, pool]);
  });

  it('passes clean batches at about the calibrated rate and flags adversarial batches', () => {
    const before = tf.memory().numTensors;
    let falseAlarms = 0;
    let detections = 0;
    for (let b = 0; b < 40; b++) {
      const x = clean(50, 100 + b);
      const a = attack(x);
      const c = detector.predict(x);
      const d = detector.predict(a);
      if (c.isAdversarial) falseAlarms++;
      if (d.isAdversarial) detections++;
      expect(c.isAdversarial).toBe(c.statistic > c.threshold);
      expect(d.pValue).toBeGreaterThan(0);
      expect(d.pValue).toBeLessThanOrEqual(1);
      tf.dispose([x, a]);
    }
    expect(tf.memory().numTensors).toBe(before);
    console.log(`[detector] 40 fresh clean batches: ${falseAlarms} flagged; 40 adversarial batches: ${detections} flagged`);
    expect(falseAlarms).toBeLessThanOrEqual(6);
    expect(detections).toBeGreaterThanOrEqual(38);
  });

  it('score is a differentiable [1] statistic of the batch', () => {
    const x = clean(50, 7);
    const s = detector.score(x);
    expect(s.shape).toEqual([1]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(detector.score(v)))(x);
    expect(g.shape).toEqual([50, D]);
    expect(g.abs().sum().dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([x, s, g]);
  });

  it('calibrates from a list of batches as well as from a pool, at the requested quantile', () => {
    const batches = Array.from({ length: 20 }, (_, i) => clean(50, 300 + i));
    const copy = MmdDetector.fromJSON(detector.toJSON(), phi);
    expect(caught(() => copy.calibrate(batches)).message).toMatch(/'MmdDetector.calibrate' was called before 'fit'/);
    const t = detector.calibrate(batches, { fpr: 0.1 });
    const stats = batches.map((b) => detector.predict(b).statistic).sort((a, b) => a - b);
    expect(t).toBe(stats[17]); // ⌈0.9·20⌉ = 18th smallest: 2 of 20 above
    expect(caught(() => detector.calibrate(batches, { batches: 5 })).message).toMatch(/apply to a pool tensor only/);
    expect(caught(() => detector.calibrate(batches.slice(0, 10), { fpr: 0.05 })).message).toMatch(/needs at least ⌈1\/fpr⌉ = 20 clean batches to set a threshold at fpr = 0.05, got 10/);
    const odd = clean(40, 1);
    expect(caught(() => detector.predict(odd)).message).toMatch(/must hold 50 samples, got 40: the threshold was calibrated on batches of that size/);
    detector.calibrate(pool, { fpr: 0.05, batches: 200 });
    tf.dispose([...batches, odd]);
  });

  it("asDetector serves core's Detector contract: the same score, threshold and decision, one record per batch", () => {
    // fit on feature matrices [N,D]: the view is typed for them, no cast
    const d: Detector<tf.Tensor2D> = detector.asDetector<tf.Tensor2D>({ batches: 200 });
    const batch = attack(clean(50, 77));
    const [direct, viaView] = [detector.score(batch), d.score(batch)];
    expect(viaView.shape).toEqual([1]);
    expect(viaView.dataSync()[0]).toBe(direct.dataSync()[0]);
    tf.dispose([direct, viaView]);
    // the beforeAll settings: later tests see the same threshold
    const threshold = d.calibrate(pool, { fpr: 0.05 });
    expect(detector.calibrate(pool, { fpr: 0.05, batches: 200 })).toBe(threshold);
    const records = expectNoLeak(() => d.predict(batch));
    const m = detector.predict(batch);
    const { statistic: score, isAdversarial, pValue } = m;
    expect(records).toEqual([{ score, threshold, isAdversarial, pValue }]);
    expect(records[0]?.isAdversarial).toBe(true);
    const short = clean(49, 3);
    expect(caught(() => d.predict(short)).message).toMatch(/must hold 50 samples, got 49/);
    batch.dispose();
    short.dispose();
  });

  it('asDetector() on a feature detector refuses images, naming the fitted shape', () => {
    const onImages: Detector = detector.asDetector(); // the default type; the data decides
    const images = tf.zeros([50, 2, 2, 2]) as Images;
    const before = tf.memory().numTensors;
    const e = caught(() => onImages.score(images));
    expect(e.code).toBe('SHAPE_MISMATCH');
    const want = /per-sample shape \[8\] like the data the detector was fit on, got \[50,2,2,2\]/;
    expect(e.message).toMatch(want);
    expect(tf.memory().numTensors).toBe(before);
    images.dispose();
  });

  it('round-trips through save and load: kernel, φ weights, reference batch, threshold and version', async () => {
    const bytes = await detector.save();
    const fresh = makePhi(99); // different initial weights: load must overwrite them
    const loaded = MmdDetector.load(bytes, fresh, 'detector.safetensors');
    const x = clean(50, 11);
    const [a, b] = [detector.predict(x), loaded.predict(x)];
    expect(b).toEqual(a);
    expect(loaded.toJSON()).toEqual(detector.toJSON());
    expect(parseSafetensors(bytes).metadata['version']).toBe(String(MMD_DETECTOR_FORMAT_VERSION));
    loaded.dispose();
    fresh.dispose();
    x.dispose();
  });

  it('saves detectors with a function featurizer and with none', async () => {
    for (const featurizer of [(v: tf.Tensor) => tf.tanh(v), undefined]) {
      const d = new MmdDetector(featurizer, { referenceSize: 20, steps: 3 });
      const x = clean(40, 5);
      const y = attack(x);
      await d.fit(x, y);
      const bytes = await d.save();
      const e = caught(() => MmdDetector.load(bytes, featurizer === undefined ? (v: tf.Tensor) => v : undefined));
      expect(e.message).toMatch(/Argument 'featurizer' passed to 'MmdDetector.load' must be/);
      const back = MmdDetector.load(bytes, featurizer);
      const [s1, s2] = [d.score(y), back.score(y)];
      expect(s2.dataSync()).toEqual(s1.dataSync());
      expect(caught(() => back.predict(y)).message).toMatch(/called before 'calibrate'/);
      tf.dispose([x, y, s1, s2]);
      d.dispose();
      back.dispose();
    }
  });

  it('rejects saved files that are truncated, of another version, not a detector, or for another architecture', async () => {
    const bytes = await detector.save();
    const truncated = caught(() => MmdDetector.load(bytes.subarray(0, bytes.length - 7), phi, 'det.safetensors'));
    expect(truncated.code).toBe('CORRUPT_FILE');
    expect(truncated.message).toMatch(/'MmdDetector.load' cannot read detector file 'det.safetensors'.*truncated/);
    expect(caught(() => MmdDetector.load(bytes.subarray(0, 5), phi)).code).toBe('CORRUPT_FILE');
    const { tensors, metadata } = parseSafetensors(bytes);
    const future = await encodeSafetensors(tensors, { ...metadata, version: '2' });
    const v = caught(() => MmdDetector.load(future, phi, 'new.safetensors'));
    expect(v.message).toMatch(/'new.safetensors'.*written in detector format version "2", and this @robustjs\/mmd reads version 1 only/);
    const other = await encodeSafetensors({ w: tf.ones([2]) });
    expect(caught(() => MmdDetector.load(other, phi)).message).toMatch(/not an MmdDetector file/);
    const wide = tf.sequential({ layers: [tf.layers.dense({ inputShape: [D], units: 5 })] });
    const w = caught(() => MmdDetector.load(bytes, wide));
    expect(w.code).toBe('SHAPE_MISMATCH');
    expect(w.message).toMatch(/has weights of shapes \[\[8,5\],\[5\]\].*holds \[\[8,4\],\[4\]\]/);
    expect(caught(() => MmdDetector.load('file.safetensors' as never)).message).toMatch(/must be the Uint8Array written by MmdDetector.save\(\)/);
    wide.dispose();
  });

  it('rejects use before fit, bad batches and bad options with RobustErrors', async () => {
    const d = new MmdDetector(phi, { referenceSize: 50 });
    const x = clean(50, 3);
    for (const call of [() => d.score(x), () => d.predict(x), () => d.calibrate(x)]) {
      const e = caught(call);
      expect(e.code).toBe('INVALID_ARGUMENT');
      expect(e.message).toMatch(/was called before 'fit': the detector has no trained kernel. Call await detector.fit\(clean, adversarial\) first/);
    }
    expect((await caughtAsync(() => d.save())).message).toMatch(/'MmdDetector.save' was called before 'fit'/);
    const wrong = tf.ones([50, D + 1]);
    expect(caught(() => detector.predict(wrong)).message).toMatch(/Argument 'batch' passed to 'MmdDetector.predict' must have per-sample shape \[8\].*got \[50,9\]/);
    const nan = tf.tensor2d(Array.from({ length: 50 * D }, (_, i) => (i === 3 ? NaN : 0)), [50, D]);
    expect(caught(() => detector.predict(nan)).code).toBe('NOT_FINITE');
    expect((await caughtAsync(() => d.fit(clean(20, 1), clean(20, 2)))).message).toMatch(/Argument 'clean' passed to 'MmdDetector.fit' must have at least 50 rows.*referenceSize = 50/);
    expect((await caughtAsync(() => d.fit(clean(60, 1), clean(60, 2).slice([0, 0], [-1, 4])))).code).toBe('SHAPE_MISMATCH');
    expect(caught(() => new MmdDetector(phi, { refSize: 3 } as never)).message).toMatch(/Unknown option 'refSize' passed to 'MmdDetector'. Valid options: estimator, referenceSize/);
    expect(caught(() => new MmdDetector(phi, { estimator: 'fast' as never })).message).toMatch(/must be one of 'unbiased', 'biased'/);
    tf.dispose([x, wrong, nan]);
  });

  it('keeps a frozen config that round-trips through toJSON / fromJSON', () => {
    expect(Object.isFrozen(detector.config)).toBe(true);
    expect(detector.config).toEqual({ ...MMD_DETECTOR_DEFAULTS, referenceSize: 50, steps: 30, learningRate: 0.01 });
    const json = JSON.parse(JSON.stringify(detector));
    expect(MmdDetector.fromJSON(json).config).toEqual(detector.config);
  });

  it('leaves no tensors behind over a whole lifecycle: fit, calibrate, predict, save, load, dispose', async () => {
    const x = clean(60, 21);
    const y = attack(x);
    const batch = y.slice(0, 20);
    const before = tf.memory().numTensors;
    const d = new MmdDetector(phi, { referenceSize: 20, steps: 3 });
    await d.fit(x, y);
    d.calibrate(x, { batches: 20, batchSize: 20 });
    const s = d.predict(batch);
    const back = MmdDetector.load(await d.save(), phi);
    d.dispose();
    back.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(s.isAdversarial).toBe(s.statistic > s.threshold);
    tf.dispose([x, y, batch]);
  });

  it("supports the 'unbiased' estimator with batches of the reference size", async () => {
    const d = new MmdDetector(undefined, { estimator: 'unbiased', referenceSize: 30, steps: 5 });
    const x = clean(60, 9);
    const y = attack(x);
    await d.fit(x, y);
    d.calibrate(clean(400, 4), { fpr: 0.1, batches: 20 });
    expect(d.predict(y.slice(0, 30)).isAdversarial).toBe(true);
    const small = clean(20, 2);
    expect(caught(() => d.score(small)).message).toMatch(/must hold 30 samples, got 20: the 'unbiased' estimator pairs/);
    tf.dispose([x, y, small]);
    d.dispose();
  });
});
