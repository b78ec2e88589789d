import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RobustError } from '@robustjs/core';
import { zooEntry, zooManifest } from './index';
import { modelsDir } from './node';

describe('zooManifest', () => {
  it('records both models, each made by the training command with a seed and the training data checksums', () => {
    expect(zooManifest.models.map((m) => m.name)).toEqual(['cnn', 'featurizer']);
    for (const m of zooManifest.models) {
      expect(m.command).toMatch(new RegExp(`^npm run train -w @robustjs/zoo -- --model ${m.name} --epochs ${m.epochs} --seed ${m.seed}$`));
      expect(m.data.files.map((f) => f.name)).toEqual(['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']);
      for (const f of m.data.files) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(m.trainingTimeSeconds).toBeGreaterThan(0);
      expect(m.metrics.testImages).toBe(10_000);
    }
    expect(zooEntry('cnn').seed).not.toBe(zooEntry('featurizer').seed);
    expect(zooEntry('cnn').metrics.testAccuracy).toBeGreaterThanOrEqual(0.9); // issue 4's bar
    expect(zooEntry('featurizer').metrics.testAccuracy).toBeGreaterThanOrEqual(0.88);
  });

  it('matches the files on disk: size and sha256 of every file, each under 1 MB', () => {
    const dir = modelsDir();
    for (const m of zooManifest.models) {
      expect(m.files.map((f) => f.path)).toEqual([`${m.name}/model.json`, `${m.name}/weights.bin`]);
      for (const f of m.files) {
        const bytes = readFileSync(join(dir, f.path));
        expect(statSync(join(dir, f.path)).size).toBe(f.bytes);
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
        expect(f.bytes).toBeLessThan(1_000_000);
      }
    }
  });

  it('zooEntry rejects an unknown name with NOT_FOUND listing the valid ones', () => {
    expect(() => zooEntry('resnet' as never)).toThrow(RobustError);
    expect(() => zooEntry('resnet' as never)).toThrow(/'cnn', 'featurizer'/);
  });
});
