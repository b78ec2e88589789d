import * as tf from '@tensorflow/tfjs';
import { seedStream, type Classifier, type Images, type Labels } from '@robustjs/core';
import { describeDefense, expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { images, lazyTinyUnet, useWasm } from '../test/helpers';
import { diffPure, gdmp, gns, majorityVote } from './purifiers/factories';
import { purifierDefense, type SeededPurifier } from './purifierDefense';
import { linearSchedule } from './schedule';

useWasm();

const SIZE = 16;
const schedule = linearSchedule();
const tiny = lazyTinyUnet(SIZE);
const model = tiny.model;
afterAll(() => tiny.dispose());

/** A linear 3-class classifier on the pixels (depends on every pixel, so gradients are non-zero). */
const classifier: Classifier = (x) => tf.tidy(() =>
  tf.matMul(tf.reshape(x, [x.shape[0], -1]), tf.randomNormal([SIZE * SIZE, 3], 0, 1, 'float32', 4)) as tf.Tensor2D);
const batch = (): { x: Images; y: Labels } => ({ x: images(3, SIZE, 21), y: tf.tensor1d([0, 1, 2], 'int32') });

const diffPureP = () => diffPure(model().predict, schedule, { t: 20, steps: 3 });
const gdmpP = () => gdmp(model().predict, schedule, { t: 10, steps: 2, iterations: 2 });
const gnsP = () => gns(model().predict, schedule, { stages: [5, 10], steps: [1, 2] });

/** A user's own purifier: seeded Gaussian noise then clipping (no kind, no settings). */
const ownPurifier: SeededPurifier = {
  purify: (x, { seed }) => tf.tidy(() => tf.clipByValue(tf.add(x, tf.randomNormal(x.shape, 0, 0.1, 'float32', seed)), 0, 1) as Images),
};

describeDefense('purifierDefense(DiffPure)', () => {
  const p = diffPureP();
  return { defense: purifierDefense(classifier, p, { surrogate: p.with({ steps: [2] }) }), ...batch() };
});
describeDefense('purifierDefense(GDMP), unguided surrogate', () => {
  const p = gdmpP();
  const surrogate = p.with({ steps: [1, 1], guidance: null });
  return { defense: purifierDefense(classifier, p, { surrogate, surrogateNote: 'without guidance' }), ...batch() };
});
describeDefense('purifierDefense(GNS), 3 runs', () => ({ defense: purifierDefense(classifier, gnsP(), { runs: 3 }), ...batch() }));
describeDefense('purifierDefense(a user purifier)', () => ({ defense: purifierDefense(classifier, ownPurifier), ...batch() }));

const argmax = (t: tf.Tensor2D): number[] => tf.tidy(() => Array.from(tf.argMax(t, 1).dataSync()));

describe('purifierDefense', () => {
  it('runs = 1: the logits are classifier(purifier.purify(x, { seed: seedStream(s).nextSeed() })), images that purification', () => {
    const { x, y } = batch();
    const p = diffPureP();
    const defense = purifierDefense(classifier, p);
    for (const s of [1, 17]) {
      const out = defense.classify(x, { seed: s, keepImages: true });
      const purified = p.purify(x, { seed: seedStream(s).nextSeed() });
      const expected = classifier(purified);
      expect(out.logits.shape).toEqual([3, 3]);
      expect(Array.from(out.logits.dataSync())).toEqual(Array.from(expected.dataSync()));
      expect(argmax(out.logits)).toEqual(argmax(expected));
      expect(Array.from(out.images!.dataSync())).toEqual(Array.from(purified.dataSync()));
      expect(out.info).toEqual({});
      tf.dispose([out.logits, out.images!, purified, expected]);
    }
    tf.dispose([x, y]);
  });

  it('runs = 3: the logits are float vote counts whose argmax is majorityVote with the same seed; runs draw nextSeed', () => {
    const { x, y } = batch();
    const p = gnsP();
    const defense = purifierDefense(classifier, p, { runs: 3 });
    for (const s of [2, 9]) {
      const out = defense.classify(x, { seed: s, keepImages: true });
      const { labels, votes } = majorityVote(classifier, p, x, { runs: 3, seed: s });
      expect(out.logits.dtype).toBe('float32');
      expect(Array.from(out.logits.dataSync())).toEqual(Array.from(votes.dataSync()));
      expect(Array.from(tf.sum(out.logits, 1).dataSync())).toEqual([3, 3, 3]);
      expect(argmax(out.logits)).toEqual(Array.from(labels.dataSync()));
      // the draws, pinned: run r purifies with the (r+1)-th nextSeed of seedStream(s); images are run 0's
      const seeds = seedStream(s);
      const runLabels = [0, 1, 2].map((r) => {
        const purified = p.purify(x, { seed: seeds.nextSeed() });
        if (r === 0) expect(Array.from(out.images!.dataSync())).toEqual(Array.from(purified.dataSync()));
        const logits = classifier(purified);
        const l = argmax(logits);
        tf.dispose([purified, logits]);
        return l;
      });
      const counted = [0, 1, 2].map((i) => [0, 1, 2].map((k) => runLabels.filter((l) => l[i] === k).length));
      expect(votes.arraySync()).toEqual(counted);
      tf.dispose([out.logits, out.images!, labels, votes]);
    }
    expectNoLeak(() => defense.classify(x, { seed: 4, keepImages: true }));
    tf.dispose([x, y]);
  });

  it('surface.model(x, s) is classifier(surrogate.purify(x, { seed: s })) and declares its gradient and description', () => {
    const { x, y } = batch();
    const p = diffPureP();
    const surrogate = p.with({ steps: [2] });
    const defense = purifierDefense(classifier, p, { surrogate });
    const a = defense.surface.model(x, 5);
    const b = classifier(surrogate.purify(x, { seed: 5 }));
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([a, b, x, y]);
    expect(defense.surface).toMatchObject({
      randomized: true, gradient: 'surrogate', terms: {}, recommendedAttacks: [{ name: 'pgd-eot' }], minBatchSize: 1,
      description: 'full backprop through a 2-step DiffPure surrogate chain',
    });
    const cases: [SeededPurifier | undefined, string, string][] = [
      [undefined, 'exact', 'full backprop through the 3-step DiffPure chain itself'],
      [p.with({ gradient: 'checkpoint' }), 'exact', 'checkpointed backprop through the 3-step DiffPure chain itself'],
      [p.with({ steps: [2], gradient: 'checkpoint' }), 'surrogate', 'checkpointed backprop through a 2-step DiffPure surrogate chain'],
      [p.with({ steps: [2], gradient: 'bpda' }), 'bpda', 'BPDA (identity backward) around a 2-step DiffPure surrogate chain'],
    ];
    for (const [s, gradient, description] of cases) {
      const d = purifierDefense(classifier, p, s === undefined ? {} : { surrogate: s });
      expect([d.surface.gradient, d.surface.description]).toEqual([gradient, description]);
    }
    const g = gdmpP();
    const unguided = purifierDefense(classifier, g, { surrogate: g.with({ steps: [1, 1], guidance: null }), surrogateNote: 'without guidance' });
    expect(unguided.surface.description).toBe('full backprop through a 1+1-step GDMP surrogate chain without guidance');
    expect(purifierDefense(classifier, ownPurifier).surface.description).toBe('backprop through the Purifier purifier itself');
  });

  it('describe(): label, kind, modifies and the JSON settings of the chain, surrogate and runs, plus the given settings', () => {
    const p = gnsP();
    const d = purifierDefense(classifier, p, { runs: 3, surrogate: p.with({ steps: [1, 1] }), modifies: 'DiffPure', settings: { method: 'GNS' } });
    expect(d.label).toBe('GNS');
    expect(d.describe()).toEqual({
      label: 'GNS', kind: 'gns', modifies: 'DiffPure', surface: 'full backprop through a 1+1-step GNS surrogate chain (one run of the 3-run vote)',
      settings: { stages: [5, 10], steps: [1, 2], sampler: 'ddpm', eta: 1, gradient: 'full', guidance: null, surrogateSteps: [1, 1],
        surrogateGradient: 'full', runs: 3, method: 'GNS' },
    });
    expect(purifierDefense(classifier, gdmpP(), { label: 'GDMP (t* = 10)' }).describe()).toMatchObject({
      label: 'GDMP (t* = 10)', kind: 'gdmp', modifies: null, settings: { guidance: { scale: 60000, ptb: 8 / 255 }, runs: 1 },
    });
    expect(purifierDefense(classifier, diffPureP()).label).toBe('DiffPure');
    expect(purifierDefense(classifier, ownPurifier).describe()).toEqual({
      label: 'Purifier', kind: 'purifier', modifies: null, settings: { runs: 1 }, surface: 'backprop through the Purifier purifier itself',
    });
  });

  it('bad input: classifier, purifier, surrogate, runs, options, settings, and classify arguments, before any work', () => {
    const p = diffPureP();
    const code = (f: () => unknown): string => expectRobustError(f).code;
    expect(code(() => purifierDefense('net' as never, p))).toBe('INVALID_ARGUMENT');
    expect(code(() => purifierDefense(classifier, {} as never))).toBe('INVALID_ARGUMENT');
    expect(code(() => purifierDefense(classifier, null as never))).toBe('INVALID_ARGUMENT');
    expect(code(() => purifierDefense(classifier, p, { surrogate: { steps: 3 } as never }))).toBe('INVALID_ARGUMENT');
    expect(code(() => purifierDefense(classifier, p, { runs: 0 }))).toBe('OUT_OF_RANGE');
    expect(code(() => purifierDefense(classifier, p, { runs: 1.5 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => purifierDefense(classifier, p, { run: 3 } as never))).toBe('UNKNOWN_OPTION');
    expect(code(() => purifierDefense(classifier, p, { label: '' }))).toBe('INVALID_ARGUMENT');
    expect(code(() => purifierDefense(classifier, p, { modifies: 3 as never }))).toBe('INVALID_ARGUMENT');
    expect(code(() => purifierDefense(classifier, p, { settings: { n: Number.NaN } }))).toBe('INVALID_ARGUMENT');
    expect(code(() => purifierDefense(classifier, p, { settings: [1] as never }))).toBe('INVALID_ARGUMENT');
    const message = expectRobustError(() => purifierDefense(classifier, { apply: () => 0 } as never)).message;
    expect(message).toMatch(/'purifier'.*'purifierDefense'.*purify\(x, \{ seed \}\)/);
    const d = purifierDefense(classifier, p);
    const x = images(2, SIZE);
    const big = tf.add(x, 1) as Images;
    const rank3 = tf.zeros([SIZE, SIZE, 1]);
    const before = tf.memory().numTensors;
    expect(code(() => d.classify(x, { seed: 0 }))).toBe('OUT_OF_RANGE');
    expect(code(() => d.classify(x, { seed: 1.5 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => d.classify(x, {} as never))).toBe('INVALID_ARGUMENT');
    expect(code(() => d.classify(x, { seed: 1, keep: true } as never))).toBe('UNKNOWN_OPTION');
    expect(code(() => d.classify(big, { seed: 1 }))).toBe('OUT_OF_RANGE');
    expect(code(() => d.classify(rank3 as never, { seed: 1 }))).toBe('INVALID_ARGUMENT');
    expect(tf.memory().numTensors).toBe(before); // rejected before any tensor was made
    tf.dispose([x, big, rank3]);
  });
});
