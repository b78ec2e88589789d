import '@robustjs/core/register';
import * as tf from '@tensorflow/tfjs';
import type { Images, Labels } from '@robustjs/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { autoAttack } from './autoAttack';
import { randomLinear } from '../test/models';

// Every component is replaced by a recorder that returns x unchanged, so autoAttack runs each of them on all samples
// and the options it hands over can be read back. (A separate file: vi.mock applies to the whole file.)
const { calls, recorder } = vi.hoisted(() => {
  const calls: { attack: string; options: Record<string, unknown> }[] = [];
  const recorder = (attack: string) => (_m: unknown, x: { clone(): unknown }, _y: unknown, options: Record<string, unknown>) => {
    calls.push({ attack, options });
    return x.clone();
  };
  return { calls, recorder };
});
vi.mock('./apgd', () => ({ apgd: recorder('apgd') }));
vi.mock('./apgdT', () => ({ apgdT: recorder('apgdT') }));
vi.mock('./fabT', () => ({ fabT: recorder('fabT') }));
vi.mock('./square', () => ({ square: recorder('square') }));

describe('autoAttack fidelity', () => {
  let lin: ReturnType<typeof randomLinear>;
  let x: Images;
  let y: Labels;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    lin = randomLinear(16, 5, 6, 1);
    x = tf.randomUniform([4, 4, 4, 1], 0, 1, 'float32', 8) as Images;
    y = tf.tidy(() => tf.argMax(lin.model(x), 1)) as Labels;
  });
  afterAll(() => {
    tf.dispose([x, y]);
    lin.dispose();
  });
  beforeEach(() => {
    calls.length = 0;
  });

  const run = (options: Record<string, unknown>) => tf.dispose(autoAttack(lin.model, x, y, options));

  it("defaults to 'reference' and builds Square as autoattack.py does, without the rescaled schedule", () => {
    run({ queries: 5000 });
    expect(calls.map((c) => c.attack)).toEqual(['apgd', 'apgdT', 'fabT', 'square']);
    for (const c of calls.filter((c) => c.attack !== 'fabT')) expect(c.options.fidelity).toBe('reference');
    const sq = calls.find((c) => c.attack === 'square');
    expect(sq?.options).toMatchObject({ queries: 5000, fidelity: 'reference', rescaleSchedule: false });
  });

  it("'paper' hands the paper variants on and rescales Square's schedule to the budget", () => {
    run({ queries: 1000, fidelity: 'paper' });
    for (const c of calls.filter((c) => c.attack !== 'fabT')) expect(c.options.fidelity).toBe('paper');
    expect(calls.find((c) => c.attack === 'square')?.options).toMatchObject({ queries: 1000, rescaleSchedule: true });
  });

  it("'rand' hands the fidelity to both APGD runs", () => {
    run({ version: 'rand', fidelity: 'paper' });
    expect(calls.map((c) => [c.attack, c.options.loss, c.options.fidelity])).toEqual([
      ['apgd', 'ce', 'paper'],
      ['apgd', 'dlr', 'paper'],
    ]);
  });

  it('rejects an unknown fidelity, naming the option and the valid values', () => {
    expect(() => autoAttack(lin.model, x, y, { fidelity: 'exact' as never })).toThrow(/'fidelity'.*'reference', 'paper'/);
  });
});
