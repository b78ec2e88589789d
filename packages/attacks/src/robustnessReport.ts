/*
 * The data of a robust-accuracy evaluation ({@link evaluateRobustness}): what goes in (the attacks and the
 * threat-model protocol) and the report that comes out (per-attack summaries and per-sample records).
 */
import type { Attack, AttackOptions } from '@robustjs/core';
import type { Norm } from './types';

/** One attack of an evaluation: a name for reports, the attack function and its options. */
export interface AttackSpec {
  /** Unique name used in records and progress, e.g. `'apgd-ce'`. */
  readonly name: string;
  /** The attack, `(model, x, y, options) => adversarial images`. */
  readonly attack: Attack<never>;
  /** Options passed to the attack as given; default `{}`. */
  readonly options?: AttackOptions & Record<string, unknown>;
}

/** The threat model and settings an evaluation reports with its numbers. */
export interface RobustnessProtocol {
  /** Norm of the threat model; every adversarial image is checked against it. */
  readonly norm: Norm;
  /** Budget of the threat model; every adversarial image is checked to lie within it (1e-5 tolerance). */
  readonly eps: number;
  /** Attack iterations, for the report. */
  readonly steps?: number;
  /** EOT samples, for the report (1 or absent for deterministic models). */
  readonly eot?: number;
  /** Random restarts, for the report. */
  readonly restarts?: number;
  /** Seeds used, for the report. */
  readonly seeds?: readonly number[];
  /** Free text, e.g. "adaptive: PGD+EOT through the full purifier". */
  readonly notes?: string;
}

/** What happened to one image. */
export interface SampleRecord {
  /** Position in the data. */
  readonly index: number;
  /** True label. */
  readonly label: number;
  /** Clean prediction. */
  readonly cleanPrediction: number;
  /** Correct on every attack (and clean). */
  readonly robust: boolean;
  /** The first attack that made it wrong; absent if clean-wrong or robust. */
  readonly brokenBy?: string;
  /** The prediction on that attack's adversarial image; absent unless `brokenBy` is set. */
  readonly adversarialPrediction?: number;
}

/** Per-attack summary, in evaluation order. */
export interface AttackSummary {
  /** The attack's name from its {@link AttackSpec}. */
  readonly name: string;
  /** Images this attack ran on (those still correct after the attacks before it). */
  readonly attacked: number;
  /** Images it made wrong. */
  readonly broken: number;
  /** Robust accuracy after this attack (worst case over it and every attack before). */
  readonly robustAccuracy: number;
}

/** The result of {@link evaluateRobustness}: numbers together with the protocol that produced them. */
export interface RobustnessReport {
  /** Fraction of images classified correctly without attack. */
  readonly cleanAccuracy: number;
  /** Fraction of images correct under every attack (per-sample worst case). */
  readonly robustAccuracy: number;
  /** One summary per attack, in evaluation order. */
  readonly attacks: readonly AttackSummary[];
  /** One record per image, in data order. */
  readonly samples: readonly SampleRecord[];
  /** The protocol as given, plus the attacks' names and options, the number of images and the backend. */
  readonly protocol: RobustnessProtocol & {
    /** Attack names and their options (tensors replaced by `{dtype, shape}`). */
    readonly attacks: ReadonlyArray<{ readonly name: string; readonly options: Readonly<Record<string, unknown>> }>;
    readonly numImages: number;
    /** The tfjs backend in use, e.g. `'wasm'`. */
    readonly backend: string;
  };
}
