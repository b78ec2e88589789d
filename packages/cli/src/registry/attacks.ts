/*
 * The attacks a protocol can name: option tables mapped onto the library's EvaluationAttack factories.
 * Budget keys (steps, stepSize, eot, randomStart, chunkSize) default to the protocol's `attack` and `chunkSize`.
 */
import { autoAttackRandAttack, mma, pgdEotAttack, transferAttack, type EvaluationAttack } from '@robustjs/attacks';
import { diffAttack, diffPgdAttack, ssniEpsAwareAttack } from '@robustjs/attacks';
import { RobustError, type Classifier } from '@robustjs/core';
import { dadAdaptiveEvaluationAttack } from '@robustjs/dad';
import { CliError } from '../errors';
import type { AttackSpec, Protocol } from '../protocol';
import { resolveSpecOptions } from './options';

/** One attack of the table: its option keys (with defaults from the protocol) and its library factory. */
export interface AttackEntry {
  /** Every option with its default, given the protocol. */
  defaults(protocol: Protocol): Record<string, unknown>;
  /** The library factory (`classifier`: the protocol's undefended classifier, the source of transfer attacks). */
  create(options: Record<string, unknown>, classifier: Classifier): EvaluationAttack;
}

const budget = (p: Protocol): Record<string, unknown> => ({
  steps: p.attack.steps, stepSize: p.attack.stepSize, eot: p.attack.eot, randomStart: p.attack.randomStart,
});

/** Checks MMA's options before any work (the transfer attack calls mma only per batch) and returns them. */
function mmaOptions(o: Record<string, unknown>): Record<string, unknown> {
  const where = "attack 'mma-transfer'";
  const need = (ok: boolean, key: string, what: string): void => {
    if (!ok) throw new CliError(`protocol: ${where}: '${key}' must be ${what}, got ${JSON.stringify(o[key])}.`);
  };
  const int = (v: unknown, min: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min;
  need(typeof o.stepSize === 'number' && o.stepSize > 0, 'stepSize', 'a number > 0');
  need(int(o.steps, 0), 'steps', 'an integer ≥ 0');
  need(int(o.k, 1), 'k', 'an integer ≥ 1');
  need(typeof o.confidence === 'number' && o.confidence >= 0, 'confidence', 'a number ≥ 0');
  need(typeof o.randomStart === 'boolean', 'randomStart', 'true or false');
  return o;
}

/** The attacks by protocol name. */
export const ATTACKS: ReadonlyMap<string, AttackEntry> = new Map<string, AttackEntry>([
  ['pgd-eot', { defaults: (p) => ({ ...budget(p), chunkSize: p.chunkSize, fraction: 1 }), create: (o) => pgdEotAttack(o) }],
  // AutoAttack rand (APGD-CE, APGD-DLR with EOT), as DiffPure and DAD's code run it on randomized defenses
  ['autoattack-rand', {
    defaults: (p) => ({ steps: p.attack.steps, eot: p.attack.eot, chunkSize: p.chunkSize, fidelity: 'reference' }),
    create: (o) => autoAttackRandAttack(o),
  }],
  ['dad-adaptive', {
    defaults: (p) => ({
      ...budget(p), objectives: ['detect', 'evade', 'threshold'], alpha: 0.01, lambda: 100, margin: 0.9, fraction: 1,
    }),
    create: (o) => dadAdaptiveEvaluationAttack(o),
  }],
  // DiffAttack (Kang et al. 2023): CE + α·deviated reconstruction, exact segment-wise chain gradient
  ['diffattack', {
    defaults: (p) => ({ ...budget(p), chunkSize: p.chunkSize, deviation: 1, segment: 1 }),
    create: (o) => diffAttack(o),
  }],
  // Diff-PGD (Xue et al. 2023): PGD through an SDEdit of x + δ (v1), or at its output (v2)
  ['diff-pgd', {
    defaults: (p) => ({
      steps: p.attack.steps, stepSize: p.attack.stepSize, eot: p.attack.eot, chunkSize: p.chunkSize,
      tStar: null, ddimSteps: 5, version: 'v1', randomStart: null,
    }),
    create: (o) => diffPgdAttack(o),
  }],
  // SSNI's EPS-aware attack: CE ascent minus λ·e(x), so that t(x) shrinks
  ['ssni-eps-aware', {
    defaults: (p) => ({ ...budget(p), chunkSize: p.chunkSize, lambda: 0.001, epsGradient: 'exact' }),
    create: (o) => ssniEpsAwareAttack(o),
  }],
  // MMA (Gao et al. 2021) on the undefended classifier, handed to the defense: DAD's detection protocol
  ['mma-transfer', {
    defaults: () => ({ stepSize: 0.025, steps: 10, k: 3, confidence: 50, randomStart: true }),
    create: (o, classifier) => transferAttack({
      name: 'mma-transfer', source: classifier, sourceDescription: 'the undefended classifier', attack: mma, options: mmaOptions(o), norms: ['linf'],
    }),
  }],
]);

/**
 * Builds the attacks of a list of protocol entries (the protocol's `attacks`, or a defense's recommended ones).
 *
 * @param specs - the entries.
 * @param protocol - the protocol (budget defaults).
 * @param where - where the list comes from, for messages.
 * @param classifier - the protocol's undefended classifier (the source of transfer attacks).
 * @returns the attacks.
 * @throws {@link CliError} for an unknown name, unknown keys or a value the library rejects.
 */
export function createAttacks(specs: readonly AttackSpec[], protocol: Protocol, where: string, classifier: Classifier): EvaluationAttack[] {
  return specs.map((spec, i) => {
    const at = `${where}[${i}]`;
    const entry = ATTACKS.get(spec.name);
    if (entry === undefined) throw new CliError(`protocol: unknown attack '${spec.name}' at ${at}; known: ${[...ATTACKS.keys()].join(', ')}.`);
    const { options, label } = resolveSpecOptions(spec, entry.defaults(protocol), at);
    if (label !== undefined) throw new CliError(`protocol: '${at}' takes no 'label'.`);
    try {
      return entry.create(options, classifier);
    } catch (e) {
      if (e instanceof RobustError) throw new CliError(`protocol: '${at}' (${spec.name}): ${e.message}`);
      throw e;
    }
  });
}
