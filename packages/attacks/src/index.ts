/**
 * `@robustjs/attacks`: adversarial attacks on any differentiable `Classifier` of `@robustjs/core`.
 *
 * Attacks are plain functions `(model, x, y, options) => adversarial images`, each with one frozen
 * defaults object: FGSM, PGD (l_inf, l_2, targeted), MMA, APGD-CE/DLR/T, the score-based Square Attack
 * (l_inf, l_2), the minimum-norm C&W-l_2 and FAB-T attacks and the AutoAttack ensemble (APGD-CE, APGD-T,
 * FAB-T, Square); wrappers for randomized and non-differentiable defenses (EOT, BPDA); the losses they ascend (cross-entropy, DLR); and robust-accuracy evaluation as the per-sample
 * worst case over attacks, with its protocol.
 *
 * @packageDocumentation
 */
// core's error, re-exported so that a user of this package alone can catch it
export { RobustError, isRobustError } from '@robustjs/core';
export type { RobustErrorCode } from '@robustjs/core';
export type { Norm, RandomizedClassifier, LossFn } from './types';
export { crossEntropy } from './crossEntropy';
export { dlrLoss } from './dlrLoss';
export { dlrTargetedLoss } from './dlrTargetedLoss';
export { fgsm, FGSM_DEFAULTS } from './fgsm';
export type { FgsmOptions } from './fgsm';
export { pgd, PGD_DEFAULTS } from './pgd';
export type { PgdOptions } from './pgd';
export { mma, MMA_DEFAULTS } from './mma';
export type { MmaOptions } from './mma';
export { eot, EOT_DEFAULTS } from './eot';
export type { EotOptions } from './eot';
export { bpda } from './bpda';
export type { ImageTransform } from './bpda';
export { apgd, APGD_DEFAULTS } from './apgd';
export type { ApgdOptions, ApgdLoss } from './apgd';
export { apgdT, APGD_T_DEFAULTS } from './apgdT';
export type { ApgdTOptions } from './apgdT';
export { evaluateRobustness, EVALUATE_ROBUSTNESS_DEFAULTS } from './evaluateRobustness';
export type { RobustnessProgress, EvaluateRobustnessOptions } from './evaluateRobustness';
export type { AttackSpec, RobustnessProtocol, SampleRecord, AttackSummary, RobustnessReport } from './robustnessReport';
export { square, SQUARE_DEFAULTS } from './square';
export type { SquareOptions } from './square';
export { cw, CW_DEFAULTS } from './cw';
export type { CwOptions } from './cw';
export { fabT, FAB_T_DEFAULTS } from './fabT';
export type { FabTOptions } from './fabT';
export { autoAttack, AUTO_ATTACK_DEFAULTS } from './autoAttack';
export type { AutoAttackOptions, AutoAttackVersion } from './autoAttack';
export type { EvaluationAttack, EvaluationAttackContext, ThreatModel, BatchInfo } from './evaluation/types';
export { evaluateDefense, evaluationData, shardBatches, EVALUATE_DEFENSE_DEFAULTS } from './evaluation/evaluateDefense';
export type {
  EvaluationData, SampleOutcome, BatchResult, EvaluationCheckpoint, EvaluationProgress, ExampleImages,
  EvaluateDefenseOptions, EvaluationProtocol, DefenseEvaluation,
} from './evaluation/evaluateDefense';
export { pgdEotAttack, PGD_EOT_ATTACK_DEFAULTS } from './evaluation/pgdEotAttack';
export type { PgdEotAttackOptions } from './evaluation/pgdEotAttack';
export { autoAttackRandAttack, AUTO_ATTACK_RAND_ATTACK_DEFAULTS } from './evaluation/autoAttackRandAttack';
export type { AutoAttackRandAttackOptions } from './evaluation/autoAttackRandAttack';
export { undefended } from './evaluation/undefended';
export { chainGradient } from './evaluation/chainGradient';
export type { ChainGradientOptions } from './evaluation/chainGradient';
export { diffAttack, DIFF_ATTACK_DEFAULTS } from './evaluation/diffAttack';
export type { DiffAttackOptions } from './evaluation/diffAttack';
export { diffPgdAttack, DIFF_PGD_ATTACK_DEFAULTS } from './evaluation/diffPgdAttack';
export type { DiffPgdAttackOptions, DiffPgdVersion } from './evaluation/diffPgdAttack';
export { ssniEpsAwareAttack, SSNI_EPS_AWARE_ATTACK_DEFAULTS } from './evaluation/ssniEpsAwareAttack';
export type { SsniEpsAwareAttackOptions, EpsGradient } from './evaluation/ssniEpsAwareAttack';
export { wilson, pairedDifference } from './evaluation/intervals';
export type { Proportion, PairedDifference } from './evaluation/intervals';
export type { Fidelity } from './fidelity';
export { transferAttack } from './evaluation/transferAttack';
export type { TransferAttackOptions } from './evaluation/transferAttack';
